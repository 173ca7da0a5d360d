// source-tiktok as a declaration (the streams) and as the runSourceService options (requester, webhooks). Tests run
// the same wiring against the simulator.
import { createCredentialStore, parseScopes, parseSeedCredentials } from '@tributary/connector-kit';
import type {
  Authenticator,
  HttpOptions,
  RetryOptions,
  BreakerOptions,
  CadenceCurve,
  Clock,
  SourceDeclaration,
  RunSourceServiceOptions,
  Requester,
  RequesterDependencies,
  WebhookDependencies,
  WebhookRoute,
  CredentialStore,
} from '@tributary/connector-kit';
import { createLogger } from '@tributary/telemetry';
import type { Logger } from '@tributary/telemetry';
import { createTikTokMetrics } from './metrics.ts';
import type { TikTokMetrics } from './metrics.ts';
import { createTikTokRequester } from './profile.ts';
import { createTikTokDataIssues, tiktokReaders } from './records.ts';
import type { TikTokDataIssues } from './records.ts';
import { SERVICE } from './spec.ts';
import type { TikTokSettings, TikTokSourceSettings } from './spec.ts';
import { profileStream } from './streams/profile.ts';
import { videoMetricsStream } from './streams/video-metrics.ts';
import { videosStream } from './streams/videos.ts';
import { tiktokWebhookRoutes } from './webhooks.ts';

export interface TikTokDeclarationOptions {
  settings: TikTokSettings;
  metrics: TikTokMetrics;
  /** Values normalised (default: a fresh set, not exported). */
  issues?: TikTokDataIssues;
  logger: Logger;
  /** The fan-out cadence (default: the kit's DEFAULT_CONTENT_CADENCE). */
  cadence?: CadenceCurve;
}

export function tiktokSource(options: TikTokDeclarationOptions): SourceDeclaration {
  const { settings, metrics } = options;
  const reader = {
    metrics,
    read: tiktokReaders(options.issues ?? createTikTokDataIssues()),
    logger: options.logger.child({ component: 'tiktok-records' }),
  };
  return {
    name: SERVICE,
    platform: 'TIKTOK',
    streams: [
      profileStream({ everyMs: settings.profileIntervalMs }),
      videosStream({
        ...reader,
        everyMs: settings.videosIntervalMs,
        lookbackMs: settings.videosLookbackMs,
        pageSize: settings.videoPageSize,
      }),
      videoMetricsStream({
        ...reader,
        batchSize: settings.videoQueryBatchSize,
        trackingWindowMs: settings.metricsTrackingWindowMs,
        ...(options.cadence ? { cadence: options.cadence } : {}),
      }),
    ],
  };
}

export interface TikTokServiceOptions {
  clock?: Clock;
  /** Defaults to a logger from settings.telemetry (the one runSourceService creates is not known yet). */
  logger?: Logger;
  /** Test seams: a shared credential store, retry/breaker tuning, an undici dispatcher. */
  store?: CredentialStore;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  http?: HttpOptions;
  cadence?: CadenceCurve;
}

/** The runSourceService options of source-tiktok; `source` shares its counters with tests. */
export type TikTokService = Omit<RunSourceServiceOptions<TikTokSourceSettings>, 'createRequester' | 'webhooks'> & {
  createRequester(settings: TikTokSourceSettings, dependencies: RequesterDependencies): Requester;
  webhooks(settings: TikTokSourceSettings, dependencies: WebhookDependencies): readonly WebhookRoute[];
  source: { declaration: SourceDeclaration; metrics: TikTokMetrics; issues: TikTokDataIssues };
};

export function createTikTokService(loadSettings: () => TikTokSourceSettings, options: TikTokServiceOptions = {}): TikTokService {
  const settings = loadSettings();
  const logger = options.logger ?? createLogger({ serviceName: settings.telemetry.serviceName, level: settings.telemetry.logLevel });
  const metrics = createTikTokMetrics();
  const issues = createTikTokDataIssues();
  const declaration = tiktokSource({
    settings: settings.tiktok,
    metrics,
    issues,
    logger,
    ...(options.cadence ? { cadence: options.cadence } : {}),
  });
  let authenticator: Authenticator | undefined;
  return {
    source: { declaration, metrics, issues },
    declaration,
    loadSettings: () => settings,
    ...(options.clock ? { clock: options.clock } : {}),
    createRequester(values, dependencies) {
      metrics.registerOn(dependencies.registry);
      issues.attach(dependencies.registry, dependencies.logger);
      const built = createTikTokRequester({
        apiBaseUrl: values.tiktok.apiBaseUrl,
        clientKey: values.tiktok.clientKey,
        clientSecret: values.tiktok.clientSecret,
        credentials: parseSeedCredentials(values.tiktok.seedCredentials, 'tiktok.seedCredentials'),
        store: options.store ?? createCredentialStore(values.credentials),
        refreshSkewMs: values.credentials.refreshSkewMs,
        requestsPerWindow: values.tiktok.requestsPerWindow,
        rateWindowMs: values.tiktok.rateWindowMs,
        clock: dependencies.clock,
        logger: dependencies.logger,
        registry: dependencies.registry,
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.breaker ? { breaker: options.breaker } : {}),
        ...(options.http ? { http: options.http } : {}),
      });
      authenticator = built.authenticator;
      return built.requester;
    },
    webhooks(values, { logger: routeLogger, writer, run }) {
      return tiktokWebhookRoutes({
        source: SERVICE,
        clientSecret: values.tiktok.clientSecret,
        scopes: parseScopes(values.source.scopes),
        writer,
        run,
        authenticator: () => authenticator,
        logger: routeLogger,
        metrics,
      });
    },
  };
}
