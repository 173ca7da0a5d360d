// source-tiktok: TikTok Display API v2 → social.raw.* (see README.md). Settings: TRIBUTARY_SOURCE_TIKTOK_*.
import { runSourceService } from '@tributary/connector-kit';
import { createLogger } from '@tributary/telemetry';
import { createTikTokService } from './source.ts';
import { SERVICE, loadTikTokSettings } from './spec.ts';

try {
  const settings = loadTikTokSettings();
  await runSourceService(createTikTokService(() => settings)).catch(() => {
    process.exitCode = 1; // the cause is already logged (fatal)
  });
} catch (error) {
  createLogger({ serviceName: SERVICE }).fatal({ err: error }, 'Invalid configuration.');
  process.exitCode = 1;
}
