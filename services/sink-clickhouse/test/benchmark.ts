// Benchmark (prints numbers, asserts nothing; ADR 0005): rows/s landed by sink-clickhouse, by
// INSERT format and batch size, against a direct INSERT of the same rows in the same format (no
// Kafka, no protocol) into the same ClickHouse. Run with
//   npm run bench:sink [-- --events 20000 --batches 500,2000,10000 --formats JSONEachRow,JSONCompactEachRow]
// against the configured stack (default: the local stack — `npm run stack -- up`).
// It sits next to the tests for their fixtures; it runs only as the main module, never under mocha.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createClickHouseClient, landingRow, migrate } from '@tributary/clickhouse';
import type { LandingRow } from '@tributary/clickhouse';
import { clickhouseSchema, kafkaSchema, loadConfig, registrySchema } from '@tributary/config';
import { EVENT_SCHEMAS } from '@tributary/events';
import type { Post } from '@tributary/events';
import { createProducer, createSerde } from '@tributary/kafka';
import type { AvroSchema } from '@tributary/kafka';
import { stackStatus } from '@tributary/local-stack';
import { createLogger } from '@tributary/telemetry';
import { uniqueName } from '@tributary/testing';
import { landedCounts, makePost, prepareSinkTarget, POST_SCHEMA } from '../../../test/integration/sink-fixture.ts';
import type { SinkTarget } from '../../../test/integration/sink-fixture.ts';
import { compactRows } from '../src/protocol.ts';
import { startSink } from '../src/sink.ts';
import { INSERT_FORMATS } from '../src/spec.ts';
import type { InsertFormat } from '../src/spec.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? (args[index + 1] ?? fallback) : fallback;
};
const EVENTS = Number(option('events', '20000'));
const BATCHES = option('batches', '500,2000,10000').split(',').map(Number);
const FORMATS = option('formats', INSERT_FORMATS.join(','))
  .split(',')
  .map((format) => {
    if (!(INSERT_FORMATS as readonly string[]).includes(format))
      throw new Error(`--formats: ${format} is not one of ${INSERT_FORMATS.join(', ')}`);
    return format as InsertFormat;
  });
const PARTITIONS = 4;
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const logger = createLogger({ serviceName: 'sink-bench', level: 'error' });

const { values } = loadConfig({ kafka: kafkaSchema, registry: registrySchema, clickhouse: clickhouseSchema });
const stack = { kind: 'configured' as const, kafka: values.kafka, registry: values.registry, clickhouse: values.clickhouse, env: {} };

async function freshDatabase(): Promise<{ database: string; client: ReturnType<typeof createClickHouseClient> }> {
  const database = uniqueName('sink_bench', '_');
  const admin = createClickHouseClient({ ...values.clickhouse, database: 'default' }, 'sink-bench');
  await migrate(admin, { database, logger: { info: () => undefined, warn: () => undefined } }).finally(() => admin.close());
  return { database, client: createClickHouseClient({ ...values.clickhouse, database }, 'sink-bench') };
}

const rate = (rows: number, ms: number): string => `${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s`;

// CPU accounting, so results compare per CPU-second and not only per wall second on a shared box.
// This process: the sink's own work (Kafka client, decoding, row mapping, the HTTP client).
// The engine: the embedded ClickHouse server's process, read from /proc when the configured
// ClickHouse is the local stack's (utime + stime in clock ticks; Linux uses 100 per second).
const processCpuSeconds = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};
const CLOCK_TICKS_PER_SECOND = 100;
function engineCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND; // utime, stime: fields 14 and 15 of stat
  } catch {
    return undefined;
  }
}
const perMillion = (seconds: number | undefined, rows: number): string =>
  seconds === undefined ? 'n/a' : `${((seconds * 1e6) / rows).toFixed(1)} CPU-s/M`;

