// What source-tiktok counts beyond the kit's request and runtime metrics: every value it had to
// normalise or could not use, so bad input from the platform is never silent.
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

export interface TikTokMetrics {
  /** create_time values sent in milliseconds where the API documents seconds (simulator fault `millisecond-timestamps`). */
  readonly timestampsNormalised: Counter<'stream'>;
  /** Video ids that arrived as JSON numbers instead of strings (kept exact: unsafe integers come back as strings from the kit's parser). */
  readonly idsNormalised: Counter<'stream'>;
  /** Texts (captions, titles) holding lone UTF-16 surrogates, replaced by U+FFFD so Avro and the content version agree. */
  readonly textsNormalised: Counter<'stream'>;
  /** Videos without a usable id or create_time: left out of the page and logged with a sample. */
  readonly invalidVideos: Counter<'stream' | 'reason'>;
  /** Ids asked of /v2/video/query/ that the answer did not contain (deleted, made private, or not the account's). */
  readonly videosMissing: Counter<'stream'>;
  /** Webhook events processed, by event. */
  readonly webhookEvents: Counter<'event'>;
  /** Registers the counters on a service registry (the one runSourceService serves on /metrics). */
  registerOn(registry: Registry): void;
}

export function createTikTokMetrics(): TikTokMetrics {
  const counters = {
    timestampsNormalised: new Counter({
      name: 'tributary_source_tiktok_timestamps_normalised_total',
      help: 'create_time values sent in milliseconds where seconds are documented, normalised to epoch ms.',
      labelNames: ['stream'] as const,
      registers: [],
    }),
    idsNormalised: new Counter({
      name: 'tributary_source_tiktok_ids_normalised_total',
      help: 'Video ids sent as JSON numbers instead of strings, normalised to their exact decimal string.',
      labelNames: ['stream'] as const,
      registers: [],
    }),
    textsNormalised: new Counter({
      name: 'tributary_source_tiktok_texts_normalised_total',
      help: 'Captions or titles with lone UTF-16 surrogates (from \\u escapes), replaced by U+FFFD.',
      labelNames: ['stream'] as const,
      registers: [],
    }),
    invalidVideos: new Counter({
      name: 'tributary_source_tiktok_invalid_videos_total',
      help: 'Videos left out because their id or create_time is unusable.',
      labelNames: ['stream', 'reason'] as const,
      registers: [],
    }),
    videosMissing: new Counter({
      name: 'tributary_source_tiktok_videos_missing_total',
      help: 'Video ids asked of /v2/video/query/ that the answer did not contain.',
      labelNames: ['stream'] as const,
      registers: [],
    }),
    webhookEvents: new Counter({
      name: 'tributary_source_tiktok_webhook_events_total',
      help: 'TikTok webhook events processed after persistence, by event.',
      labelNames: ['event'] as const,
      registers: [],
    }),
  };
  return {
    ...counters,
    registerOn(registry) {
      for (const counter of Object.values(counters) as Array<Counter<string>>) {
        const name = (counter as unknown as { name: string }).name;
        if (!registry.getSingleMetric(name)) registry.registerMetric(counter);
      }
    },
  };
}
