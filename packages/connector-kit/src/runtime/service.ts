// What a source's main.ts needs around runSource (docs/adr/0019):
//   startHealthServer      /metrics (Prometheus text from prom-client) and /health (JSON) on 127.0.0.1;
//   startServiceLifecycle  SIGTERM/SIGINT: stop within a deadline, then exit; a second signal exits at once;
//   runSourceService       config → logger → tracing → checkpoints, writer, requester → runSource → both of the above.
// The first two know nothing about sources, so other services (sink-clickhouse) can use them.
//
// A source's main.ts:
//   const settings = () => loadConfig(tiktokSchema);   // { source: sourceRuntimeSchema(...), http, kafka, registry, telemetry, tiktok }
//   await runSourceService({ declaration: TIKTOK_SOURCE, loadSettings: settings,
//     createRequester: (values, { logger, registry, clock }) => createRequester({ profile: TIKTOK_PROFILE, ... }) })
//     .catch(() => { process.exitCode = 1; });   // the cause is already logged (fatal)
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadedConfig } from '@tributary/config';
import { ConfigError, isTributaryError } from '@tributary/errors';
import { TOPICS } from '@tributary/events';
import { createLogger, startTracing } from '@tributary/telemetry';
import type { Logger } from '@tributary/telemetry';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { systemClock } from '../clock.ts';
import type { Clock, EventWriter, Requester, RequesterHealth } from '../contracts.ts';
import { createWebhookReceiver } from '../webhooks/receiver.ts';
import type { ListeningWebhookReceiver } from '../webhooks/receiver.ts';
import type { WebhookRoute } from '../webhooks/routes.ts';
import { scaleDeclaration } from './cadence.ts';
import { openCheckpointStore } from './checkpoint-store.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import type { SourceDeclaration } from './declarations.ts';
import { createEventWriter } from './event-writer.ts';
import { runSource } from './runner.ts';
import type { SourceRun, StreamScopeHealth } from './runner.ts';
import { parseBackfillStart, parseScopes, parseTopicOverrides } from './spec.ts';
import type { SourceServiceSettings } from './spec.ts';

// ---- health and metrics over HTTP ---------------------------------------------------------------

export interface HealthReport {
  /** ok: serving; degraded: running with failures; failing: not doing its job (answered with 503). */
  status: 'ok' | 'degraded' | 'failing';
  [detail: string]: unknown;
}

export interface HealthServerOptions {
  host?: string;
  port: number;
  registry: Registry;
  health(): HealthReport | Promise<HealthReport>;
  logger: Logger;
}

