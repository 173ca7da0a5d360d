// Configuration of source-youtube: one convict schema, read only through loadConfig. Shared
// fragments (runtime, health HTTP, webhook receiver, Kafka, registry, telemetry, credential store)
// plus the `youtube` section. Defaults are the real Google endpoints; the simulator is configured
// through the TRIBUTARY_SOURCE_YOUTUBE_*_URL variables (README).
import type convict from 'convict';
import { loadConfig } from '@tributary/config';
import type { LoadOptions } from '@tributary/config';
import { httpUrlSetting, platformSourceSchema, seedCredentialsSetting } from '@tributary/connector-kit';
import type { PlatformSourceSettings } from '@tributary/connector-kit';

export const SERVICE = 'source-youtube';
const ENV = 'TRIBUTARY_SOURCE_YOUTUBE';

export interface YouTubeSettings {
  apiBaseUrl: string;
  analyticsBaseUrl: string;
  tokenUrl: string;
  hubUrl: string;
  clientId: string;
  clientSecret: string;
  seedCredentials: string;
  webSubSecret: string;
  webSubCallbackUrl: string;
  webSubLeaseSeconds: number;
  webSubRenewBeforeMs: number;
  dailyQuotaUnits: number;
  backfillReserveUnits: number;
  quotaTimeZone: string;
  channelEveryMs: number;
  uploadsEveryMs: number;
  uploadsPageSize: number;
  uploadsLookbackMs: number;
  videosMinIntervalMs: number;
  videosMaxIntervalMs: number;
  videosTrackingWindowMs: number;
  videosFreshForMs: number;
  shortsClassificationEveryMs: number;
  shortsClassificationWindowDays: number;
  commentsEveryMs: number;
  commentsTrackingWindowMs: number;
}

