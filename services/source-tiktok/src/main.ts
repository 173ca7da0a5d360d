// source-tiktok: TikTok Display API v2 → social.raw.* (see README.md). Settings: TRIBUTARY_SOURCE_TIKTOK_*.
import { runSourceService } from '@tributary/connector-kit';
import { createLogger } from '@tributary/telemetry';
import { tiktokService } from './source.ts';
import { SERVICE, loadTikTokSettings } from './spec.ts';

async function main(): Promise<void> {
  let settings;
  try {
    settings = loadTikTokSettings();
  } catch (error) {
    createLogger({ serviceName: SERVICE }).fatal({ err: error }, 'Invalid configuration.');
    throw error;
  }
  const logger = createLogger({ serviceName: settings.telemetry.serviceName, level: settings.telemetry.logLevel });
  const service = tiktokService(settings, { logger });
  await runSourceService({
    declaration: service.declaration,
    loadSettings: () => settings,
    createRequester: service.createRequester,
    webhooks: service.webhooks,
  });
}

main().catch(() => {
  process.exitCode = 1; // the cause is already logged (fatal)
});
