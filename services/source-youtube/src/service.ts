// The runSourceService options of source-youtube: the declaration, the request pipelines (Data API and Analytics
// API, one set of tokens) and the WebSub route whose subscriber renews hub leases until the service stops.
import type { Clock, RunSourceServiceOptions } from '@tributary/connector-kit';
import { createYouTubeRequester, createYouTubeSource } from './source.ts';
import type { YouTubeSource } from './source.ts';
import type { YouTubeSourceSettings } from './spec.ts';
import { youtubeWebhookRoutes } from './webhooks.ts';

export function createYouTubeService(
  loadSettings: () => YouTubeSourceSettings,
  options: { clock?: Clock } = {},
): RunSourceServiceOptions<YouTubeSourceSettings> & { source: YouTubeSource } {
  const settings = loadSettings();
  const source = createYouTubeSource(settings.youtube);
  // Only for callers that build WebhookDependencies themselves: runSourceService passes its stop signal.
  const neverStopping = new AbortController().signal;
  return {
    source,
    declaration: source.declaration,
    loadSettings: () => settings,
    ...(options.clock ? { clock: options.clock } : {}),
    createRequester: (values, dependencies) => {
      source.quality.attach(dependencies.registry, dependencies.logger);
      return createYouTubeRequester(values, { ...dependencies, quality: source.quality });
    },
    webhooks: (values, dependencies) =>
      youtubeWebhookRoutes(values, dependencies, { source: source.declaration.name, signal: dependencies.signal ?? neverStopping }),
  };
}
