// source-youtube: `npm start -w @tributary/source-youtube` (settings: README, TRIBUTARY_SOURCE_YOUTUBE_*).
import { runSourceService } from '@tributary/connector-kit';
import { createYouTubeRequester, createYouTubeSource } from './source.ts';
import { loadYouTubeSettings } from './spec.ts';
import { youtubeWebhookRoutes } from './webhooks.ts';

const stopping = new AbortController();
try {
  const settings = loadYouTubeSettings();
  const source = createYouTubeSource(settings.youtube);
  const service = await runSourceService({
    declaration: source.declaration,
    loadSettings: () => settings,
    createRequester: (values, dependencies) => {
      source.quality.attach(dependencies.registry, dependencies.logger);
      return createYouTubeRequester(values, { ...dependencies, quality: source.quality });
    },
    webhooks: (values, dependencies) =>
      youtubeWebhookRoutes(values, dependencies, { source: source.declaration.name, signal: stopping.signal }),
  });
  void service.lifecycle.exited.finally(() => stopping.abort());
} catch {
  process.exitCode = 1; // the cause is already logged (fatal) or printed by the config loader
}
