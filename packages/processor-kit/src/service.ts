// A processor's main.ts:
//   await runProcessorService(ENRICH, () => loadConfig(enrichSchema).values);
// Configuration → logger → tracing → startProcessor → /health and /metrics on settings.http →
// SIGTERM/SIGINT: finish the batch in hand and commit within processor.shutdownDeadlineMs, then exit.
import { startHealthServer, startServiceLifecycle } from '@tributary/connector-kit';
import type { HealthReport } from '@tributary/connector-kit';
import { isTributaryError } from '@tributary/errors';
import { createLogger, startTracing } from '@tributary/telemetry';
import { startProcessor } from './processor.ts';
import type { ProcessorDefinition, ProcessorHandle } from './processor.ts';
import type { ProcessorServiceSettings } from './settings.ts';

export function processorHealth(handle: ProcessorHandle): HealthReport {
  const runtime = handle.runtime.stats();
  const stats = handle.stats();
  const status = runtime.phase === 'failed' ? 'failing' : runtime.paused.length > 0 ? 'degraded' : 'ok';
  return { status, ...stats, phase: runtime.phase, assignment: runtime.assignment, paused: runtime.paused };
}

export async function runProcessorService<S extends ProcessorServiceSettings>(
  definition: ProcessorDefinition<S>,
  loadSettings: () => S,
): Promise<void> {
  let settings: S;
  try {
    settings = loadSettings();
  } catch (error) {
    createLogger({ serviceName: definition.service }).fatal({ err: error }, 'Invalid configuration.');
    process.exitCode = 1;
    return;
  }
  const logger = createLogger({ serviceName: settings.telemetry.serviceName, level: settings.telemetry.logLevel });
  const tracing = startTracing({ serviceName: settings.telemetry.serviceName, otlpEndpoint: settings.telemetry.otlpEndpoint });
  let handle: ProcessorHandle;
  try {
    handle = await startProcessor(definition, settings, { logger });
  } catch (error) {
    logger.fatal(
      { err: error, code: isTributaryError(error) ? error.code : undefined, hint: isTributaryError(error) ? error.hint : undefined },
      `${definition.service} could not start: ${(error as Error).message}`,
    );
    await tracing.shutdown().catch(() => undefined);
    process.exit(1);
  }
  const server = await startHealthServer({
    host: settings.http.host,
    port: settings.http.port,
    registry: handle.metrics,
    health: () => processorHealth(handle),
    logger,
  });
  logger.info({ inputs: definition.inputs, groupId: settings.processor.groupId, health: server.url }, `${definition.service} running.`);
  const lifecycle = startServiceLifecycle({
    logger,
    shutdownTimeoutMs: settings.processor.shutdownDeadlineMs + 5_000,
    stop: async () => {
      await handle.stop();
      await server.close();
      await tracing.shutdown().catch(() => undefined);
    },
  });
  try {
    await handle.done;
  } catch (error) {
    logger.fatal(
      { err: error, code: isTributaryError(error) ? error.code : undefined },
      `${definition.service} stopped on an error: ${(error as Error).message}`,
    );
    lifecycle.dispose();
    await server.close();
    await tracing.shutdown().catch(() => undefined);
    process.exit(1);
  }
}
