// source-instagram: Instagram professional accounts → social.raw.* (README.md). Settings: spec.ts.
import { runSourceService } from '@tributary/connector-kit';
import { createInstagramService } from './service.ts';
import { loadInstagramSettings } from './spec.ts';

const settings = loadInstagramSettings();
await runSourceService(createInstagramService(() => settings)).catch(() => {
  process.exitCode = 1; // the cause is already logged (fatal)
});
