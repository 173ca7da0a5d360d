// The YouTube source: its declaration (streams channel, uploads, videos) and the request pipeline
// (profile + Google OAuth refresh + Data API quota ledger) built from the settings.
import {
  createCredentialStore,
  createOAuthAuthenticator,
  createConnectorMetrics,
  createQuotaLedger,
  createRequester,
} from '@tributary/connector-kit';
import type { Clock, CredentialStore, Requester, RetryOptions, SourceDeclaration, BreakerOptions } from '@tributary/connector-kit';
import type { Logger } from '@tributary/telemetry';
import type { Registry } from 'prom-client';
import { youtubeProfile, youtubeQuotaPolicies, youtubeRefresh } from './profile.ts';
import { DataQuality } from './records.ts';
import { parseSeedCredentials, SERVICE } from './spec.ts';
import type { YouTubeSettings, YouTubeSourceSettings } from './spec.ts';
import { channelStream } from './streams/channel.ts';
import { uploadsStream } from './streams/uploads.ts';
import { videosStream } from './streams/videos.ts';

export interface YouTubeSource {
  declaration: SourceDeclaration;
  /** Normalised values and missing items, counted (exported once attached to the service's registry). */
  quality: DataQuality;
}

export function createYouTubeSource(settings: YouTubeSettings, quality = new DataQuality()): YouTubeSource {
  return {
    quality,
    declaration: {
      name: SERVICE,
      platform: 'YOUTUBE',
      streams: [
        channelStream({ everyMs: settings.channelEveryMs, quality }),
        uploadsStream({
          everyMs: settings.uploadsEveryMs,
          pageSize: settings.uploadsPageSize,
          lookbackMs: settings.uploadsLookbackMs,
          quality,
        }),
        videosStream({
          minIntervalMs: settings.videosMinIntervalMs,
          maxIntervalMs: settings.videosMaxIntervalMs,
          trackingWindowMs: settings.videosTrackingWindowMs,
          freshForMs: settings.videosFreshForMs,
          quality,
        }),
      ],
    },
  };
}

export interface YouTubeRequesterDependencies {
  logger: Logger;
  registry: Registry;
  clock: Clock;
  /** Defaults to the store the credentials settings describe. */
  store?: CredentialStore;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
}

/** The Data API request pipeline: bearer tokens refreshed at Google, 10 000 units a day (configurable), backfill held below its ceiling. */
export function createYouTubeRequester(
  settings: Pick<YouTubeSourceSettings, 'youtube' | 'credentials'>,
  dependencies: YouTubeRequesterDependencies,
): Requester {
  const { youtube } = settings;
  const { logger, clock } = dependencies;
  const authenticator = createOAuthAuthenticator({
    platform: 'YOUTUBE',
    credentials: parseSeedCredentials(youtube.seedCredentials),
    refresh: youtubeRefresh({ tokenUrl: youtube.tokenUrl, clientId: youtube.clientId, clientSecret: youtube.clientSecret }),
    store: dependencies.store ?? createCredentialStore(settings.credentials),
    clock,
    logger,
    refreshSkewMs: settings.credentials.refreshSkewMs,
  });
  const quota = createQuotaLedger({
    platform: 'YOUTUBE',
    policies: youtubeQuotaPolicies({
      dailyUnits: youtube.dailyQuotaUnits,
      backfillReserveUnits: youtube.backfillReserveUnits,
      timeZone: youtube.quotaTimeZone,
    }),
    clock,
    logger,
  });
  return createRequester({
    profile: youtubeProfile(youtube.apiBaseUrl),
    authenticator,
    quota,
    clock,
    logger,
    metrics: createConnectorMetrics(dependencies.registry),
    ...(dependencies.retry ? { retry: dependencies.retry } : {}),
    ...(dependencies.breaker ? { breaker: dependencies.breaker } : {}),
  });
}
