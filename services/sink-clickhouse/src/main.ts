// Entry point of sink-clickhouse: configuration, logger, tracing, migrations, the sink, signals.
//   npm run sink            (or: node services/sink-clickhouse/src/main.ts)
// SIGTERM/SIGINT: insert and commit what is buffered within sink.shutdownTimeoutMs, then exit 0;
// a second signal exits at once. Either way nothing is lost or doubled: in-flight ranges are
// re-formed by the next owner (docs/adr/0016).
import { createClickHouseClient, migrate } from '@tributary/clickhouse';
import { isTributaryError } from '@tributary/errors';
import { createLogger, startTracing } from '@tributary/telemetry';
import { startSink } from './sink.ts';
import { SERVICE, loadSinkSettings } from './spec.ts';

async function main(): Promise<void> {
  let settings;
  try {
    settings = loadSinkSettings();
  } catch (error) {
    createLogger({ serviceName: SERVICE }).fatal({ err: error }, 'Invalid configuration.');
    process.exitCode = 1;
    return;
  }
  const logger = createLogger({ serviceName: settings.telemetry.serviceName, level: settings.telemetry.logLevel });
  const tracing = startTracing({ serviceName: settings.telemetry.serviceName, otlpEndpoint: settings.telemetry.otlpEndpoint });
  const { retention, ...clickhouseSettings } = settings.clickhouse;
  const clickhouse = createClickHouseClient(clickhouseSettings, SERVICE);

  let sink;
  try {
    if (settings.sink.migrate) {
      // Through the default database: the runner creates the target database itself.
      const admin = createClickHouseClient({ ...clickhouseSettings, database: 'default' }, `${SERVICE}-migrate`);
      const report = await migrate(admin, { database: clickhouseSettings.database, retention, logger }).finally(() => admin.close());
      logger.info({ database: report.database, applied: report.applied.length }, 'ClickHouse migrations checked.');
    }
    sink = await startSink({ options: settings.sink, kafka: settings.kafka, registry: settings.registry, clickhouse, logger });
  } catch (error) {
    logger.fatal(
      { err: error, code: isTributaryError(error) ? error.code : undefined, hint: isTributaryError(error) ? error.hint : undefined },
      (error as Error).message,
    );
    await clickhouse.close().catch(() => undefined);
    await tracing.shutdown().catch(() => undefined);
    process.exit(1);
  }
  logger.info(
    { topics: settings.sink.topics, quarantineTopics: settings.sink.quarantineTopics, groupId: settings.sink.groupId },
    'Sink running.',
  );

  const running = sink;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn({ signal }, 'Second signal: exiting now; in-flight ranges are re-formed on restart.');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal, timeoutMs: settings.sink.shutdownTimeoutMs }, 'Stopping: landing buffered batches.');
    running.stop().then(
      async () => {
        logger.info({ stats: running.stats() }, 'Stopped.');
        await clickhouse.close().catch(() => undefined);
        await tracing.shutdown().catch(() => undefined);
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

  try {
    await running.done;
  } catch {
    await clickhouse.close().catch(() => undefined);
    process.exit(1);
  }
}

await main();
