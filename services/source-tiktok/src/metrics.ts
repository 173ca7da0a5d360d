// What source-tiktok counts beyond the kit's request, runtime and data-issue metrics (values it
// normalised are data issues, records.ts): items it could not use, and webhook events.
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

export interface TikTokMetrics {
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
