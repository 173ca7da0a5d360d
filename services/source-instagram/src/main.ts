// source-instagram: Instagram professional accounts → social.raw.* (README.md). Settings: spec.ts.
import { runSourceService } from '@tributary/connector-kit';
import { createLogger } from '@tributary/telemetry';
import { createInstagramService } from './service.ts';
import { loadInstagramSettings, SERVICE } from './spec.ts';

try {
  const settings = loadInstagramSettings();
  await runSourceService(createInstagramService(() => settings)).catch(() => {
    process.exitCode = 1; // the cause is already logged (fatal)
  });
} catch (error) {
  createLogger({ serviceName: SERVICE }).fatal({ err: error }, 'Invalid configuration.');
  process.exitCode = 1;
}
