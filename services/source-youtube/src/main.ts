// source-youtube: `npm start -w @tributary/source-youtube` (settings: README, TRIBUTARY_SOURCE_YOUTUBE_*).
import { runSourceService } from '@tributary/connector-kit';
import { createLogger } from '@tributary/telemetry';
import { createYouTubeService } from './service.ts';
import { loadYouTubeSettings, SERVICE } from './spec.ts';

try {
  const settings = loadYouTubeSettings();
  await runSourceService(createYouTubeService(() => settings)).catch(() => {
    process.exitCode = 1; // the cause is already logged (fatal)
  });
} catch (error) {
  createLogger({ serviceName: SERVICE }).fatal({ err: error }, 'Invalid configuration.');
  process.exitCode = 1;
}
