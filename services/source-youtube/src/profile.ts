// How the request pipeline talks to YouTube (research/platform-apis.md §2):
// - Data API v3 under https://www.googleapis.com/youtube/v3, bearer token, Google's error envelope
//   (googleApiErrors: 401/authError → refresh; 403 quotaExceeded → paused until the next midnight
//   America/Los_Angeles; rateLimitExceeded/userRateLimitExceeded → throttled; 400 invalidPageToken →
//   a client error, which makes the runtime forget a stored page token and walk from the top).
// - Every list method costs 1 unit of a 10 000-unit project day (search.list, 100, is not used).
//   Conditional requests: videos.list and channels.list answer If-None-Match with 304 (still charged);
//   playlistItems.list is NOT conditional: it returns a new etag on every call.
// - The Analytics API lives on another host (youtubeanalytics.googleapis.com, not charged to the
//   Data API units); it would get its own profile and requester (ANALYTICS_PROFILE below), since a
//   profile has one base URL.
import {
  dailyUnitsPolicy,
  definePlatformProfile,
  googleApiErrors,
  googleRefresh,
  retryAfterPolicy,
  startOfNextDay,
} from '@tributary/connector-kit';
import type { OAuthRefreshSpec, PlatformProfile, QuotaCall, QuotaPolicy } from '@tributary/connector-kit';

export const DATA_API_VERSION = 'v3';
export const ANALYTICS_API_VERSION = 'v2';

/** Endpoint names (quota, breaker, cache, metrics keys) and the unit price of each. */
export const ENDPOINT_COSTS = {
  'channels.list': 1,
  'playlistItems.list': 1,
  'videos.list': 1,
  'commentThreads.list': 1,
} as const;

/** Google's request id header, when a proxy or the API adds one. */
function googleRequestId(headers: Readonly<Record<string, string>>): string | null {
  return headers['x-goog-request-id'] ?? headers['x-request-id'] ?? null;
}

export function youtubeProfile(baseUrl = 'https://www.googleapis.com/youtube/v3'): PlatformProfile {
  return definePlatformProfile({
    platform: 'YOUTUBE',
    baseUrl,
    classify: googleApiErrors,
    requestId: googleRequestId,
    endpointCosts: ENDPOINT_COSTS,
    etagEndpoints: ['videos.list', 'channels.list'],
  });
}

export function youtubeAnalyticsProfile(baseUrl = 'https://youtubeanalytics.googleapis.com'): PlatformProfile {
  return definePlatformProfile({ platform: 'YOUTUBE', baseUrl, classify: googleApiErrors, requestId: googleRequestId });
}

/** Google's refresh-token grant: the refresh token does not rotate; invalid_grant suspends the credential. */
export function youtubeRefresh(options: { tokenUrl: string; clientId: string; clientSecret: string }): OAuthRefreshSpec {
  return googleRefresh(options);
}

export interface YouTubeQuotaOptions {
  dailyUnits: number;
  /** Units of the day backfill may never take (they stay for fresh and refresh polling). */
  backfillReserveUnits: number;
  timeZone: string;
}

/** The Data API budget: the daily units, backfill kept below a reserve, and Retry-After pauses. */
export function youtubeQuotaPolicies(options: YouTubeQuotaOptions): QuotaPolicy[] {
  const endpoints = Object.keys(ENDPOINT_COSTS);
  return [
    dailyUnitsPolicy({ limit: options.dailyUnits, timeZone: options.timeZone, costs: ENDPOINT_COSTS, endpoints }),
    backfillCeilingPolicy({ limit: options.dailyUnits - options.backfillReserveUnits, timeZone: options.timeZone, endpoints }),
    retryAfterPolicy(),
  ];
}

/**
 * Backfill calls wait once the day's units (all priorities) reach `limit`, so a history walk can
 * never spend the units fresh uploads need; other calls are counted but never held here.
 * Generic (any priced daily budget): a candidate for the kit's quota policies.
 */
export function backfillCeilingPolicy(options: { limit: number; timeZone: string; endpoints: readonly string[] }): QuotaPolicy {
  const endpoints = new Set(options.endpoints);
  return {
    name: 'backfill-ceiling',
    attach({ prefix, logger }) {
      const scope = `${prefix}:daily-units:backfill`;
      let used = 0;
      let resetsAt: number | null = null;
      let heldLogged = false;
      const roll = (now: number): number => {
        if (resetsAt === null || now >= resetsAt) {
          used = 0;
          heldLogged = false;
          resetsAt = startOfNextDay(now, options.timeZone);
        }
        return resetsAt;
      };
      const applies = (call: QuotaCall): boolean => endpoints.has(call.endpoint);
      return {
        scopes: (call) => (applies(call) && call.priority === 'backfill' ? [scope] : []),
        refuse: (call) =>
          applies(call) && call.priority === 'backfill' && call.cost > Math.max(0, options.limit)
            ? `backfill may use ${options.limit} units a day`
            : null,
        check(call, now) {
          const reset = roll(now);
          if (!applies(call) || call.priority !== 'backfill' || used + call.cost <= options.limit) return null;
          if (!heldLogged) {
            heldLogged = true;
            logger.info({ scope, used, limit: options.limit }, 'Backfill reached its share of the daily units; it waits for the reset.');
          }
          return { scope, until: reset };
        },
        reserve(call, now) {
          roll(now);
          if (applies(call)) used += call.cost;
        },
        observe(call, outcome, now) {
          roll(now);
          if (applies(call) && outcome.verdict?.kind === 'quota-exhausted') used = Math.max(used, options.limit);
        },
        health(now) {
          return [{ scope, used, limit: options.limit, resetsAt: roll(now), pausedUntil: null }];
        },
      };
    },
  };
}