export interface YouTubeSourceSettings extends PlatformSourceSettings {
  youtube: YouTubeSettings;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const url = (doc: string, value: string, name: string) => httpUrlSetting(doc, value, `${ENV}_${name}`);

export const youtubeSchema: convict.Schema<YouTubeSettings> = {
  apiBaseUrl: url(
    'YouTube Data API v3 base URL (simulator: <origin>/youtube/youtube/v3).',
    'https://www.googleapis.com/youtube/v3',
    'API_URL',
  ),
  analyticsBaseUrl: url(
    'YouTube Analytics API base URL, without /v2 (simulator: <origin>/youtube/analytics).',
    'https://youtubeanalytics.googleapis.com',
    'ANALYTICS_URL',
  ),
  tokenUrl: url(
    'Google OAuth 2.0 token endpoint (simulator: <origin>/google/oauth2/token).',
    'https://oauth2.googleapis.com/token',
    'TOKEN_URL',
  ),
  hubUrl: url(
    'WebSub hub subscribe endpoint (simulator: <origin>/youtube/websub/subscribe).',
    'https://pubsubhubbub.appspot.com/subscribe',
    'HUB_URL',
  ),
  clientId: { doc: 'Google OAuth client id.', format: String, default: '', env: `${ENV}_CLIENT_ID` },
  clientSecret: { doc: 'Google OAuth client secret.', format: String, default: '', env: `${ENV}_CLIENT_SECRET`, sensitive: true },
  seedCredentials: seedCredentialsSetting(
    ENV,
    'Seed credentials, JSON: [{"id","accessToken","refreshToken","accessTokenExpiresAt"}] (id = the channel id or the scope credential id). The credential store wins once it holds a credential.',
  ),
  webSubSecret: {
    doc: 'hub.secret sent when subscribing; deliveries must carry X-Hub-Signature = HMAC of the body with it. Empty disables the WebSub route.',
    format: String,
    default: '',
    env: `${ENV}_WEBSUB_SECRET`,
    sensitive: true,
  },
  webSubCallbackUrl: {
    doc: "Public URL of this service's WebSub route (the webhook receiver, path /webhooks/youtube), sent as hub.callback. Empty: no subscription is made.",
    format: String,
    default: '',
    env: `${ENV}_WEBSUB_CALLBACK_URL`,
  },
  webSubLeaseSeconds: {
    doc: 'hub.lease_seconds asked for (the hub may grant less; YouTube grants about 5 days).',
    format: 'positive-int',
    default: 432_000,
    env: `${ENV}_WEBSUB_LEASE_SECONDS`,
  },
  webSubRenewBeforeMs: {
    doc: 'Subscribe again this long before a lease ends.',
    format: 'positive-int',
    default: 12 * HOUR,
    env: `${ENV}_WEBSUB_RENEW_BEFORE_MS`,
  },
  dailyQuotaUnits: {
    doc: 'Data API units per day for the Google Cloud project (10 000 by default; every list call costs 1).',
    format: 'positive-int',
    default: 10_000,
    env: `${ENV}_DAILY_QUOTA_UNITS`,
  },
  backfillReserveUnits: {
    doc: 'Units of the daily budget backfill may never use, kept for fresh and refresh polling.',
    format: 'nat',
    default: 3_000,
    env: `${ENV}_BACKFILL_RESERVE_UNITS`,
  },
  quotaTimeZone: {
    doc: 'IANA zone whose midnight resets the daily units (Google: Pacific time).',
    format: String,
    default: 'America/Los_Angeles',
    env: `${ENV}_QUOTA_TIME_ZONE`,
  },
  channelEveryMs: { doc: 'Channel statistics poll interval.', format: 'positive-int', default: HOUR, env: `${ENV}_CHANNEL_EVERY_MS` },
  uploadsEveryMs: { doc: 'Uploads playlist walk interval.', format: 'positive-int', default: 15 * 60_000, env: `${ENV}_UPLOADS_EVERY_MS` },
  uploadsPageSize: { doc: 'playlistItems.list maxResults (1-50).', format: 'positive-int', default: 50, env: `${ENV}_UPLOADS_PAGE_SIZE` },
  uploadsLookbackMs: {
    doc: 'Each uploads walk re-reads this far behind the newest videoPublishedAt seen (late-visible and re-published uploads).',
    format: 'nat',
    default: 2 * DAY,
    env: `${ENV}_UPLOADS_LOOKBACK_MS`,
  },
  videosMinIntervalMs: {
    doc: 'Fastest statistics poll of a video (young or fast-growing).',
    format: 'positive-int',
    default: 15 * 60_000,
    env: `${ENV}_VIDEOS_MIN_INTERVAL_MS`,
  },
  videosMaxIntervalMs: {
    doc: 'Slowest statistics poll of a video (old and quiet).',
    format: 'positive-int',
    default: DAY,
    env: `${ENV}_VIDEOS_MAX_INTERVAL_MS`,
  },
  videosTrackingWindowMs: {
    doc: 'Videos older than this are no longer polled.',
    format: 'positive-int',
    default: 90 * DAY,
    env: `${ENV}_VIDEOS_TRACKING_WINDOW_MS`,
  },
  videosFreshForMs: {
    doc: 'Videos younger than this are polled at fresh priority (before older ones when quota is short).',
    format: 'positive-int',
    default: 2 * DAY,
    env: `${ENV}_VIDEOS_FRESH_FOR_MS`,
  },
  shortsClassificationEveryMs: {
    doc: 'How often the Analytics API is asked which videos are Shorts (creatorContentType); 0 turns the stream off. Needs the yt-analytics.readonly scope.',
    format: 'nat',
    default: 6 * HOUR,
    env: `${ENV}_SHORTS_CLASSIFICATION_EVERY_MS`,
  },
  shortsClassificationWindowDays: {
    doc: 'Days of Analytics data the Shorts classification reads (its 200 most-viewed videos of the window are classified).',
    format: 'positive-int',
    default: 28,
    env: `${ENV}_SHORTS_CLASSIFICATION_WINDOW_DAYS`,
  },
  commentsEveryMs: {
    doc: 'How often the comment threads of each young video are read (1 unit per video and poll); 0 turns comments off.',
    format: 'nat',
    default: HOUR,
    env: `${ENV}_COMMENTS_EVERY_MS`,
  },
  commentsTrackingWindowMs: {
    doc: 'Comments are collected for videos younger than this.',
    format: 'positive-int',
    default: 2 * DAY,
    env: `${ENV}_COMMENTS_TRACKING_WINDOW_MS`,
  },
};

export const youtubeSourceSchema = {
  ...platformSourceSchema({ service: SERVICE, envPrefix: ENV, httpPort: 9473, webhookPort: 8473 }),
  youtube: youtubeSchema,
};

export function loadYouTubeSettings(options: LoadOptions = {}): YouTubeSourceSettings {
  return loadConfig(youtubeSourceSchema, options).values as YouTubeSourceSettings;
}
