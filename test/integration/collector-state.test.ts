// The source runtime against the real stack: reading a compacted topic to its end (the kafka
// package's primitive), the checkpoint store across a "restart" (a new store reads the newest
// value per key; a tombstone forgets), and the event writer producing Confluent-framed Avro that
// the serde decodes back, with invalid events dead-lettered, not dropped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEventWriter, isEventsRejectedError, openCheckpointStore } from '@tributary/connector-kit';
import type { CollectorCheckpoint } from '@tributary/connector-kit';
import { EVENT_SCHEMAS, topicValueType } from '@tributary/events';
import type { PostMetricsSnapshot } from '@tributary/events';
import { connectTopicAdmin, createProducer, createSerde, readDeadLetterHeaders, readSchemaId, readTopicToEnd } from '@tributary/kafka';
import type { TopicRecord } from '@tributary/kafka';
import { createLogger } from '@tributary/telemetry';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';

const logger = createLogger({ serviceName: 'collector-state-test', level: 'warn' });

/** avsc decodes records as class instances; compare their data. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function exampleMetrics(): PostMetricsSnapshot {
  const hex = readFileSync(
    fileURLToPath(new URL('../../schemas/avro/examples/social/post-metrics-snapshot/tiktok-video.avro.hex', import.meta.url)),
    'utf8',
  );
  return topicValueType('social.raw.post-metrics').fromBuffer(Buffer.from(hex.replace(/\s/g, ''), 'hex')) as PostMetricsSnapshot;
}

describe('collector state and event writer (integration)', function () {
  this.timeout(180_000);
  let stack: TestStack;

  before(async () => {
    stack = await useTestStack();
  });

  async function createTopic(name: string, partitions: number, config: Record<string, string>): Promise<void> {
    const admin = await connectTopicAdmin(stack.kafka, logger);
    try {
      await admin.createTopics([{ name, partitions, replicationFactor: 'broker-default', config }]);
    } finally {
      await admin.close();
    }
  }

  async function readAll(topic: string): Promise<TopicRecord[]> {
    const records: TopicRecord[] = [];
    await readTopicToEnd({
      kafka: stack.kafka,
      logger,
      clientName: 'collector-state-test',
      topic,
      onRecord: (record) => void records.push(record),
    });
    return records;
  }

  it('reads a topic to the high-water marks it had at the start, in offset order per partition, tombstones included', async () => {
    const topic = uniqueName('test.topic-reader', '.');
    await createTopic(topic, 3, { 'cleanup.policy': 'compact' });
    assert.deepEqual(await readAll(topic), [], 'an empty topic reads as nothing, without joining a group');

    const producer = await createProducer({ kafka: stack.kafka, logger, clientName: 'collector-state-test' });
    try {
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
      await producer.send(keys.map((key) => ({ topic, key, value: Buffer.from(`${key}1`) })));
      await producer.send([
        { topic, key: 'a', value: Buffer.from('a2') },
        { topic, key: 'b', value: null },
      ]);
      const records = await readAll(topic);
      assert.equal(records.length, 8);
      const latest = new Map<string, string | null>();
      for (const record of records) latest.set(record.key!, record.value === null ? null : record.value.toString());
      assert.equal(latest.get('a'), 'a2');
      assert.equal(latest.get('b'), null);
      assert.equal(latest.get('f'), 'f1');
      for (const partition of new Set(records.map((record) => record.partition))) {
        const offsets = records.filter((record) => record.partition === partition).map((record) => BigInt(record.offset));
        assert.deepEqual(
          offsets,
          [...offsets].sort((x, y) => (x < y ? -1 : 1)),
          `partition ${partition} in offset order`,
        );
      }
    } finally {
      await producer.close();
    }
  });

  it('checkpoints survive a restart: a new store reads the newest value per key, and a tombstone forgets', async () => {
    const topic = uniqueName('test.collector-state', '.');
    await createTopic(topic, 2, { 'cleanup.policy': 'compact' });
    const source = uniqueName('source-test');
    const checkpoint = (stream: string, scope: string, cursor: string | null, watermark: number | null): CollectorCheckpoint => ({
      source,
      stream,
      scope,
      cursor,
      watermark,
      backfill_reached: null,
      updated_at: 1_795_000_000_000,
    });
    const open = () =>
      openCheckpointStore({ kafka: stack.kafka, registry: stack.registry, logger, clientName: 'collector-state-test', source, topic });

    const first = await open();
    try {
      assert.equal(first.get(source, 'videos', 'acc-1'), undefined);
      await first.put(checkpoint('videos', 'acc-1', 'c1', 100));
      await first.put(checkpoint('videos', 'acc-1', 'c2', 200));
      await first.put(checkpoint('videos', 'acc-2', null, 300));
      await first.put(checkpoint('profile', 'acc-1', null, 400));
      await first.forget(source, 'profile', 'acc-1');
      assert.deepEqual(first.get(source, 'videos', 'acc-1'), checkpoint('videos', 'acc-1', 'c2', 200));
      assert.equal(first.get(source, 'profile', 'acc-1'), undefined);
    } finally {
      await first.close();
    }

    const restarted = await open();
    try {
      assert.deepEqual(restarted.get(source, 'videos', 'acc-1'), checkpoint('videos', 'acc-1', 'c2', 200));
      assert.deepEqual(restarted.get(source, 'videos', 'acc-2'), checkpoint('videos', 'acc-2', null, 300));
      assert.equal(restarted.get(source, 'profile', 'acc-1'), undefined, 'the tombstone forgot the key');
    } finally {
      await restarted.close();
    }

    // What is on the topic is Confluent-framed CollectorCheckpoint Avro under the catalogue subject's id.
    const records = await readAll(topic);
    const serde = createSerde(stack.registry);
    const decoder = serde.decoder<CollectorCheckpoint>(EVENT_SCHEMAS['io.tributary.system.CollectorCheckpoint'].schema);
    const framed = records.find((record) => record.key === `${source}/videos/acc-2`)!;
    assert.ok(readSchemaId(framed.value) > 0);
    assert.deepEqual(plain((await decoder.decode(framed.value)).value), checkpoint('videos', 'acc-2', null, 300));
  });

  it('the event writer produces Confluent-framed Avro the serde decodes back, and dead-letters an invalid event with its field paths', async () => {
    const topic = uniqueName('test.raw-post-metrics', '.');
    const deadLetterTopic = uniqueName('test.dlq-source', '.');
    await createTopic(topic, 1, {});
    await createTopic(deadLetterTopic, 1, {});
    const writer = await createEventWriter({
      kafka: stack.kafka,
      registry: stack.registry,
      logger,
      clientName: 'collector-state-test',
      deadLetterTopic,
      topicOverrides: { 'social.raw.post-metrics': topic },
    });
    const valid = exampleMetrics();
    const invalid = {
      ...exampleMetrics(),
      envelope: { ...valid.envelope, event_id: 'bad-one' },
      views: 'many',
    } as unknown as PostMetricsSnapshot;
    try {
      await writer.write([{ topic: 'social.raw.post-metrics', key: 'TIKTOK:7301234567890123456', value: valid as never }]);
      await assert.rejects(
        writer.write([{ topic: 'social.raw.post-metrics', key: 'TIKTOK:7301234567890123456', value: invalid as never }]),
        (error: unknown) => {
          assert.ok(isEventsRejectedError(error));
          assert.equal(error.failureType, 'data');
          assert.equal(error.rejections[0]!.eventId, 'bad-one');
          assert.ok(
            error.rejections[0]!.paths.some((path) => path.startsWith('views')),
            error.rejections[0]!.paths.join('; '),
          );
          return true;
        },
      );
    } finally {
      await writer.close();
    }

    const produced = await readAll(topic);
    assert.equal(produced.length, 1, 'only the valid event reached the topic');
    const serde = createSerde(stack.registry);
    const decoded = await serde
      .decoder<PostMetricsSnapshot>(EVENT_SCHEMAS['io.tributary.social.PostMetricsSnapshot'].schema)
      .decode(produced[0]!.value);
    assert.deepEqual(plain(decoded.value), plain(valid));
    assert.equal(produced[0]!.key, 'TIKTOK:7301234567890123456');

    const deadLetters: TopicRecord[] = [];
    await readTopicToEnd({
      kafka: stack.kafka,
      logger,
      clientName: 'collector-state-test',
      topic: deadLetterTopic,
      onRecord: (record) => void deadLetters.push(record),
    });
    assert.equal(deadLetters.length, 1, 'the invalid event is dead-lettered, not dropped');
    const json = JSON.parse(deadLetters[0]!.value!.toString('utf8')) as { envelope: { event_id: string }; views: string };
    assert.equal(json.envelope.event_id, 'bad-one');
    assert.equal(json.views, 'many');
    const context = readDeadLetterHeaders(deadLetters[0]!.headers);
    assert.equal(context?.originTopic, 'social.raw.post-metrics');
    assert.equal(context?.errorCode, 'SERDE_INVALID_VALUE');
    assert.equal(context?.service, 'collector-state-test');
  });
});
