// Configuration of source-instagram: one convict schema, read only through loadConfig. Shared
// fragments (runtime, health HTTP, webhook receiver, Kafka, registry, telemetry, credential store)
// plus the `instagram` section. Defaults are the real Meta endpoints; the simulator is configured
// through the TRIBUTARY_SOURCE_INSTAGRAM_*_URL variables (README).
import type convict from 'convict';
import { loadConfig } from '@tributary/config';
import type { LoadOptions } from '@tributary/config';
import { httpUrlSetting, platformSourceSchema, seedCredentialsSetting } from '@tributary/connector-kit';
import type { PlatformSourceSettings } from '@tributary/connector-kit';

export const SERVICE = 'source-instagram';
const ENV = 'TRIBUTARY_SOURCE_INSTAGRAM';

export interface InstagramSettings {
  apiBaseUrl: string;
  apiVersion: string;
  refreshBaseUrl: string;
  tokenRefresh: boolean;
  refreshSkewMs: number;
  appSecret: string;
  verifyToken: string;
  seedCredentials: string;
  usagePauseAtPercent: number;
  accountEveryMs: number;
  mediaEveryMs: number;
  mediaPageSize: number;
  mediaLookbackMs: number;
  storiesEveryMs: number;
  insightsBatchSize: number;
  insightsMinIntervalMs: number;
  insightsMaxIntervalMs: number;
  insightsTrackingWindowMs: number;
  commentsWindowMs: number;
  commentsPageSize: number;
}

export interface InstagramSourceSettings extends PlatformSourceSettings {
  instagram: InstagramSettings;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const url = (doc: string, value: string, name: string) => httpUrlSetting(doc, value, `${ENV}_${name}`);

function interval(doc: string, value: number, name: string): convict.SchemaObj<number> {
  return { doc, format: 'positive-int', default: value, env: `${ENV}_${name}` };
}

export const instagramSchema: convict.Schema<InstagramSettings> = {
  apiBaseUrl: url(
    'Graph API base URL, without the version (simulator: <origin>/instagram). graph.instagram.com for Instagram Login tokens.',
    'https://graph.facebook.com',
    'API_URL',
  ),
  apiVersion: {
    doc: 'Graph API version, sent as the first path segment. Metric names change between versions (impressions and plays are gone since v22.0).',
    format: (value: unknown) => {
      if (typeof value !== 'string' || !/^v\d+\.\d+$/.test(value)) throw new Error('must look like v25.0');
    },
    default: 'v25.0',
    env: `${ENV}_API_VERSION`,
  },
  refreshBaseUrl: url(
    'Host of GET /refresh_access_token (Instagram Login tokens; simulator: <origin>/instagram).',
    'https://graph.instagram.com',
    'REFRESH_URL',
  ),
  tokenRefresh: {
    doc: 'Refresh 60-day Instagram Login tokens (ig_refresh_token, only for tokens at least 24 h old). Off for Page tokens that do not expire: a rejected token then suspends its credential.',
    format: Boolean,
    default: true,
    env: `${ENV}_TOKEN_REFRESH`,
  },
  refreshSkewMs: interval(
    'Refresh a token this long before it expires (days: the refresh needs a live token, so a service that is down near expiry must still find time).',
    7 * DAY,
    'REFRESH_SKEW_MS',
  ),
  appSecret: {
    doc: 'Meta app secret: verifies X-Hub-Signature-256 of webhook deliveries. Empty disables the webhook route.',
    format: String,
    default: '',
    env: `${ENV}_APP_SECRET`,
    sensitive: true,
  },
  verifyToken: {
    doc: 'The verify token entered in the app dashboard; answers the hub.challenge subscription handshake.',
    format: String,
    default: '',
    env: `${ENV}_VERIFY_TOKEN`,
    sensitive: true,
  },
  seedCredentials: seedCredentialsSetting(
    ENV,
    'Seed credentials, JSON: [{"id","accessToken","accessTokenExpiresAt","accessTokenIssuedAt"}] (id = the IG user id or the scope credential id). The credential store wins once it holds a credential.',
  ),
  usagePauseAtPercent: {
    doc: 'Pause calls when X-App-Usage or X-Business-Use-Case-Usage reaches this percentage, until estimated_time_to_regain_access.',
    format: 'positive-int',
    default: 95,
    env: `${ENV}_USAGE_PAUSE_AT_PERCENT`,
  },
  accountEveryMs: interval('Profile counters (followers, follows, media count) poll interval.', HOUR, 'ACCOUNT_EVERY_MS'),
  mediaEveryMs: interval('Media list walk interval.', 15 * MINUTE, 'MEDIA_EVERY_MS'),
  mediaPageSize: { doc: 'Media list `limit` (Graph caps it at 100).', format: 'positive-int', default: 50, env: `${ENV}_MEDIA_PAGE_SIZE` },
  mediaLookbackMs: interval(
    'Each media walk re-reads this far behind the newest timestamp seen (insights lag up to 48 h; captions can be edited).',
    3 * DAY,
    'MEDIA_LOOKBACK_MS',
  ),
  storiesEveryMs: interval('Live stories list interval (stories live 24 h).', 30 * MINUTE, 'STORIES_EVERY_MS'),
  insightsBatchSize: {
    doc: 'Media per Graph batch request (at most 25: a young media takes two of the 50 sub-requests, insights and comments; every sub-request counts against the rate limits).',
    format: (value: unknown) => {
      if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 25) throw new Error('must be an integer from 1 to 25');
    },
    default: 25,
    env: `${ENV}_INSIGHTS_BATCH_SIZE`,
  },
  insightsMinIntervalMs: interval('Fastest insights poll of a media (young or fast-growing).', 30 * MINUTE, 'INSIGHTS_MIN_INTERVAL_MS'),
  insightsMaxIntervalMs: interval('Slowest insights poll of a media (old and quiet).', DAY, 'INSIGHTS_MAX_INTERVAL_MS'),
  insightsTrackingWindowMs: interval('Media older than this get no more insights polls.', 30 * DAY, 'INSIGHTS_TRACKING_WINDOW_MS'),
  commentsWindowMs: interval(
    'Media younger than this get their newest comments with each insights poll (older comments arrive through the comments webhook).',
    2 * DAY,
    'COMMENTS_WINDOW_MS',
  ),
  commentsPageSize: {
    doc: 'Comments per media per poll (`limit`).',
    format: 'positive-int',
    default: 50,
    env: `${ENV}_COMMENTS_PAGE_SIZE`,
  },
};

export const instagramSourceSchema = {
  ...platformSourceSchema({ service: SERVICE, envPrefix: ENV, httpPort: 9472, webhookPort: 8472 }),
  instagram: instagramSchema,
};

export function loadInstagramSettings(options: LoadOptions = {}): InstagramSourceSettings {
  return loadConfig(instagramSourceSchema, options).values as InstagramSourceSettings;
}