export interface HealthServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const logger = options.logger.child({ component: 'health-server' });
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const answer = async (): Promise<void> => {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
      } else if (path === '/metrics') {
        const body = await options.registry.metrics();
        response.writeHead(200, { 'content-type': options.registry.contentType }).end(body);
      } else if (path === '/health') {
        const report = await options.health();
        response
          .writeHead(report.status === 'failing' ? 503 : 200, { 'content-type': 'application/json; charset=utf-8' })
          .end(JSON.stringify(report));
      } else {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: /health and /metrics only.\n');
      }
    };
    answer().catch((error: unknown) => {
      logger.error({ err: error, path }, 'Health endpoint failed.');
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    port: address.port,
    url: `http://${address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---- signals ----------------------------------------------------------------------------------

/** The part of `process` the lifecycle uses, so tests can send signals without killing mocha. */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface ServiceLifecycleOptions {
  logger: Logger;
  /** Time the graceful stop may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Finishes in-flight work (e.g. the current page's write and checkpoint) and closes resources. */
  stop(): Promise<void>;
  /** Defaults to the process. */
  signals?: SignalSource;
  /** Defaults to process.exit. */
  exit?(code: number): void;
}

export interface ServiceLifecycle {
  /** Resolves with the exit code once a signal-triggered stop finished (or timed out). */
  readonly exited: Promise<number>;
  /** Removes the signal handlers (tests). */
  dispose(): void;
}

export function startServiceLifecycle(options: ServiceLifecycleOptions): ServiceLifecycle {
  const signals: SignalSource = options.signals ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let resolveExited!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExited = resolve));
  let stopping = false;
  let finished = false;
  const finish = (code: number): void => {
    if (finished) return;
    finished = true;
    resolveExited(code);
    exit(code);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      options.logger.warn({ signal }, 'Second signal: exiting now; unfinished pages are collected again on restart.');
      finish(1);
      return;
    }
    stopping = true;
    options.logger.info({ signal, timeoutMs: options.shutdownTimeoutMs }, 'Stopping: finishing the pages in hand.');
    const deadline = setTimeout(() => {
      options.logger.warn({ timeoutMs: options.shutdownTimeoutMs }, 'Graceful stop took too long; exiting.');
      finish(1);
    }, options.shutdownTimeoutMs);
    deadline.unref();
    options.stop().then(
      () => {
        clearTimeout(deadline);
        options.logger.info('Stopped.');
        finish(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        options.logger.error({ err: error }, 'Stopping failed.');
        finish(1);
      },
    );
  };
  signals.on('SIGTERM', onSignal);
  signals.on('SIGINT', onSignal);
  return {
    exited,
    dispose() {
      signals.off('SIGTERM', onSignal);
      signals.off('SIGINT', onSignal);
    },
  };
}

// ---- the whole source service ---------------------------------------------------------------

export interface RequesterDependencies {
  logger: Logger;
  registry: Registry;
  clock: Clock;
}

/** What a source's webhook routes may use in their onPersisted hooks (processing after persistence). */
export interface WebhookDependencies {
  logger: Logger;
  clock: Clock;
  /** Writes the canonical events a notification turns into (e.g. a revocation), acknowledged by Kafka. */
  writer: EventWriter;
  requester: Requester;
  /** Targeted refreshes: run.refresh(entitySet, scope, entity), run.wake(stream, scope). */
  run: SourceRun;
  /** Aborted when the service stops: a route's background work (e.g. subscription renewals) ends with it. */
  signal?: AbortSignal;
}

export interface RunSourceServiceOptions<S extends SourceServiceSettings> {
  declaration: SourceDeclaration;
  /** Loads and validates the service's settings (loadConfig with the service's schema). */
  loadSettings(): LoadedConfig<S> | S;
  /** The platform's request pipeline (createRequester with the platform profile). */
  createRequester(settings: S, dependencies: RequesterDependencies): Requester | Promise<Requester>;
  /** The platform's webhook routes, served on settings.webhook when it is enabled. */
  webhooks?(settings: S, dependencies: WebhookDependencies): readonly WebhookRoute[];
  clock?: Clock;
  signals?: SignalSource;
  exit?(code: number): void;
}

export interface RunningSourceService {
  readonly run: SourceRun;
  readonly server: HealthServer;
  /** The webhook receiver's server, when the source declares routes and settings.webhook is enabled. */
  readonly webhooks: ListeningWebhookReceiver | null;
  readonly lifecycle: ServiceLifecycle;
  /** The same graceful stop a signal triggers. */
  stop(): Promise<void>;
}

/** The /health report of a source: requester health plus each stream's freshness and checkpoint lag. */
export function sourceHealthReport(
  streams: readonly StreamScopeHealth[],
  requester: RequesterHealth,
  now: number,
): HealthReport & { streams: unknown[]; requester: RequesterHealth } {
  const failing = streams.filter(
    (entry) => entry.lastFailureAt !== null && (entry.lastSuccessAt === null || entry.lastFailureAt > entry.lastSuccessAt),
  );
  const suspended = requester.credentials.some((credential) => credential.state === 'suspended');
  const everythingFails = streams.length > 0 && failing.length === streams.length;
  return {
    status: everythingFails ? 'failing' : failing.length > 0 || suspended ? 'degraded' : 'ok',
    streams: streams.map((entry) => ({
      ...entry,
      freshnessMs: entry.lastSuccessAt === null ? null : now - entry.lastSuccessAt,
      checkpointLagMs: entry.checkpointAt === null ? null : now - entry.checkpointAt,
    })),
    requester,
  };
}

export async function runSourceService<S extends SourceServiceSettings>(
  options: RunSourceServiceOptions<S>,
): Promise<RunningSourceService> {
  const { declaration } = options;
  let settings: S;
  try {
    const loaded = options.loadSettings();
    settings = ('values' in loaded ? loaded.values : loaded) as S;
  } catch (error) {
    createLogger({ serviceName: declaration.name }).fatal({ err: error }, 'Invalid configuration.');
    throw error;
  }
  const logger = createLogger({ serviceName: settings.telemetry.serviceName, level: settings.telemetry.logLevel });
  const tracing = startTracing({ serviceName: settings.telemetry.serviceName, otlpEndpoint: settings.telemetry.otlpEndpoint });
  const clock = options.clock ?? systemClock;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const scopes = parseScopes(settings.source.scopes);
  const topicOverrides = parseTopicOverrides(settings.source.topicOverrides ?? []);
  const backfillStartAt = parseBackfillStart(settings.source.backfillStartAt, clock.now());
  if (settings.source.mode === 'backfill' && backfillStartAt === null)
    throw new ConfigError('SOURCE_BACKFILL_START_INVALID', 'mode is backfill but backfillStartAt is empty.');

  let checkpoints: CheckpointStore | undefined;
  let writer: Awaited<ReturnType<typeof createEventWriter>> | undefined;
  let requester: Requester | undefined;
  try {
    checkpoints = await openCheckpointStore({
      kafka: settings.kafka,
      registry: settings.registry,
      logger,
      clientName: declaration.name,
      source: declaration.name,
      topic: settings.source.checkpointTopic,
    });
    const deadLetterTopic = `dlq.${declaration.name}`;
    writer = await createEventWriter({
      kafka: settings.kafka,
      registry: settings.registry,
      logger,
      clientName: declaration.name,
      ...(deadLetterTopic in TOPICS ? { deadLetterTopic } : {}),
      topicOverrides,
    });
    requester = await options.createRequester(settings, { logger, registry, clock });
  } catch (error) {
    logger.fatal(
      { err: error, code: isTributaryError(error) ? error.code : undefined, hint: isTributaryError(error) ? error.hint : undefined },
      (error as Error).message,
    );
    await Promise.allSettled([requester?.close(), writer?.close(), checkpoints?.close(), tracing.shutdown()]);
    throw error;
  }

  const controller = new AbortController();
  const run = runSource({
    declaration: scaleDeclaration(declaration, settings.source.cadenceScale ?? 1),
    requester,
    writer,
    checkpoints,
    clock,
    logger,
    metrics: registry,
    scopes,
    mode: settings.source.mode,
    ...(backfillStartAt === null
      ? {}
      : { backfill: { startAt: backfillStartAt, progressEveryPages: settings.source.backfillProgressEveryPages } }),
    signal: controller.signal,
  });
  const activeRequester = requester;
  const server = await startHealthServer({
    host: settings.http.host,
    port: settings.http.port,
    registry,
    logger,
    health: () => sourceHealthReport(run.health(), activeRequester.health(), clock.now()),
  });
  let webhooks: ListeningWebhookReceiver | null = null;
  if (options.webhooks && settings.webhook?.enabled) {
    const receiverSettings = settings.webhook;
    const routes = options.webhooks(settings, { logger, clock, writer, requester, run, signal: controller.signal });
    webhooks = await createWebhookReceiver({
      routes,
      writer,
      clock,
      logger,
      metrics: registry,
      source: declaration.name,
      maxBodyBytes: receiverSettings.maxBodyBytes,
      timestampToleranceMs: receiverSettings.timestampToleranceMs,
      replayCacheSize: receiverSettings.replayCacheSize,
      replayCacheTtlMs: receiverSettings.replayCacheTtlMs,
      // The writer applies topicOverrides to the notifications too (encoded under the catalogue subject).
    }).listen({ host: receiverSettings.host, port: receiverSettings.port });
  }
  logger.info(
    { scopes: scopes.length, mode: settings.source.mode, health: `${server.url}/health`, webhooks: webhooks?.url ?? null },
    'Source running.',
  );

  const resources = { writer, checkpoints, requester };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      // Deliveries first: answered ones are persisted, and their hooks may still write.
      await webhooks?.close();
      controller.abort(new Error('stopping'));
      await run.done;
      await resources.requester.close();
      await resources.writer.close();
      await resources.checkpoints.close();
      await server.close();
      await tracing.shutdown();
    })();
    return stopped;
  };
  const lifecycle = startServiceLifecycle({
    logger,
    shutdownTimeoutMs: settings.source.shutdownTimeoutMs,
    stop,
    ...(options.signals ? { signals: options.signals } : {}),
    ...(options.exit ? { exit: options.exit } : {}),
  });
  return { run, server, webhooks, lifecycle, stop };
}
