// `npm run bench:processing`: what transform-enrich and transform-quality cost on top of Kafka.
// The same raw corpus is read by (1) a bare consumer (fetch + Avro decode, nothing else), (2) a
// pass-through processor (decode → encode → produce → commit, no logic), (3) transform-enrich;
// then the enriched output by (4) a bare consumer and (5) transform-quality. It also times the
// logic alone, in process. Prints a table; asserts nothing. Kafka and the registry come from
// configuration (default: the local stack — `npm run stack -- up`).
//   --posts N (default 3000)  --snapshots N per post (default 5)
import { cpus } from 'node:os';
import { kafkaSchema, loadConfig, registrySchema } from '@tributary/config';
import type { KafkaSettings, RegistrySettings } from '@tributary/config';
import { EVENT_SCHEMAS, TOPICS } from '@tributary/events';
import type { EventSchemaName } from '@tributary/events';
import { connectTopicAdmin, createProducer, createSerde, runConsumer } from '@tributary/kafka';
import { startProcessor } from '@tributary/processor-kit';
import type { ProcessorDefinition, ProcessorServiceSettings } from '@tributary/processor-kit';
import { createLogger } from '@tributary/telemetry';
import { ENRICH, loadEnrichSettings } from '@tributary/transform-enrich';
import { QUALITY, loadQualitySettings } from '@tributary/transform-quality';
import { processingCorpus } from './processing-corpus.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const logger = createLogger({ serviceName: 'bench-processing', level: 'error' });
const { values } = loadConfig({ kafka: kafkaSchema, registry: registrySchema });
const kafka: KafkaSettings = values.kafka;
const registry: RegistrySettings = values.registry;

const TYPES = ['posts', 'post-metrics', 'account-metrics', 'comments', 'deletions'] as const;
const run = `bench${Date.now().toString(36)}`;
const physical = (topic: string): string => `bench.${run}.${topic}`;
const stageTopics = [
  ...TYPES.flatMap((type) => [`social.raw.${type}`, `social.enriched.${type}`, `social.curated.${type}`]),
  ...TYPES.filter((type) => type !== 'deletions').map((type) => `social.quarantine.${type}`),
  'dlq.transform-enrich',
  'dlq.transform-quality',
  'dlq.bench-consume',
  'dlq.bench-passthrough',
];
const stateTopics = ['tributary.enrich-state', 'tributary.quality-state'];
const overrides = [...stageTopics, ...stateTopics].map((topic) => `${topic}=${physical(topic)}`);

function schemaOf(topic: string): EventSchemaName {
  return (TOPICS as unknown as Record<string, { valueSchema: EventSchemaName }>)[topic]!.valueSchema;
}

interface Measure {
  name: string;
  records: number;
  seconds: number;
  cpuSeconds: number;
}

/**
 * Runs a stage until `progress()` reaches `records`, timing the steady state: from the first
 * record handled to the last (group joins and state loading are left out), with this process's
 * CPU over the same span.
 */
