// An in-process platform simulator + the real requester, authenticator and quota ledger + the
// runtime with an in-memory checkpoint store and a recording EventWriter, on ONE simulated time:
// the kit's ManualClock and the simulator's clock move together, and only when no HTTP exchange is
// in flight (a jump while a request travels would make the simulator count it in a later window).
import { setTimeout as realDelay } from 'node:timers/promises';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { ManualClock, createMemoryCheckpointStore, createMemoryCredentialStore, runSource } from '@tributary/connector-kit';
import type { Requester, SourceRun } from '@tributary/connector-kit';
import { loadConfig } from '@tributary/config';
import { startPlatformSim } from '@tributary/platform-sim';
import type { KnobChanges, PlatformSim } from '@tributary/platform-sim';
import { createLogger } from '@tributary/telemetry';
import type { Logger } from '@tributary/telemetry';
import { Registry } from 'prom-client';
import { RecordingWriter, counterValue } from '@tributary/source-testing';
import { createTikTokService } from '../src/source.ts';
import type { TikTokService, TikTokServiceOptions } from '../src/source.ts';
import { tiktokSourceSchema } from '../src/spec.ts';
import type { TikTokSourceSettings } from '../src/spec.ts';

export const START = Date.parse('2026-11-20T12:00:00Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** An undici Agent that knows how many exchanges are in flight. */
export class CountingAgent extends Agent {
  inFlight = 0;
  /** Every answer's status by path, in arrival order. */
  readonly answers: Array<{ path: string; status: number }> = [];
  /** Called as each exchange starts (tests sample the requester's health mid-call). */
  onDispatch: ((path: string) => void) | undefined;

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.inFlight += 1;
    let finished = false;
    const finish = (): void => {
      if (!finished) {
        finished = true;
        this.inFlight -= 1;
      }
    };
    const ends = new Set<PropertyKey>(['onResponseEnd', 'onResponseError', 'onComplete', 'onError']);
    const answers = this.answers;
    const path = String(options.path).split('?')[0]!;
    this.onDispatch?.(path);
    const wrapped = new Proxy(handler, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (property === 'onResponseStart' || property === 'onHeaders')
          return (...args: unknown[]) => {
            answers.push({ path, status: Number(property === 'onHeaders' ? args[0] : args[1]) });
            return (value as (...args: unknown[]) => unknown).apply(target, args);
          };
        if (!ends.has(property)) return (value as (...args: unknown[]) => unknown).bind(target);
        return (...args: unknown[]) => {
          finish();
          return (value as (...args: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return super.dispatch(options, wrapped);
  }
}

async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface HarnessOptions {
  seed?: string;
  accounts?: number;
  knobs?: KnobChanges;
  /** Settings overrides (dotted keys). */
  overrides?: Record<string, unknown>;
  service?: Partial<TikTokServiceOptions>;
  /** Scopes to collect (default: every simulated account). */
  scopes?: (openIds: string[]) => string[];
  logger?: Logger;
}

export class Harness {
  readonly clock: ManualClock;
  readonly agent = new CountingAgent({ connections: 64 });
  readonly writer = new RecordingWriter();
  readonly checkpoints = createMemoryCheckpointStore();
  readonly credentialStore = createMemoryCredentialStore();
  readonly registry = new Registry();
  controller = new AbortController();
  readonly logLines: string[] = [];
  readonly logger: Logger;
  sim!: PlatformSim;
  settings!: TikTokSourceSettings;
  service!: TikTokService;
  requester!: Requester;
  run: SourceRun | undefined;
  openIds: string[] = [];

  constructor() {
    this.clock = new ManualClock(START);
    this.logger = createLogger(
      { serviceName: 'source-tiktok-test', level: 'debug' },
      { write: (line: string) => void this.logLines.push(line) },
    );
  }

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const harness = new Harness();
    await harness.init(options);
    return harness;
  }

  private async init(options: HarnessOptions): Promise<void> {
    this.sim = await startPlatformSim({
      seed: options.seed ?? 'source-tiktok',
      clock: { startTime: START, speed: 0 },
      accounts: { tiktok: options.accounts ?? 2, instagram: 0, youtube: 0 },
      ...(options.knobs ? { knobs: options.knobs } : {}),
    });
    const credentials = this.sim.credentials().tiktok;
    this.openIds = credentials.accounts.map((account) => account.openId);
    const seeds = credentials.accounts.map((account) => ({
      id: account.openId,
      accessToken: account.accessToken,
      refreshToken: account.refreshToken,
      accessTokenExpiresAt: account.accessExpiresAt,
    }));
    this.settings = loadConfig(tiktokSourceSchema, {
      env: {},
      overrides: {
        'source.scopes': options.scopes ? options.scopes(this.openIds) : this.openIds,
        'tiktok.apiBaseUrl': this.sim.baseUrls.tiktok,
        'tiktok.clientKey': credentials.clientKey,
        'tiktok.clientSecret': credentials.clientSecret,
        'tiktok.seedCredentials': JSON.stringify(seeds),
        'telemetry.logLevel': 'debug',
        ...options.overrides,
      },
    }).values as TikTokSourceSettings;
    const settings = this.settings;
    this.service = createTikTokService(() => settings, {
      logger: this.logger,
      store: this.credentialStore,
      http: { dispatcher: this.agent },
      retry: { maxAttempts: 4, initialDelayMs: 500, maxDelayMs: 10_000 },
      ...options.service,
    });
    this.requester = this.service.createRequester(this.settings, { logger: this.logger, registry: this.registry, clock: this.clock });
  }

  startRun(options: { backfillStartAt?: number } = {}): SourceRun {
    this.controller = new AbortController();
    this.run = runSource({
      declaration: this.service.declaration,
      requester: this.requester,
      writer: this.writer,
      checkpoints: this.checkpoints,
      clock: this.clock,
      logger: this.logger,
      metrics: this.registry,
      scopes: this.settings.source.scopes.map((entry) => {
        const [id, credential] = entry.split(':');
        return credential ? { id: id!, credential } : { id: id! };
      }),
      mode: options.backfillStartAt === undefined ? 'incremental' : 'backfill',
      ...(options.backfillStartAt === undefined ? {} : { backfill: { startAt: options.backfillStartAt } }),
      signal: this.controller.signal,
    });
    return this.run;
  }

  /** Lets pending work run until no HTTP exchange is in flight. */
  async quiet(): Promise<void> {
    for (let rounds = 0; rounds < 20_000; rounds++) {
      await settle();
      if (this.agent.inFlight === 0) {
        await settle();
        if (this.agent.inFlight === 0) return;
      }
      await realDelay(1);
    }
    throw new Error('HTTP exchanges still in flight after many rounds');
  }

  /** Moves both clocks to `time` (never backwards). */
  async setTime(time: number): Promise<void> {
    if (time <= this.clock.now()) return;
    await this.sim.setTime(time);
    this.clock.set(time);
  }

  /** Drives simulated time, one due sleep at a time, until `done()` holds; fails after `maxMs` of simulated time. */
  async until(done: () => boolean, maxMs = DAY): Promise<void> {
    const end = this.clock.now() + maxMs;
    for (let idle = 0; ;) {
      await this.quiet();
      if (done()) return;
      const next = this.clock.nextDeadline();
      if (next === null) {
        if (++idle > 2_000) throw new Error('nothing is sleeping and the condition does not hold');
        await realDelay(1);
        continue;
      }
      idle = 0;
      if (next > end) throw new Error(`condition not reached within ${maxMs} ms of simulated time`);
      await this.setTime(next);
    }
  }

  /** Runs for `ms` of simulated time. */
  async runFor(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    await this.until(() => (this.clock.nextDeadline() ?? Infinity) > end, ms + 1);
    await this.setTime(end);
    await this.quiet();
  }

  async counter(name: string, labels: Record<string, string> = {}): Promise<number> {
    return counterValue(this.registry, name, labels);
  }

  /** Answers with this status the simulator sent (optionally for paths ending in `pathEnd`). */
  served(status: number, pathEnd = ''): number {
    return this.agent.answers.filter((answer) => answer.status === status && answer.path.endsWith(pathEnd)).length;
  }

  /** Stops the run (loops finish the page in hand), as a crash-free stop before a restart. */
  async stopRun(): Promise<void> {
    this.controller.abort(new Error('stopping'));
    if (this.run) await this.clock.runUntilSettled(this.run.done);
    this.run = undefined;
  }

  async close(): Promise<void> {
    await this.stopRun();
    await this.requester.close();
    await this.sim.close();
    await this.agent.close();
  }
}
