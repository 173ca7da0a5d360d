// One simulated time for the platform simulator and the kit: the kit runs on a ManualClock and advance() moves both
// together, one due timer at a time, waiting (in real time) until the HTTP exchanges in between are quiet. The source
// runs with its real requester, authenticator and quota ledger (service.ts), an in-memory checkpoint store and a
// recording EventWriter; the webhook route runs in the kit's receiver on 127.0.0.1:0.
import { setTimeout as delay } from 'node:timers/promises';
import { ManualClock, createMemoryCheckpointStore, createWebhookReceiver, runSource } from '@tributary/connector-kit';
import type { ApiRequest, ApiResponse, ListeningWebhookReceiver, Requester, SourceRun } from '@tributary/connector-kit';
import { startPlatformSim } from '@tributary/platform-sim';
import type { KnobChanges, PlatformSim } from '@tributary/platform-sim';
import { createLogger } from '@tributary/telemetry';
import { Registry } from 'prom-client';
import { RecordingWriter, advanceTogether, counterValue } from '@tributary/source-testing';
import { createInstagramRequester } from '../src/service.ts';
import { createInstagramSource, insightsCadence } from '../src/source.ts';
import type { InstagramSource } from '../src/source.ts';
import { loadInstagramSettings } from '../src/spec.ts';
import type { InstagramSourceSettings } from '../src/spec.ts';
import { instagramWebhookRoute } from '../src/webhooks.ts';

export const quietLogger = createLogger({ serviceName: 'source-instagram-test', level: 'silent' });
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Every request path and query the source sent (for "never requested" assertions). */
export interface SentRequest {
  endpoint: string;
  priority: string | undefined;
  query: Record<string, unknown>;
  at: number;
}

export interface HarnessOptions {
  seed?: string;
  startTime: number;
  accounts?: number;
  knobs?: KnobChanges;
  /** Overrides of the instagram settings section (keys under `instagram.`). */
  instagram?: Record<string, unknown>;
  /** Transforms the seed credentials (e.g. to age or expire them). */
  seeds?: (seeds: Array<Record<string, unknown>>) => Array<Record<string, unknown>>;
  webhooks?: boolean;
  /** Runs before the source starts (faults for the first calls). */
  beforeRun?: (sim: PlatformSim) => void;
}

export class Harness {
  readonly sim: PlatformSim;
  readonly clock: ManualClock;
  readonly writer = new RecordingWriter();
  readonly registry = new Registry();
  readonly sent: SentRequest[] = [];
  readonly settings: InstagramSourceSettings;
  readonly requester: Requester;
  readonly source: InstagramSource;
  readonly accountIds: string[];
  readonly checkpoints = createMemoryCheckpointStore();
  run!: SourceRun;
  receiver: ListeningWebhookReceiver | null = null;
  #open = 0;
  /** Each circuit's state changes, as sampled around every request: `<endpoint>|<credential>` → states in order. */
  readonly circuitStates = new Map<string, string[]>();
  readonly #controller = new AbortController();

