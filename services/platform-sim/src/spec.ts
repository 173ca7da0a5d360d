// Configuration of the standalone simulator (main.ts): one convict schema, read only through
// loadConfig (environment names TRIBUTARY_PLATFORM_SIM_*). docs/configuration.md is generated from
// it (npm run docs:config). Tests configure startPlatformSim directly instead.
import type convict from 'convict';
import { loadConfig, telemetrySchema } from '@tributary/config';
import type { LoadOptions, TelemetrySettings } from '@tributary/config';

export interface PlatformSimOptionsSettings {
  host: string;
  port: number;
  seed: string;
  startTime: string;
  speed: number;
  accountsPerPlatform: number;
  postsPerAccount: number;
  historyDays: number;
  newPostsPerDay: number;
  eventCheckIntervalMs: number;
  groundTruthMaxRecords: number;
  knobsFile: string;
  webhooks: {
    tiktokUrl: string;
    instagramUrl: string;
    timeoutMs: number;
    maxAttempts: number;
    initialBackoffMs: number;
    duplicateProbability: number;
  };
  secrets: {
    tiktokClientKey: string;
    tiktokClientSecret: string;
    instagramAppSecret: string;
    instagramVerifyToken: string;
    googleClientId: string;
    googleClientSecret: string;
    youtubeApiKey: string;
  };
}

export interface PlatformSimSettings {
  platformSim: PlatformSimOptionsSettings;
  telemetry: TelemetrySettings;
}

const ENV = 'TRIBUTARY_PLATFORM_SIM';

const secret = (doc: string, name: string): convict.SchemaObj<string> => ({
  doc: `${doc} Empty: derived from the seed (printed by GET /_sim/credentials).`,
  format: String,
  default: '',
  env: `${ENV}_${name}`,
  sensitive: true,
});

export const platformSimOptionsSchema: convict.Schema<PlatformSimOptionsSettings> = {
  host: {
    doc: 'Interface to bind. Keep it on loopback: the admin routes are unauthenticated.',
    format: String,
    default: '127.0.0.1',
    env: `${ENV}_HOST`,
  },
  port: {
    doc: 'Port of the simulator (every platform under its own path prefix); 0 picks a free port.',
    format: 'port',
    default: 8790,
    env: `${ENV}_PORT`,
  },
  seed: {
    doc: 'Seed of all generated data: the same seed gives the same accounts, posts, captions and metric curves.',
    format: String,
    default: 'tributary',
    env: `${ENV}_SEED`,
  },
  startTime: {
    doc: 'Simulated time at start, ISO-8601; empty: the wall clock now.',
    format: String,
    default: '',
    env: `${ENV}_START_TIME`,
  },
  speed: {
    doc: 'Simulated milliseconds per wall millisecond (60: an hour per minute; 0: frozen, moved only through POST /_sim/clock).',
    format: Number,
    default: 1,
    env: `${ENV}_SPEED`,
  },
  accountsPerPlatform: {
    doc: 'Accounts (TikTok users, Instagram accounts, YouTube channels) per platform.',
    format: 'positive-int',
    default: 2,
    env: `${ENV}_ACCOUNTS_PER_PLATFORM`,
  },
  postsPerAccount: {
    doc: 'Posts/videos per account published before the start.',
    format: 'nat',
    default: 60,
    env: `${ENV}_POSTS_PER_ACCOUNT`,
  },
  historyDays: {
    doc: 'Days before the start over which those posts are spread.',
    format: 'positive-int',
    default: 28,
    env: `${ENV}_HISTORY_DAYS`,
  },
  newPostsPerDay: {
    doc: 'New posts per account per simulated day after the start (average).',
    format: Number,
    default: 2,
    env: `${ENV}_NEW_POSTS_PER_DAY`,
  },
  eventCheckIntervalMs: {
    doc: 'Simulated interval at which due webhook events (new uploads, expired stories) are emitted.',
    format: 'positive-int',
    default: 60_000,
    env: `${ENV}_EVENT_CHECK_INTERVAL_MS`,
  },
  groundTruthMaxRecords: {
    doc: 'Most ground-truth records kept (entities + metric snapshots); beyond, the oldest half is dropped and GET /_sim/ground-truth reports droppedBefore.',
    format: 'positive-int',
    default: 2_000_000,
    env: `${ENV}_GROUND_TRUTH_MAX_RECORDS`,
  },
  knobsFile: {
    doc: 'JSON file of knob changes ({"instagram": {"emptyPageEvery": 3}, ...}; names in services/platform-sim/src/knobs.ts); empty for defaults.',
    format: String,
    default: '',
    env: `${ENV}_KNOBS_FILE`,
  },
  webhooks: {
    tiktokUrl: {
      doc: 'Callback URL for TikTok webhooks (the developer-portal setting); empty: none sent.',
      format: String,
      default: '',
      env: `${ENV}_WEBHOOKS_TIKTOK_URL`,
    },
    instagramUrl: {
      doc: 'Callback URL for Instagram webhooks; empty: none sent.',
      format: String,
      default: '',
      env: `${ENV}_WEBHOOKS_INSTAGRAM_URL`,
    },
    timeoutMs: {
      doc: 'Wall-clock wait for a receiver to answer a delivery before it counts as failed.',
      format: 'positive-int',
      default: 5_000,
      env: `${ENV}_WEBHOOKS_TIMEOUT_MS`,
    },
    maxAttempts: {
      doc: 'Attempts per delivery (first + retries).',
      format: 'positive-int',
      default: 12,
      env: `${ENV}_WEBHOOKS_MAX_ATTEMPTS`,
    },
    initialBackoffMs: {
      doc: 'Simulated delay before the first retry; doubles per retry (capped at 12 h, none after 72 h).',
      format: 'positive-int',
      default: 60_000,
      env: `${ENV}_WEBHOOKS_INITIAL_BACKOFF_MS`,
    },
    duplicateProbability: {
      doc: 'Probability that a delivered event is sent again, identically (0–1).',
      format: Number,
      default: 0,
      env: `${ENV}_WEBHOOKS_DUPLICATE_PROBABILITY`,
    },
  },
  secrets: {
    tiktokClientKey: secret('TikTok client_key of the simulated app.', 'TIKTOK_CLIENT_KEY'),
    tiktokClientSecret: secret('TikTok client_secret (signs TikTok-Signature).', 'TIKTOK_CLIENT_SECRET'),
    instagramAppSecret: secret('Meta app secret (signs X-Hub-Signature-256).', 'INSTAGRAM_APP_SECRET'),
    instagramVerifyToken: secret('Verify token sent in hub.verify_token.', 'INSTAGRAM_VERIFY_TOKEN'),
    googleClientId: secret('Google OAuth client id.', 'GOOGLE_CLIENT_ID'),
    googleClientSecret: secret('Google OAuth client secret.', 'GOOGLE_CLIENT_SECRET'),
    youtubeApiKey: secret('YouTube Data API key for public reads.', 'YOUTUBE_API_KEY'),
  },
};

export const platformSimSchema: convict.Schema<PlatformSimSettings> = {
  platformSim: platformSimOptionsSchema,
  telemetry: telemetrySchema('platform-sim'),
};

export function loadPlatformSimSettings(options: LoadOptions = {}): PlatformSimSettings {
  return loadConfig(platformSimSchema, options).values as PlatformSimSettings;
}
