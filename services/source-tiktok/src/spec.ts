// Configuration of source-tiktok: one convict schema, read only through loadConfig. Defaults point
// at the real API (https://open.tiktokapis.com); tests and the demo point `tiktok.apiBaseUrl` at the
// platform simulator (`<origin>/tiktok`).
import type convict from 'convict';
import { loadConfig } from '@tributary/config';
import type { LoadOptions } from '@tributary/config';
import { platformSourceSchema, seedCredentialsSetting } from '@tributary/connector-kit';
import type { PlatformSourceSettings } from '@tributary/connector-kit';

export const SERVICE = 'source-tiktok';
export const REAL_API_BASE_URL = 'https://open.tiktokapis.com';
const ENV = 'TRIBUTARY_SOURCE_TIKTOK';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface TikTokSettings {
  apiBaseUrl: string;
  clientKey: string;
  clientSecret: string;
  seedCredentials: string;
  videoPageSize: number;
  videoQueryBatchSize: number;
  profileIntervalMs: number;
  videosIntervalMs: number;
  videosLookbackMs: number;
  metricsTrackingWindowMs: number;
  requestsPerWindow: number;
  rateWindowMs: number;
}

export interface TikTokSourceSettings extends PlatformSourceSettings {
  tiktok: TikTokSettings;
}

function intBetween(min: number, max: number) {
  return (value: unknown): void => {
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
      throw new Error(`must be an integer from ${min} to ${max}`);
  };
}

export const tiktokSettingsSchema: convict.Schema<TikTokSettings> = {
  apiBaseUrl: {
    doc: 'Display API base URL (the OAuth token endpoint is /v2/oauth/token/ under it); the platform simulator serves it at <origin>/tiktok.',
    format: String,
    default: REAL_API_BASE_URL,
    env: `${ENV}_API_BASE_URL`,
  },
  clientKey: { doc: "The app's client key (Login Kit), sent with token refreshes.", format: String, default: '', env: `${ENV}_CLIENT_KEY` },
  clientSecret: {
    doc: "The app's client secret: authenticates token refreshes and keys the TikTok-Signature HMAC of webhooks.",
    format: String,
    default: '',
    env: `${ENV}_CLIENT_SECRET`,
    sensitive: true,
  },
  seedCredentials: seedCredentialsSetting(
    ENV,
    'First tokens of each authorised account, JSON `[{"id","accessToken","refreshToken","accessTokenExpiresAt"}]`; refresh tokens rotate, so after the first refresh the credential store holds the live ones.',
  ),
  videoPageSize: {
    doc: 'max_count of POST /v2/video/list/ (the API allows 1 to 20).',
    format: intBetween(1, 20),
    default: 20,
    env: `${ENV}_VIDEO_PAGE_SIZE`,
  },
  videoQueryBatchSize: {
    doc: 'Video ids per POST /v2/video/query/ (filters.video_ids, at most 20).',
    format: intBetween(1, 20),
    default: 20,
    env: `${ENV}_VIDEO_QUERY_BATCH_SIZE`,
  },
  profileIntervalMs: {
    doc: 'How often the profile counters (followers, likes, video count) are snapshotted per account.',
    format: 'positive-int',
    default: HOUR,
    env: `${ENV}_PROFILE_INTERVAL_MS`,
  },
  videosIntervalMs: {
    doc: 'How often the video list is walked for new videos per account.',
    format: 'positive-int',
    default: 15 * MINUTE,
    env: `${ENV}_VIDEOS_INTERVAL_MS`,
  },
  videosLookbackMs: {
    doc: 'Each video-list walk re-reads videos this much older than the newest one seen (edited titles, counters in the list page).',
    format: 'positive-int',
    default: DAY,
    env: `${ENV}_VIDEOS_LOOKBACK_MS`,
  },
  metricsTrackingWindowMs: {
    doc: 'Videos younger than this are re-polled through /v2/video/query/ on the adaptive cadence; older ones only by the list.',
    format: 'positive-int',
    default: 30 * DAY,
    env: `${ENV}_METRICS_TRACKING_WINDOW_MS`,
  },
  requestsPerWindow: {
    doc: 'Requests per endpoint in one sliding window (TikTok documents 600 per minute; raise only after TikTok raised it for the app).',
    format: 'positive-int',
    default: 600,
    env: `${ENV}_REQUESTS_PER_WINDOW`,
  },
  rateWindowMs: {
    doc: 'Length of the sliding rate-limit window.',
    format: 'positive-int',
    default: MINUTE,
    env: `${ENV}_RATE_WINDOW_MS`,
  },
};

export const tiktokSourceSchema: convict.Schema<TikTokSourceSettings> = {
  ...platformSourceSchema({ service: SERVICE, envPrefix: ENV, httpPort: 9471, webhookPort: 8471 }),
  tiktok: tiktokSettingsSchema,
};

export function loadTikTokSettings(options: LoadOptions = {}): TikTokSourceSettings {
  return loadConfig(tiktokSourceSchema, options).values as TikTokSourceSettings;
}