  private constructor(sim: PlatformSim, options: HarnessOptions) {
    this.sim = sim;
    this.clock = new ManualClock(options.startTime);
    const credentials = sim.credentials().instagram;
    this.accountIds = credentials.accounts.map((account) => account.igUserId);
    const seeds = credentials.accounts.map((account) => ({
      id: account.igUserId,
      accessToken: account.accessToken,
      accessTokenExpiresAt: account.accessExpiresAt,
      accessTokenIssuedAt: account.issuedAt,
    }));
    const overrides: Record<string, unknown> = {
      'source.scopes': this.accountIds,
      'instagram.apiBaseUrl': sim.baseUrls.instagram,
      'instagram.refreshBaseUrl': sim.baseUrls.instagram,
      'instagram.seedCredentials': JSON.stringify(options.seeds ? options.seeds(seeds) : seeds),
      'instagram.appSecret': credentials.appSecret,
      'instagram.verifyToken': credentials.verifyToken,
    };
    for (const [key, value] of Object.entries(options.instagram ?? {})) overrides[`instagram.${key}`] = value;
    this.settings = loadInstagramSettings({ env: {}, files: [], overrides });
    this.source = createInstagramSource(this.settings.instagram);
    this.source.issues.attach(this.registry, quietLogger);
    const inner = createInstagramRequester(this.settings, {
      logger: quietLogger,
      registry: this.registry,
      clock: this.clock,
      retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1_000 },
    });
    this.requester = {
      request: async <T>(request: ApiRequest): Promise<ApiResponse<T>> => {
        this.sent.push({ endpoint: request.endpoint, priority: request.priority, query: { ...request.query }, at: this.clock.now() });
        this.#open += 1;
        try {
          const pending = inner.request<T>(request);
          // Sampled while the call is in flight, so a half-open trial is seen.
          await new Promise((resolve) => setImmediate(resolve));
          this.#sampleCircuits();
          return await pending;
        } finally {
          this.#open -= 1;
          this.#sampleCircuits();
        }
      },
      health: () => inner.health(),
      close: () => inner.close(),
    };
  }

  static async start(options: HarnessOptions): Promise<Harness> {
    const sim = await startPlatformSim({
      seed: options.seed ?? 'source-instagram',
      clock: { startTime: options.startTime, speed: 0 },
      accounts: { tiktok: 0, instagram: options.accounts ?? 1, youtube: 0 },
      knobs: options.knobs ?? {},
    });
    const harness = new Harness(sim, options);
    options.beforeRun?.(sim);
    harness.run = runSource({
      declaration: harness.source.declaration,
      requester: harness.requester,
      writer: harness.writer,
      checkpoints: harness.checkpoints,
      clock: harness.clock,
      logger: quietLogger,
      metrics: harness.registry,
      scopes: harness.accountIds.map((id) => ({ id })),
      mode: 'incremental',
      signal: harness.#controller.signal,
    });
    if (options.webhooks) await harness.listen();
    await harness.settle();
    return harness;
  }

  /** Serves the Instagram route on 127.0.0.1:0 and points the simulator's deliveries at it. */
  async listen(): Promise<ListeningWebhookReceiver> {
    const ig = this.settings.instagram;
    const route = instagramWebhookRoute({
      source: this.source.declaration.name,
      appSecret: ig.appSecret,
      verifyToken: ig.verifyToken,
      apiVersion: ig.apiVersion,
      snapshotBucketMs: insightsCadence(ig).minIntervalMs,
      issues: this.source.issues,
      read: this.source.read,
      ourMedia: this.source.ourMedia,
      writer: this.writer,
      run: this.run,
      logger: quietLogger,
    });
    this.receiver = await createWebhookReceiver({
      routes: [route],
      writer: this.writer,
      clock: this.clock,
      logger: quietLogger,
      metrics: this.registry,
      source: this.source.declaration.name,
    }).listen({ host: '127.0.0.1', port: 0 });
    this.sim.webhooks.setTarget('instagram', `${this.receiver.url}/webhooks/instagram`);
    return this.receiver;
  }

  /**
   * Waits (real time) until nothing changes: no new requests, events, or sleeps for a few ticks. A request still open
   * may be waiting for simulated time (a quota pause) or still on the wire: then it takes longer quiet to count as settled.
   */
  async settle(): Promise<void> {
    let last = '';
    let stable = 0;
    for (let tick = 0; tick < 2_000 && stable < (this.#open === 0 ? 4 : 40); tick++) {
      await delay(3);
      const signature = `${this.clock.pendingSleeps}|${this.writer.events.length}|${this.sent.length}|${this.#open}|${this.sim.stats().requests.instagram ?? 0}`;
      stable = signature === last ? stable + 1 : 0;
      last = signature;
    }
  }

  #sampleCircuits(): void {
    for (const circuit of this.requester.health().circuits) {
      const states = this.circuitStates.get(circuit.key) ?? [];
      if (states.at(-1) !== circuit.state) states.push(circuit.state);
      this.circuitStates.set(circuit.key, states);
    }
  }

  /** Moves the one simulated time forward by `ms`, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    await advanceTogether(this, ms);
  }

  /** Attempts the connector counted with this outcome (throttled, auth_expired, ok, …). */
  async attempts(outcome: string, endpoint?: string): Promise<number> {
    return counterValue(this.registry, 'tributary_connector_requests_total', { outcome, endpoint });
  }

  /** Values of one topic's events whose entity is `id`. */
  of(topic: string, id: string): Array<Record<string, unknown>> {
    return this.writer.on(topic).filter((value) => (value.envelope as { entity_id: string }).entity_id === id);
  }

  async stop(): Promise<void> {
    this.#controller.abort(new Error('test done'));
    this.clock.advance(0);
    await this.run?.done;
    await this.receiver?.close();
    await this.requester.close();
    await this.sim.close();
  }
}
