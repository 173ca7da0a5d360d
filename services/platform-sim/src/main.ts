// Standalone simulator for the demo and crash tests: `npm start -w @tributary/platform-sim` (or
// `node services/platform-sim/src/main.ts`). Logs the base URLs once; the seeded credentials are at
// GET /_sim/credentials; the clock, faults and knobs are driven through /_sim.
import { readFileSync } from 'node:fs';
import { ConfigError, isTributaryError } from '@tributary/errors';
import { createLogger } from '@tributary/telemetry';
import type { KnobChanges } from './knobs.ts';
import { startPlatformSim } from './sim.ts';
import type { SimSecrets } from './sim.ts';
import { loadPlatformSimSettings } from './spec.ts';

const SERVICE = 'platform-sim';

function readKnobs(file: string): KnobChanges | undefined {
  if (file === '') return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as KnobChanges;
  } catch (cause) {
    throw new ConfigError('PLATFORM_SIM_KNOBS_INVALID', `Knobs file ${file} is not readable JSON: ${(cause as Error).message}`, { cause });
  }
}

async function main(): Promise<void> {
  let settings;
  try {
    settings = loadPlatformSimSettings();
  } catch (error) {
    createLogger({ serviceName: SERVICE }).fatal({ err: error }, 'Invalid configuration.');
    process.exitCode = 1;
    return;
  }
  const options = settings.platformSim;
  const logger = createLogger({ serviceName: settings.telemetry.serviceName, level: settings.telemetry.logLevel });
  const secrets: Partial<SimSecrets> = {};
  for (const [name, value] of Object.entries(options.secrets)) if (value !== '') secrets[name as keyof SimSecrets] = value;
  let sim;
  try {
    const knobs = readKnobs(options.knobsFile) ?? {};
    const startTime = options.startTime === '' ? Date.now() : Date.parse(options.startTime);
    if (Number.isNaN(startTime))
      throw new ConfigError('PLATFORM_SIM_START_TIME_INVALID', `startTime ${options.startTime} is not ISO-8601.`);
    sim = await startPlatformSim({
      seed: options.seed,
      clock: { startTime, speed: options.speed },
      accounts: { tiktok: options.accountsPerPlatform, instagram: options.accountsPerPlatform, youtube: options.accountsPerPlatform },
      knobs: {
        ...knobs,
        content: {
          postsPerAccount: options.postsPerAccount,
          historyDays: options.historyDays,
          newPostsPerDay: options.newPostsPerDay,
          ...knobs.content,
        },
        webhooks: {
          timeoutMs: options.webhooks.timeoutMs,
          maxAttempts: options.webhooks.maxAttempts,
          initialBackoffMs: options.webhooks.initialBackoffMs,
          duplicateProbability: options.webhooks.duplicateProbability,
          ...knobs.webhooks,
        },
      },
      host: options.host,
      port: options.port,
      webhookTargets: {
        ...(options.webhooks.tiktokUrl === '' ? {} : { tiktok: options.webhooks.tiktokUrl }),
        ...(options.webhooks.instagramUrl === '' ? {} : { instagram: options.webhooks.instagramUrl }),
      },
      secrets,
      eventCheckIntervalMs: options.eventCheckIntervalMs,
      groundTruthMaxRecords: options.groundTruthMaxRecords,
      logger,
    });
  } catch (error) {
    logger.fatal({ err: error, code: isTributaryError(error) ? error.code : undefined }, (error as Error).message);
    process.exitCode = 1;
    return;
  }
  logger.info({ baseUrls: sim.baseUrls, seed: options.seed, speed: options.speed }, 'Platform simulators ready.');

  const running = sim;
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'Stopping the platform simulators.');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Stopping failed.');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

await main();