async function measure(
  name: string,
  records: number,
  start: () => Promise<{ progress(): number; stop(): Promise<void> }>,
): Promise<Measure> {
  const stage = await start();
  const deadline = Date.now() + 600_000;
  while (stage.progress() === 0) {
    if (Date.now() > deadline) throw new Error(`${name}: nothing handled`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const first = stage.progress();
  while (stage.progress() < records) {
    if (Date.now() > deadline) throw new Error(`${name}: timed out at ${stage.progress()} of ${records}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  await stage.stop();
  return { name, records: records - first, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

async function consumeOnly(topics: string[]): Promise<{ progress(): number; stop(): Promise<void> }> {
  let handled = 0;
  const runtime = await runConsumer({
    kafka,
    registry,
    logger,
    service: 'bench-consume',
    deadLetterTopic: physical('dlq.bench-consume'),
    groupId: `${run}-consume-${topics[0]}`,
    topics: topics.map(physical),
    readerSchemas: Object.fromEntries(topics.map((topic) => [physical(topic), EVENT_SCHEMAS[schemaOf(topic)].schema])),
    maxBatchRecords: 500,
    shutdownSignals: [],
    handleBatch: async (batch) => {
      handled += batch.records.length;
    },
  });
  return { progress: () => handled, stop: async () => void (await runtime.stop()) };
}

function settingsFor<S extends ProcessorServiceSettings>(base: S, group: string): S {
  return {
    ...base,
    kafka,
    registry,
    processor: { ...base.processor, groupId: `${run}-${group}`, topicOverrides: overrides, fromBeginning: true, maxBatchRecords: 500 },
    http: { ...base.http, port: 0 },
    telemetry: { ...base.telemetry, logLevel: 'error' },
  };
}

async function processAll<S extends ProcessorServiceSettings>(
  definition: ProcessorDefinition<S>,
  settings: S,
): Promise<{ progress(): number; stop(): Promise<void> }> {
  const handle = await startProcessor(definition, settings, { logger });
  return {
    progress: () => Object.values(handle.stats().consumed).reduce((sum, n) => sum + n, 0) + handle.stats().deadLettered,
    stop: () => handle.stop(),
  };
}

const PASS_THROUGH: ProcessorDefinition<ProcessorServiceSettings> = {
  service: 'bench-passthrough',
  inputs: TYPES.map((type) => `social.raw.${type}`),
  create: () => (value, context) => [{ topic: context.topic.replace('social.raw.', 'social.curated.'), schema: context.schema, value }],
};

const posts = option('posts', 3000);
const snapshots = option('snapshots', 5);
const corpus = processingCorpus(posts, snapshots);
out(
  `Tributary processing benchmark · Node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'} · Kafka ${kafka.brokers.join(',')}`,
);
out(
  `corpus: ${corpus.length} raw events (${posts} posts × ${snapshots} snapshots, plus comments and account snapshots), 3 partitions per topic`,
);

const admin = await connectTopicAdmin(kafka, logger);
await admin.createTopics([
  ...stageTopics.map((topic) => ({
    name: physical(topic),
    partitions: topic.startsWith('dlq.') ? 1 : 3,
    replicationFactor: 'broker-default' as const,
    config: {} as Record<string, string>,
  })),
  ...stateTopics.map((topic) => ({
    name: physical(topic),
    partitions: 1,
    replicationFactor: 'broker-default' as const,
    config: { 'cleanup.policy': 'compact' },
  })),
]);
const serde = createSerde(registry);
const producer = await createProducer({ kafka, logger, clientName: 'bench-processing' });
for (let i = 0; i < corpus.length; i += 2000) {
  const slice = corpus.slice(i, i + 2000);
  const encoded = [];
  for (const record of slice) {
    const encoder = await serde.encoder(`${record.topic}-value`, { schema: EVENT_SCHEMAS[schemaOf(record.topic)].schema });
    encoded.push({ topic: physical(record.topic), key: record.key, value: encoder.encode(record.value) });
  }
  await producer.send(encoded);
}
await producer.close();

const rawTopics = TYPES.map((type) => `social.raw.${type}`);
const enrichedTopics = TYPES.map((type) => `social.enriched.${type}`);
const results: Measure[] = [];
const enrichDefaults = loadEnrichSettings();
const bare: ProcessorServiceSettings = {
  processor: enrichDefaults.processor,
  http: enrichDefaults.http,
  kafka,
  registry,
  telemetry: enrichDefaults.telemetry,
};
results.push(await measure('consume raw (fetch + decode)', corpus.length, () => consumeOnly(rawTopics)));
results.push(
  await measure('pass-through processor (decode → encode → produce → commit)', corpus.length, () =>
    processAll(PASS_THROUGH, settingsFor(bare, 'pass')),
  ),
);
results.push(await measure('transform-enrich', corpus.length, () => processAll(ENRICH, settingsFor(enrichDefaults, 'enrich'))));
const enrichedTotal = (
  await Promise.all(
    enrichedTopics.map(async (topic) => (await admin.watermarks(physical(topic))).reduce((sum, p) => sum + Number(p.high), 0)),
  )
).reduce((a, b) => a + b, 0);
results.push(await measure('consume enriched (fetch + decode)', enrichedTotal, () => consumeOnly(enrichedTopics)));
results.push(await measure('transform-quality', enrichedTotal, () => processAll(QUALITY, settingsFor(loadQualitySettings(), 'quality'))));
await admin.close();

out('');
out(`${'stage'.padEnd(62)} ${'records'.padStart(8)} ${'seconds'.padStart(8)} ${'records/s'.padStart(10)} ${'CPU ms/1k'.padStart(10)}`);
for (const result of results) {
  out(
    `${result.name.padEnd(62)} ${String(result.records).padStart(8)} ${result.seconds.toFixed(2).padStart(8)} ${Math.round(
      result.records / result.seconds,
    )
      .toString()
      .padStart(10)} ${((result.cpuSeconds / result.records) * 1e6).toFixed(0).padStart(10)}`,
  );
}
out('');
out(
  'Timed from the first record handled to the last (group joins and state loading left out). CPU is this process only (the broker, registry and any other process are not counted). The pass-through writes to the curated topics, which nothing in the benchmark reads.',
);