async function main(): Promise<void> {
  out(
    `sink-clickhouse benchmark · Node ${process.version} · ${cpus().length} CPUs · ${EVENTS} Post events · ${PARTITIONS} partitions · ClickHouse ${values.clickhouse.url}`,
  );
  const target: SinkTarget = await prepareSinkTarget(stack, PARTITIONS);
  const producer = await createProducer({ kafka: values.kafka, logger, clientName: 'sink-bench' });
  const encoded: Buffer[] = [];
  for (let n = 0; n < EVENTS; n += 1) encoded.push(target.encoder.encode(makePost('bench', n)));
  for (let i = 0; i < EVENTS; i += 1000)
    await producer.send(encoded.slice(i, i + 1000).map((value, j) => ({ topic: target.topic, key: `TIKTOK:bench-${i + j}`, value })));
  await producer.close();
  out(`produced ${EVENTS} records (${(encoded.reduce((sum, value) => sum + value.length, 0) / 2 ** 20).toFixed(1)} MiB Avro)`);

  // The same rows the sink would build, for the direct inserts.
  const decoder = createSerde(values.registry).decoder<Post>(EVENT_SCHEMAS[POST_SCHEMA].schema as AvroSchema);
  const rows: LandingRow[] = [];
  for (const [offset, value] of encoded.entries()) {
    const decoded = await decoder.decode(value);
    rows.push(landingRow(POST_SCHEMA, decoded.value, { topic: target.topic, partition: 0, offset, schemaId: decoded.schemaId }).row);
  }

  out('');
  const status = await stackStatus({ logger });
  const embedded = status.components.find(
    (c) => c.component === 'clickhouse' && c.state === 'running' && c.endpoint === values.clickhouse.url,
  );
  const enginePid = embedded?.pid;
  out(
    enginePid === undefined
      ? "ClickHouse is not the local stack's embedded engine: engine CPU is not measured."
      : `Embedded ClickHouse engine: pid ${enginePid}.`,
  );
  out('');
  out(
    '| format | batch rows | sink (Kafka → ClickHouse, exactly once) | sink CPU: Node / engine | direct INSERT of the same rows | direct CPU: Node / engine | sink / direct |',
  );
  out('|---|---:|---:|---:|---:|---:|---:|');
  for (const format of FORMATS)
    for (const batch of BATCHES) {
      const sinkDb = await freshDatabase();
      const sinkTarget: SinkTarget = { ...target, database: sinkDb.database, clickhouse: sinkDb.client, groupId: uniqueName('sink-bench') };
      const started = performance.now();
      const sinkCpu = process.cpuUsage();
      const sinkEngine = engineCpuSeconds(enginePid);
      const sink = await startSink({
        options: {
          groupId: sinkTarget.groupId,
          topics: [target.topicEntry],
          deadLetterTopic: target.deadLetterTopic,
          maxBatchRows: batch,
          maxBatchBytes: 64 * 2 ** 20,
          maxBatchWaitMs: 200,
          insertFormat: format,
          fromBeginning: true,
          sessionTimeoutMs: 10_000,
          heartbeatIntervalMs: 1_000,
          retryInitialDelayMs: 100,
          retryMaxDelayMs: 1_000,
          shutdownTimeoutMs: 10_000,
          migrate: false,
          crashPoint: '',
          crashAfterInserts: 1,
        },
        kafka: values.kafka,
        registry: values.registry,
        clickhouse: sinkDb.client,
        logger,
      });
      while ((await landedCounts(sinkTarget)).rows < EVENTS) await new Promise((resolve) => setTimeout(resolve, 25));
      const sinkMs = performance.now() - started;
      const sinkNodeCpu = processCpuSeconds(sinkCpu);
      const sinkEngineAfter = engineCpuSeconds(enginePid);
      const sinkEngineCpu = sinkEngine === undefined || sinkEngineAfter === undefined ? undefined : sinkEngineAfter - sinkEngine;
      await sink.stop();

      const direct = await freshDatabase();
      const directStarted = performance.now();
      const directCpu = process.cpuUsage();
      const directEngine = engineCpuSeconds(enginePid);
      for (let i = 0; i < rows.length; i += batch) {
        const slice = rows.slice(i, i + batch);
        if (format === 'JSONCompactEachRow') await direct.client.insert({ table: 'landing_posts', ...compactRows(slice), format });
        else await direct.client.insert({ table: 'landing_posts', values: slice, format });
      }
      const directMs = performance.now() - directStarted;
      const directNodeCpu = processCpuSeconds(directCpu);
      const directEngineAfter = engineCpuSeconds(enginePid);
      const directEngineCpu = directEngine === undefined || directEngineAfter === undefined ? undefined : directEngineAfter - directEngine;

      out(
        `| ${format} | ${batch} | ${rate(EVENTS, sinkMs)} (${(sinkMs / 1000).toFixed(1)} s) | ${perMillion(sinkNodeCpu, EVENTS)} / ${perMillion(sinkEngineCpu, EVENTS)} | ` +
          `${rate(EVENTS, directMs)} (${(directMs / 1000).toFixed(1)} s) | ${perMillion(directNodeCpu, EVENTS)} / ${perMillion(directEngineCpu, EVENTS)} | ${(directMs / sinkMs).toFixed(2)} |`,
      );
      for (const db of [sinkDb, direct]) {
        await db.client.command({ query: `DROP DATABASE IF EXISTS ${db.database}` });
        await db.client.close();
      }
    }
  out('');
  out(
    'The sink time includes joining the consumer group, fetching, decoding, row mapping and two offset commits per batch and partition; batches larger than the share of one partition of the events are cut by time (maxBatchWaitMs 200).',
  );
  await target.clickhouse.command({ query: `DROP DATABASE IF EXISTS ${target.database}` });
  await target.clickhouse.close();
}

await main();
process.exit(0);
