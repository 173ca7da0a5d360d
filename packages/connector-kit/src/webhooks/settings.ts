// The receiver's tunables as a convict fragment, for a source service to compose next to
// httpSchema (host, port, maxBodyBytes) from @tributary/config. Secrets and verify tokens are
// per platform and belong to the source's own schema (sensitive: true).
import type convict from 'convict';
import { DEFAULT_REPLAY_CACHE_SIZE, DEFAULT_REPLAY_CACHE_TTL_MS, DEFAULT_TIMESTAMP_TOLERANCE_MS } from './receiver.ts';

export interface WebhookSettings {
  timestampToleranceMs: number;
  replayCacheSize: number;
  replayCacheTtlMs: number;
}

/** `envPrefix` is the service's, e.g. `TRIBUTARY_SOURCE_TIKTOK_WEBHOOK`. */
export function webhookSchema(envPrefix: string): convict.Schema<WebhookSettings> {
  return {
    timestampToleranceMs: {
      doc: 'How far a signed webhook timestamp (TikTok-Signature t, Twitch message timestamp) may be from the receive time, either way, before the delivery is refused.',
      format: 'positive-int',
      default: DEFAULT_TIMESTAMP_TOLERANCE_MS,
      env: `${envPrefix}_TIMESTAMP_TOLERANCE_MS`,
    },
    replayCacheSize: {
      doc: 'Deliveries remembered per process to acknowledge replays without persisting them again.',
      format: 'positive-int',
      default: DEFAULT_REPLAY_CACHE_SIZE,
      env: `${envPrefix}_REPLAY_CACHE_SIZE`,
    },
    replayCacheTtlMs: {
      doc: 'How long a persisted delivery is remembered; at least the timestamp tolerance.',
      format: 'positive-int',
      default: DEFAULT_REPLAY_CACHE_TTL_MS,
      env: `${envPrefix}_REPLAY_CACHE_TTL_MS`,
    },
  };
}
