// One simulated time for the platform simulator and the kit: the kit runs on a ManualClock and
// advance() moves both together, one due timer at a time, waiting (in real time) until the
// HTTP exchanges in between are quiet. The source runs with its real requester, authenticator and
// quota ledger, an in-memory checkpoint store and a recording EventWriter.
import { setTimeout as delay } from 'node:timers/promises';
import { ManualClock, createMemoryCheckpointStore, runSource } from '@tributary/connector-kit';
import type { ApiRequest, CollectorCheckpoint, Requester, RequestPriority, SourceRun } from '@tributary/connector-kit';
import { startPlatformSim } from '@tributary/platform-sim';
import type { KnobChanges, PlatformSim } from '@tributary/platform-sim';
import { createLogger } from '@tributary/telemetry';
import { Registry } from 'prom-client';
import { RecordingWriter, advanceTogether, counterValue } from '@tributary/source-testing';
import { createYouTubeRequester, createYouTubeSource } from '../src/source.ts';
import type { DataQuality } from '../src/records.ts';
import { loadYouTubeSettings } from '../src/spec.ts';
import type { YouTubeSourceSettings } from '../src/spec.ts';

export const quietLogger = createLogger({ serviceName: 'source-youtube-test', level: 'silent' });

/** Every request the source made through the requester, with its priority and outcome. */
export interface RequestRecord {
  endpoint: string;
  priority: RequestPriority | undefined;
  startedAt: number;
  endedAt: number | null;
  outcome: 'ok' | 'not-modified' | 'error' | null;
}

export function recordingRequester(inner: Requester, clock: { now(): number }, log: RequestRecord[]): Requester {
  return {
    async request<T>(request: ApiRequest) {
      const record: RequestRecord = {
        endpoint: request.endpoint,
        priority: request.priority,
        startedAt: clock.now(),
        endedAt: null,
        outcome: null,
      };
      log.push(record);
      try {
        const response = await inner.request<T>(request);
        record.outcome = response.source === 'not-modified' ? 'not-modified' : 'ok';
        return response;
      } catch (error) {
        record.outcome = 'error';
        throw error;
      } finally {
        record.endedAt = clock.now();
      }
    },
    health: () => inner.health(),
    close: () => inner.close(),
  };
}

export interface HarnessOptions {
  seed?: string;
  startTime: number;
  channels?: number;
  knobs?: KnobChanges;
  /** Overrides of the youtube settings section (dotted keys under `youtube.`). */
  youtube?: Record<string, unknown>;
  mode?: 'incremental' | 'backfill';
  backfillStartAt?: number;
  checkpoints?: CollectorCheckpoint[];
  /** Start the runtime at once (default true). */
  run?: boolean;
}

export class Harness {
  readonly sim: PlatformSim;
  readonly clock: ManualClock;
  readonly writer = new RecordingWriter();
  readonly registry = new Registry();
  readonly requests: RequestRecord[] = [];
  readonly checkpoints: ReturnType<typeof createMemoryCheckpointStore>;
  readonly settings: YouTubeSourceSettings;
  readonly requester: Requester;
  readonly quality: DataQuality;
  readonly source: ReturnType<typeof createYouTubeSource>;
  readonly channelIds: string[];
  run: SourceRun | null = null;
  readonly #controller = new AbortController();
  readonly #options: HarnessOptions;

