// The operator additions of the topic admin against the real stack: offsets by time, commits
// with their metadata, group state, DeleteRecords, and peekRecords' bounded reads.
import assert from 'node:assert/strict';
import { createLogger } from '@tributary/telemetry';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { connectTopicAdmin, createProducer, peekRecords, recordSizeBytes } from '../src/index.ts';
import type { TopicAdmin } from '../src/index.ts';

const logger = createLogger({ serviceName: 'kafka-topic-admin-test', level: 'error' });

describe('kafka/topic-admin (integration)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let admin: TopicAdmin;
  const topic = uniqueName('test.topic-admin', '.');
  const T0 = Date.parse('2026-01-01T00:00:00Z');

  before(async () => {
    stack = await useTestStack();
    admin = await connectTopicAdmin(stack.kafka, logger);
    await admin.createTopics([{ name: topic, partitions: 2, replicationFactor: 'broker-default', config: { 'retention.ms': '-1' } }]); // fixed past timestamps: no time-based retention mid-test
    const producer = await createProducer({ kafka: stack.kafka, logger, clientName: 'topic-admin-test' });
    try {
      // Partition 0: offsets 0..5 at T0 + offset hours; partition 1: two records at T0.
      await producer.send([
        ...Array.from({ length: 6 }, (_, index) => ({
          topic,
          partition: 0,
          key: `k${index}`,
          value: Buffer.from(`value-${index}`),
          headers: { 'x-index': String(index) },
          timestamp: T0 + index * 3_600_000,
        })),
        { topic, partition: 1, key: null, value: Buffer.from('a'), timestamp: T0 },
        { topic, partition: 1, key: null, value: Buffer.from('b'), timestamp: T0 },
      ]);
    } finally {
      await producer.close();
    }
  });

  after(async () => {
    await admin?.close();
  });

  it('finds the first offset at or after a time, or the end when nothing is that recent', async () => {
    assert.deepEqual(await admin.offsetsAtTime(topic, T0 + 2 * 3_600_000), [
      { partition: 0, offset: '2' },
      { partition: 1, offset: '2' },
    ]);
    assert.deepEqual(await admin.offsetsAtTime(topic, T0 + 100 * 3_600_000), [
      { partition: 0, offset: '6' },
      { partition: 1, offset: '2' },
    ]);
    assert.deepEqual(await admin.offsetsAtTime(topic, T0 - 1), [
      { partition: 0, offset: '0' },
      { partition: 1, offset: '0' },
    ]);
  });

  it('reads a group: commits with metadata, and Dead/Empty state without members', async () => {
    const groupId = uniqueName('topic-admin-group');
    assert.deepEqual(await admin.describeGroup(groupId), { groupId, state: 'Dead', members: [] });
    await admin.commitGroupOffsets(groupId, topic, [{ partition: 0, offset: '3' }]);
    assert.deepEqual(await admin.groupCommits(groupId, topic), [
      { partition: 0, offset: '3', metadata: '' },
      { partition: 1, offset: null, metadata: '' },
    ]);
    const group = await admin.describeGroup(groupId);
    assert.equal(group.members.length, 0);
    assert.equal(group.state, 'Empty');
  });

  it('peeks a bounded number of records from given offsets, with their sizes', async () => {
    const records = await peekRecords({
      kafka: stack.kafka,
      logger,
      clientName: 'topic-admin-test',
      topic,
      from: [
        { partition: 0, offset: '2' },
        { partition: 1, offset: '1' },
      ],
      maxRecordsPerPartition: 3,
    });
    assert.deepEqual(
      records.map((record) => `${record.partition}:${record.offset}:${record.value?.toString()}`),
      ['0:2:value-2', '0:3:value-3', '0:4:value-4', '1:1:b'],
    );
    const [first] = records;
    assert.deepEqual(first!.key, Buffer.from('k2'));
    assert.equal(first!.timestamp, T0 + 2 * 3_600_000);
    assert.equal(first!.sizeBytes, recordSizeBytes({ key: first!.key, value: first!.value, headers: first!.headers }));
    assert.deepEqual(
      await peekRecords({
        kafka: stack.kafka,
        logger,
        clientName: 'topic-admin-test',
        topic,
        from: [{ partition: 1, offset: '2' }],
        maxRecordsPerPartition: 5,
      }),
      [],
      'nothing to read at the end of a partition',
    );
  });

  it('deletes records below an offset: the low watermark moves, later records stay', async () => {
    await admin.deleteRecordsBefore(topic, [{ partition: 0, offset: '4' }]);
    assert.deepEqual(await admin.watermarks(topic), [
      { partition: 0, low: '4', high: '6' },
      { partition: 1, low: '0', high: '2' },
    ]);
  });
});
