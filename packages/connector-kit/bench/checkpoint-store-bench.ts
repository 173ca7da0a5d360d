// `node packages/connector-kit/bench/checkpoint-store-bench.ts [--keys N] [--versions V]`:
// what a collector's start costs — opening the checkpoint store reads its compacted topic to the
// end — and what a checkpoint put costs (one acks=all round trip). Prints a table, asserts
// nothing. Uses a fresh compacted topic on the configured Kafka (default: the local stack).
import { randomBytes } from 'node:crypto';
import { kafkaSchema, loadConfig, registrySchema } from '@tributary/config';
import { connectTopicAdmin, createProducer, createSerde } from '@tributary/kafka';
import { EVENT_SCHEMAS } from '@tributary/events';
import type { CollectorCheckpoint } from '@tributary/events';
import { createLogger } from '@tributary/telemetry';
import { openCheckpointStore } from '../src/runtime/checkpoint-store.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const index = args.indexOf(name);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const keys = option('--keys', 10_000);
const versions = option('--versions', 3);
const out = (line: string): void => void process.stdout.write(`${line}\n`);

const { values } = loadConfig({ kafka: kafkaSchema, registry: registrySchema });
const logger = createLogger({ serviceName: 'bench', level: 'error' });
const topic = `bench.collector-state.${Date.now().toString(36)}.${randomBytes(3).toString('hex')}`;
const source = 'source-bench';

const admin = await connectTopicAdmin(values.kafka, logger);
await admin.createTopics([{ name: topic, partitions: 3, replicationFactor: 'broker-default', config: { 'cleanup.policy': 'compact' } }]);
await admin.close();

// Fill: `keys` stream×scope keys, each written `versions` times (compaction may not have run yet: the worst case).
const serde = createSerde(values.registry);
const encoder = await serde.encoder<CollectorCheckpoint>('tributary.collector-state-value', {
  schema: EVENT_SCHEMAS['io.tributary.system.CollectorCheckpoint'].schema,
});
const producer = await createProducer({ kafka: values.kafka, logger, clientName: 'bench' });
const batch = 2_000;
for (let version = 0; version < versions; version++) {
  for (let start = 0; start < keys; start += batch) {
    const records = [];
    for (let index = start; index < Math.min(keys, start + batch); index++) {
      const checkpoint: CollectorCheckpoint = {
        source,
        stream: `stream_${index % 5}`,
        scope: `account-${Math.floor(index / 5)}`,
        cursor: `cursor-${version}-${index}`,
        watermark: 1_795_000_000_000 + version,
        backfill_reached: null,
        updated_at: 1_795_000_000_000 + version,
      };
      records.push({ topic, key: `${source}/${checkpoint.stream}/${checkpoint.scope}`, value: encoder.encode(checkpoint) });
    }
    await producer.send(records);
  }
}
await producer.close();

const opened = performance.now();
const store = await openCheckpointStore({ kafka: values.kafka, registry: serde, logger, clientName: 'bench', source, topic });
const openMs = performance.now() - opened;
const sample = store.get(source, 'stream_1', 'account-0');
if (sample?.cursor !== `cursor-${versions - 1}-1`) throw new Error(`wrong state after open: ${JSON.stringify(sample)}`);

const puts = 200;
const putStarted = performance.now();
for (let index = 0; index < puts; index++) {
  await store.put({ ...sample, cursor: `after-${index}`, updated_at: Date.now() });
}
const putMs = (performance.now() - putStarted) / puts;
await store.close();

out(`checkpoint store · Kafka ${values.kafka.brokers.join(',')} · topic ${topic} (3 partitions)`);
out(`| keys | records read | open (read to end + producer) | put (acks=all, sequential) |`);
out(`|---:|---:|---:|---:|`);
out(`| ${keys} | ${keys * versions} | ${openMs.toFixed(0)} ms | ${putMs.toFixed(2)} ms |`);
