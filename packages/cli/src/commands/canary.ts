// tributary canary: one event producer -> Kafka -> consumer -> ClickHouse against the configured
// endpoints, then read back by a separate process (`tributary sql`) to prove the HTTP path.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { processEnvironment } from '@tributary/config';
import { startTracing } from '@tributary/telemetry';
import { TributaryError } from '@tributary/errors';
import { runCanary } from '../canary.ts';
import type { CanaryResult } from '../canary.ts';
import { createContext } from '../context.ts';
import type { CliContext, GlobalOptions } from '../context.ts';
import { printJson, printStep } from '../output.ts';

const CLI_MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface ReadBack {
  pid: number;
  rows: Record<string, unknown>[];
}

/** Reads the canary row back through `tributary sql` in a child process. */
export function readBackInChild(result: CanaryResult, configFiles: string[] | undefined, clickhouseUrl: string): ReadBack {
  const args = [
    CLI_MAIN,
    ...(configFiles ?? []).flatMap((file) => ['--config', file]),
    'sql',
    `SELECT event_id, message, emitted_at, source_topic, source_partition, source_offset, schema_id, trace_id FROM ${result.table} WHERE event_id = {id:String}`,
    '--param',
    `id=${result.event.event_id}`,
    '--format',
    'json',
  ];
  const child = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...processEnvironment(), TRIBUTARY_CLICKHOUSE_URL: clickhouseUrl },
  });
  if (child.status !== 0) {
    throw new TributaryError(
      'CANARY_READBACK_FAILED',
      `Reading the canary back in a separate process failed: ${child.stderr.trim() || `exit ${child.status}`}`,
      {
        failureType: 'system',
      },
    );
  }
  return { pid: child.pid, rows: JSON.parse(child.stdout) as Record<string, unknown>[] };
}

export interface Endpoints {
  kafkaBrokers: string;
  registryUrl: string;
  clickhouseUrl: string;
}

export async function canaryCommand(
  context: CliContext,
  options: GlobalOptions & { message?: string },
  endpoints?: Endpoints,
): Promise<void> {
  const configured = context.config.values;
  const values = endpoints
    ? {
        ...configured,
        kafka: { ...configured.kafka, brokers: [endpoints.kafkaBrokers] },
        registry: { ...configured.registry, url: endpoints.registryUrl },
        clickhouse: { ...configured.clickhouse, url: endpoints.clickhouseUrl },
      }
    : configured;
  const tracing = startTracing({ serviceName: 'tributary-canary', otlpEndpoint: values.telemetry.otlpEndpoint });
  try {
    const result = await runCanary({
      kafka: values.kafka,
      registry: values.registry,
      clickhouse: values.clickhouse,
      logger: context.logger,
      ...(options.message ? { message: options.message } : {}),
      onStep: (step, detail) => {
        if (options.json) return;
        if (step === 'topic') printStep(`topic ${String(detail.topic)} ${detail.created ? 'created' : 'exists'}`);
        if (step === 'schema') printStep(`schema registered: subject ${String(detail.subject)}, id ${String(detail.schemaId)}`);
        if (step === 'produced')
          printStep(
            `produced to ${String(detail.topic)} partition ${String(detail.partition)} offset ${String(detail.offset)} (Avro, Confluent framing, trace ${String(detail.traceId)})`,
          );
        if (step === 'consumed')
          printStep(`consumed, decoded and inserted into ClickHouse table ${String(detail.table)}; offset committed after the insert`);
      },
    });
    const readBack = readBackInChild(result, options.config, values.clickhouse.url);
    const row = readBack.rows[0];
    if (!row || row.event_id !== result.event.event_id) {
      throw new TributaryError(
        'CANARY_NOT_FOUND',
        `The canary event ${result.event.event_id} is not in ClickHouse table ${result.table}.`,
        { failureType: 'system' },
      );
    }
    if (options.json) printJson({ ...result, readBack });
    else {
      printStep(`read back from ClickHouse by a separate process (pid ${readBack.pid}):`);
      process.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
    }
  } finally {
    await tracing.shutdown();
  }
}

export function registerCanary(program: Command): void {
  program
    .command('canary')
    .description('send one event through Kafka into ClickHouse and read it back (a smoke test for any environment)')
    .option('-m, --message <text>', 'text carried by the event')
    .action(async (options: { message?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await canaryCommand(createContext(globals), { ...globals, ...options });
    });
}
