// source-tiktok as a declaration (the streams) and as a service (requester, webhooks) for runSourceService.
import { createCredentialStore, parseScopes, parseSeedCredentials } from '@tributary/connector-kit';
import type {
  Authenticator,
  HttpOptions,
  RequesterDependencies,
  RetryOptions,
  BreakerOptions,
  CadenceCurve,
  Requester,
  SourceDeclaration,
  WebhookDependencies,
  WebhookRoute,
  CredentialStore,
} from '@tributary/connector-kit';
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

export interface TikTokService {
  declaration: SourceDeclaration;
  metrics: TikTokMetrics;
  issues: TikTokDataIssues;
  createRequester(settings: TikTokSourceSettings, dependencies: RequesterDependencies): Requester;
  webhooks(settings: TikTokSourceSettings, dependencies: WebhookDependencies): readonly WebhookRoute[];
  /** The authenticator createRequester built (undefined before). */
  authenticator(): Authenticator | undefined;
}

export interface TikTokServiceOptions {
  logger: Logger;
  /** Test seams: a shared credential store, retry/breaker tuning, an undici dispatcher. */
  store?: CredentialStore;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  http?: HttpOptions;
  cadence?: CadenceCurve;
}

/** The parts runSourceService takes, sharing one metrics set and the authenticator handle. */
export function tiktokService(settings: TikTokSourceSettings, options: TikTokServiceOptions): TikTokService {
  const metrics = createTikTokMetrics();
  const issues = createTikTokDataIssues();
  let authenticator: Authenticator | undefined;
  return {
    declaration: tiktokSource({
      settings: settings.tiktok,
      metrics,
      issues,
      logger: options.logger,
      ...(options.cadence ? { cadence: options.cadence } : {}),
    }),
    metrics,
    issues,
    createRequester(values, { logger, registry, clock }) {
      metrics.registerOn(registry);
      issues.attach(registry, logger);
      const built = createTikTokRequester({
        apiBaseUrl: values.tiktok.apiBaseUrl,
        clientKey: values.tiktok.clientKey,
        clientSecret: values.tiktok.clientSecret,
        credentials: parseSeedCredentials(values.tiktok.seedCredentials, 'tiktok.seedCredentials'),
        store: options.store ?? createCredentialStore(values.credentials),
        refreshSkewMs: values.credentials.refreshSkewMs,
        requestsPerWindow: values.tiktok.requestsPerWindow,
        rateWindowMs: values.tiktok.rateWindowMs,
        clock,
        logger,
        registry,
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.breaker ? { breaker: options.breaker } : {}),
        ...(options.http ? { http: options.http } : {}),
      });
      authenticator = built.authenticator;
      return built.requester;
    },
    webhooks(values, { logger, writer, run }) {
      return tiktokWebhookRoutes({
        source: SERVICE,
        clientSecret: values.tiktok.clientSecret,
        scopes: parseScopes(values.source.scopes),
        writer,
        run,
        authenticator: () => authenticator,
        logger,
        metrics,
      });
    },
    authenticator: () => authenticator,
  };
}
