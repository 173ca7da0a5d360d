// Entry point of the embedded ClickHouse server: configuration, logger, server, signals.
// deploy/local starts it as `node services/clickhouse-embedded/src/main.ts` and waits for
// GET /ping to answer 200 "Ok.\n".
import { setThreadPoolSize } from '@tributary/config';
import { isTributaryError } from '@tributary/errors';
import { createLogger } from '@tributary/telemetry';
import { startServer } from './server.ts';
import { loadClickHouseEmbeddedSettings } from './spec.ts';

const SERVICE = 'clickhouse-embedded';

async function main(): Promise<void> {
  let settings;
  try {
    settings = loadClickHouseEmbeddedSettings();
  } catch (error) {
    createLogger({ serviceName: SERVICE }).fatal({ err: error }, 'Invalid configuration.');
    process.exitCode = 1;
    return;
  }
  // chdb runs every engine call on the libuv thread pool (4 threads by default), so the pool must
  // be sized before its first use to let maxConcurrentQueries queries run at once, plus room for
  // zlib and fs work.
  setThreadPoolSize(settings.maxConcurrentQueries + 4);

  const logger = createLogger({ serviceName: SERVICE, level: settings.logLevel });
  let server;
  try {
    server = await startServer({ ...settings, logger });
  } catch (error) {
    logger.fatal(
      { err: error, code: isTributaryError(error) ? error.code : undefined, hint: isTributaryError(error) ? error.hint : undefined },
      (error as Error).message,
    );
    process.exitCode = 1;
    return;
  }
  logger.info(
    { host: server.host, port: server.port, dataDir: server.dataDir, engineVersion: server.engineVersion, chdbVersion: server.chdbVersion },
    'ClickHouse HTTP interface ready.',
  );

  const running = server;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn({ signal }, 'Second signal: exiting without waiting for in-flight queries.');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'Stopping the ClickHouse HTTP interface.');
    running.stop().then(
      () => {
        logger.info('Stopped; the data directory is released.');
        process.exit(0);
      },
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
