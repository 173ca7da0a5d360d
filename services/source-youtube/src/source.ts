// The YouTube source: its declaration (channel, uploads, videos, shorts_classification, recent_uploads, comments) and
// the request pipelines (Data API: profile + Google OAuth refresh + daily-units ledger; Analytics API:
// its own profile, the same tokens) built from the settings.
import {
  createConnectorMetrics,
  createCredentialStore,
  createOAuthAuthenticator,
  createQuotaLedger,
  createRequester,
  parseSeedCredentials,
  retryAfterPolicy,
} from '@tributary/connector-kit';
import { isTributaryError } from '@tributary/errors';
import type {
  ApiRequest,
  ApiResponse,
  BreakerOptions,
  Clock,
  CredentialStore,
  Requester,
  RequesterHealth,
  RetryOptions,
  SourceDeclaration,
  StreamDeclaration,
} from '@tributary/connector-kit';
import type { Logger } from '@tributary/telemetry';
import type { Registry } from 'prom-client';
import { youtubeAnalyticsProfile, youtubeProfile, youtubeQuotaPolicies, youtubeRefresh } from './profile.ts';
import { createDataQuality } from './records.ts';
import type { DataQuality } from './records.ts';
import { SERVICE } from './spec.ts';
import type { YouTubeSettings, YouTubeSourceSettings } from './spec.ts';
import { channelStream } from './streams/channel.ts';
import { commentsStream, recentUploadsStream } from './streams/comments.ts';
import { shortsClassificationStream } from './streams/shorts-classification.ts';
import { uploadsStream } from './streams/uploads.ts';
import { videosStream } from './streams/videos.ts';

export interface YouTubeSource {
  declaration: SourceDeclaration;
  /** Normalised values and missing items, counted (exported once attached to the service's registry). */
  quality: DataQuality;
  /** creatorContentType per video id, filled by the shorts_classification stream, read by the videos mapping. */
  contentTypes: Map<string, string>;
}

export function createYouTubeSource(settings: YouTubeSettings, quality = createDataQuality()): YouTubeSource {
  const contentTypes = new Map<string, string>();
  const streams: StreamDeclaration[] = [
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
      contentTypes,
    }),
  ];
  if (settings.shortsClassificationEveryMs > 0)
    streams.push(
      shortsClassificationStream({
        everyMs: settings.shortsClassificationEveryMs,
        windowDays: settings.shortsClassificationWindowDays,
        contentTypes,
        quality,
      }),
    );
  if (settings.commentsEveryMs > 0) {
    const young = { everyMs: settings.commentsEveryMs, windowMs: settings.commentsTrackingWindowMs, quality };
    streams.push(recentUploadsStream(young), commentsStream(young));
  }
  return { quality, contentTypes, declaration: { name: SERVICE, platform: 'YOUTUBE', streams } };
}

export interface YouTubeRequesterDependencies {
  logger: Logger;
  registry: Registry;
  clock: Clock;
  /** Defaults to the store the credentials settings describe. */
  store?: CredentialStore;
  /** Counts the commentThreads.list refusals answered as empty lists. */
  quality?: DataQuality;
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
    credentials: parseSeedCredentials(youtube.seedCredentials, 'youtube.seedCredentials'),
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
  const shared = {
    authenticator,
    clock,
    logger,
    metrics: createConnectorMetrics(dependencies.registry),
    ...(dependencies.retry ? { retry: dependencies.retry } : {}),
    ...(dependencies.breaker ? { breaker: dependencies.breaker } : {}),
  };
  const data = createRequester({ profile: youtubeProfile(youtube.apiBaseUrl), quota, ...shared });
  // The Analytics API is another host with its own limits (not Data API units): its own pipeline, the same tokens.
  const analytics = createRequester({
    profile: youtubeAnalyticsProfile(youtube.analyticsBaseUrl),
    quota: createQuotaLedger({ platform: 'YOUTUBE', policies: [retryAfterPolicy()], clock, logger }),
    ...shared,
  });
  return toleratingGoneVideos(routeByEndpoint({ 'analytics.reports': analytics }, data), clock, dependencies.quality);
}

/** commentThreads.list refusals that mean "no comments to read for this video", not a failed sweep. */
const NO_COMMENTS = new Set(['videoNotFound', 'commentsDisabled']);

/**
 * A fan-out sweep stops at its first failed call, so one deleted video (404 videoNotFound) or one with
 * comments turned off (403 commentsDisabled) would block the comments of every other video until it
 * leaves the tracking window. Those answers become an empty thread list here, counted.
 * Kit gap: fan-out streams need per-entity failure tolerance.
 */
function toleratingGoneVideos(inner: Requester, clock: Clock, quality: DataQuality | undefined): Requester {
  return {
    async request<T>(request: ApiRequest): Promise<ApiResponse<T>> {
      try {
        return await inner.request<T>(request);
      } catch (error) {
        const code = isTributaryError(error) ? error.details.platformCode : undefined;
        if (request.endpoint !== 'commentThreads.list' || typeof code !== 'string' || !NO_COMMENTS.has(code)) throw error;
        quality?.report(code === 'videoNotFound' ? 'comments-video-gone' : 'comments-disabled', String(request.query?.videoId ?? '?'));
        return { status: 200, body: { items: [] } as T, headers: {}, requestId: null, receivedAt: clock.now(), source: 'network' };
      }
    },
    health: () => inner.health(),
    close: () => inner.close(),
  };
}

/**
 * One Requester over several pipelines, chosen by ApiRequest.endpoint (a source whose API spans hosts).
 * Generic: a candidate for the kit (a declaration's streams all get one requester).
 */
export function routeByEndpoint(routes: Readonly<Record<string, Requester>>, fallback: Requester): Requester {
  const all = [fallback, ...Object.values(routes).filter((requester) => requester !== fallback)];
  return {
    request: (request) => (routes[request.endpoint] ?? fallback).request(request),
    health(): RequesterHealth {
      const healths = all.map((requester) => requester.health());
      const first = healths[0]!;
      return {
        platform: first.platform,
        credentials: first.credentials, // one authenticator behind every route
        circuits: healths.flatMap((health) => health.circuits),
        quotas: healths.flatMap((health) => health.quotas),
        cache: {
          hits: healths.reduce((sum, health) => sum + health.cache.hits, 0),
          misses: healths.reduce((sum, health) => sum + health.cache.misses, 0),
          notModified: healths.reduce((sum, health) => sum + health.cache.notModified, 0),
          shared: healths.reduce((sum, health) => sum + health.cache.shared, 0),
        },
      };
    },
    close: async () => {
      await Promise.all(all.map((requester) => requester.close()));
    },
  };
}