  private constructor(sim: PlatformSim, options: HarnessOptions) {
    this.sim = sim;
    this.#options = options;
    this.clock = new ManualClock(options.startTime);
    const credentials = sim.credentials().youtube;
    this.channelIds = credentials.accounts.map((account) => account.channelId);
    const overrides: Record<string, unknown> = {
      'source.scopes': this.channelIds,
      'source.mode': options.mode ?? 'incremental',
      'youtube.apiBaseUrl': sim.baseUrls.youtube,
      'youtube.analyticsBaseUrl': sim.baseUrls.youtubeAnalytics,
      'youtube.tokenUrl': sim.baseUrls.googleOAuth,
      'youtube.hubUrl': sim.baseUrls.youtubeWebSubHub,
      'youtube.clientId': credentials.clientId,
      'youtube.clientSecret': credentials.clientSecret,
      'youtube.seedCredentials': JSON.stringify(
        credentials.accounts.map((account) => ({
          id: account.channelId,
          accessToken: account.accessToken,
          refreshToken: account.refreshToken,
          accessTokenExpiresAt: account.accessExpiresAt,
        })),
      ),
      'youtube.webSubSecret': 'websub-test-secret',
      'youtube.channelEveryMs': 6 * 3_600_000,
      'youtube.uploadsEveryMs': 3_600_000,
      'youtube.videosMinIntervalMs': 3_600_000,
      'youtube.videosMaxIntervalMs': 24 * 3_600_000,
      'youtube.commentsEveryMs': 0, // on in the comments test only: it changes the call counts the quota tests reason about
    };
    for (const [key, value] of Object.entries(options.youtube ?? {})) overrides[`youtube.${key}`] = value;
    this.settings = loadYouTubeSettings({ env: {}, files: [], overrides });
    this.source = createYouTubeSource(this.settings.youtube);
    this.quality = this.source.quality;
    this.quality.attach(this.registry, quietLogger);
    this.checkpoints = createMemoryCheckpointStore(options.checkpoints ?? []);
    this.requester = recordingRequester(
      createYouTubeRequester(this.settings, {
        quality: this.source.quality,
        logger: quietLogger,
        registry: this.registry,
        clock: this.clock,
        retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1_000 },
      }),
      this.clock,
      this.requests,
    );
  }

  static async start(options: HarnessOptions): Promise<Harness> {
    const sim = await startPlatformSim({
      seed: options.seed ?? 'source-youtube',
      clock: { startTime: options.startTime, speed: 0 },
      accounts: { tiktok: 0, instagram: 0, youtube: options.channels ?? 1 },
      knobs: { youtube: { rateLimitExceededProbability: 0 }, ...options.knobs },
    });
    const harness = new Harness(sim, options);
    if (options.run !== false) harness.startRun();
    await harness.settle();
    return harness;
  }

  startRun(): SourceRun {
    this.run = runSource({
      declaration: this.source.declaration,
      requester: this.requester,
      writer: this.writer,
      checkpoints: this.checkpoints,
      clock: this.clock,
      logger: quietLogger,
      metrics: this.registry,
      scopes: this.channelIds.map((id) => ({ id })),
      mode: this.#options.mode ?? 'incremental',
      ...(this.#options.backfillStartAt === undefined ? {} : { backfill: { startAt: this.#options.backfillStartAt } }),
      signal: this.#controller.signal,
    });
    return this.run;
  }

  /** Waits (real time) until nothing changes: no new requests, events, or sleeps for a few ticks. */
  async settle(): Promise<void> {
    let last = '';
    let stable = 0;
    for (let tick = 0; tick < 2_000 && stable < 4; tick++) {
      await delay(4);
      const open = this.requests.filter((record) => record.endedAt === null).length;
      const signature = `${this.clock.pendingSleeps}|${this.writer.events.length}|${this.requests.length}|${open}|${this.sim.stats().requests.youtube ?? 0}`;
      stable = signature === last ? stable + 1 : 0;
      last = signature;
    }
  }

  /** Moves the one simulated time forward by `ms`, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    await advanceTogether(this, ms);
  }

  async advanceTo(time: number): Promise<void> {
    await this.advance(Math.max(0, time - this.clock.now()));
  }

  /** Attempts the connector counted with this outcome (e.g. quota_exhausted, auth_expired, not_modified). */
  async attempts(outcome: string, endpoint?: string): Promise<number> {
    return counterValue(this.registry, 'tributary_connector_requests_total', { outcome, endpoint });
  }

  async stop(): Promise<void> {
    this.#controller.abort(new Error('test done'));
    this.clock.advance(0);
    await this.run?.done;
    await this.requester.close();
    await this.sim.close();
  }
}
