// replay against the real stack: the dry run's numbers equal what the topic holds, a replay
// moves an idle group's offsets (audited), refuses a group with live members, and leaves a
// sink-style group (in-flight marker in its commit metadata) with nothing in flight.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { processEnvironment } from '@tributary/config';
import { isTributaryError } from '@tributary/errors';
import { connectTopicAdmin, createProducer, readTopicToEnd, recordSizeBytes, startRangeConsumer } from '@tributary/kafka';
import type { RangeConsumer, TopicAdmin } from '@tributary/kafka';
import { recoveryDecision } from '@tributary/sink-clickhouse';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { replay } from '../../src/operations/replay.ts';
import { auditRecords, createTopics, logger, targetsOf } from './stack-fixture.ts';

const CLI = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const T0 = Date.parse('2026-01-01T00:00:00Z');
const T1 = Date.parse('2026-01-02T00:00:00Z');

describe('cli replay (integration)', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let admin: TopicAdmin;
  const topic = uniqueName('replay-test', '.');
  /** What the topic holds, per partition: record sizes, and how many records have timestamp T1. */
  const held = new Map<number, { sizes: number[]; late: number }>();

  before(async () => {
    stack = await useTestStack();
    await createTopics(stack, [{ name: topic, partitions: 3 }]);
    const producer = await createProducer({ kafka: stack.kafka, logger, clientName: 'cli-replay-test' });
    try {
      // 10 records at T0, then 8 at T1, of different sizes, spread over the partitions.
      await producer.send(
        Array.from({ length: 18 }, (_, index) => ({
          topic,
          partition: index % 3,
          key: `key-${index}`,
          value: Buffer.alloc(50 + index * 37, index),
          timestamp: index < 10 ? T0 : T1,
        })),
      );
    } finally {
      await producer.close();
    }
    await readTopicToEnd({
      kafka: stack.kafka,
      logger,
      clientName: 'cli-replay-test',
      topic,
      onRecord: (record) => {
        const entry = held.get(record.partition) ?? { sizes: [], late: 0 };
        entry.sizes.push(recordSizeBytes(record));
        if (Number(record.key!.slice(4)) >= 10) entry.late += 1;
        held.set(record.partition, entry);
      },
    });
    admin = await connectTopicAdmin(stack.kafka, logger);
  });

  after(async () => {
    await admin?.close();
  });

  async function groupAtEnd(): Promise<string> {
    const groupId = uniqueName('replay-test-group');
    await admin.commitGroupOffsets(
      groupId,
      topic,
      (await admin.watermarks(topic)).map((entry) => ({ partition: entry.partition, offset: entry.high })),
    );
    return groupId;
  }

  it('dry run: per partition the committed offset, the target, and exactly the records and bytes the topic holds from there', async () => {
    const groupId = await groupAtEnd();
    const plan = await replay(targetsOf(stack), { groupId, topic, start: { kind: 'earliest' }, dryRun: true });
    assert.equal(plan.actionId, null);
    assert.deepEqual(
      plan.partitions.map((entry) => [entry.partition, entry.committed, entry.target, entry.end, entry.records, entry.estimatedBytes]),
      [0, 1, 2].map((partition) => {
        const { sizes } = held.get(partition)!;
        return [partition, String(sizes.length), '0', String(sizes.length), sizes.length, sizes.reduce((a, b) => a + b, 0)];
      }),
    );
    assert.equal(plan.totalRecords, 18);
    assert.equal(
      plan.totalEstimatedBytes,
      [...held.values()].flatMap((entry) => entry.sizes).reduce((a, b) => a + b, 0),
    );

    const fromTime = await replay(targetsOf(stack), { groupId, topic, start: { kind: 'time', atMs: T1 }, dryRun: true });
    assert.deepEqual(
      fromTime.partitions.map((entry) => entry.records),
      [0, 1, 2].map((partition) => held.get(partition)!.late),
    );
    assert.equal(fromTime.totalRecords, 8);

    // A sample smaller than the range: the average of the sampled records times the count.
    const sampled = await replay(targetsOf(stack), {
      groupId,
      topic,
      start: { kind: 'earliest' },
      dryRun: true,
      sampleRecordsPerPartition: 2,
    });
    for (const entry of sampled.partitions) {
      const [a, b] = held.get(entry.partition)!.sizes;
      assert.equal(entry.sampledRecords, 2);
      assert.equal(entry.estimatedBytes, Math.round(((a! + b!) / 2) * entry.records));
    }
    assert.deepEqual(await admin.groupOffsets(groupId, topic), { 0: '6', 1: '6', 2: '6' }, 'a dry run moves nothing');
  });

  it('moves an idle group to the given offsets and to the earliest records, audited', async () => {
    const groupId = await groupAtEnd();
    const result = await replay(targetsOf(stack), {
      groupId,
      topic,
      start: { kind: 'offsets', offsets: [{ partition: 1, offset: '2' }] },
      dryRun: false,
    });
    assert.deepEqual(result.moved, [{ partition: 1, from: '6', to: '2' }]);
    assert.deepEqual(await admin.groupOffsets(groupId, topic), { 0: '6', 1: '2', 2: '6' }, 'other partitions do not move');
    const audit = await auditRecords(stack, result.actionId!);
    assert.deepEqual(
      audit.map((entry) => `${entry.action} ${entry.status} ${entry.records}`),
      ['REPLAY STARTED 4', 'REPLAY COMPLETED 4'],
    );
    assert.equal(audit[0]!.target, groupId);
    assert.equal(audit[1]!.details['partition.1.from'], '6');
    assert.equal(audit[1]!.details['partition.1.to'], '2');

    await replay(targetsOf(stack), { groupId, topic, start: { kind: 'earliest' }, dryRun: false });
    assert.deepEqual(await admin.groupOffsets(groupId, topic), { 0: '0', 1: '0', 2: '0' });

    const forward = await replay(targetsOf(stack), { groupId, topic, start: { kind: 'time', atMs: T1 }, dryRun: true });
    assert.deepEqual(
      forward.partitions.map((entry) => entry.skipsRecords),
      [0, 1, 2].map((partition) => held.get(partition)!.sizes.length - held.get(partition)!.late),
      'a move past the committed offset says how many unprocessed records it skips',
    );

    await assert.rejects(
      replay(targetsOf(stack), { groupId, topic, start: { kind: 'offsets', offsets: [{ partition: 0, offset: '99' }] }, dryRun: false }),
      (error: unknown) => isTributaryError(error) && error.code === 'CLI_OFFSET_OUT_OF_RANGE',
    );
  });

  it('refuses a group with live members, and leaves a sink group with nothing in flight', async () => {
    const groupId = uniqueName('replay-test-sink');
    const marked = new Set<number>();
    let consumer: RangeConsumer | undefined;
    // The sink's step 1: commit the range's first offset with the in-flight marker.
    await new Promise<void>((resolve, reject) => {
      void startRangeConsumer({
        kafka: stack.kafka,
        logger,
        clientName: 'cli-replay-test-sink',
        groupId,
        topics: [topic],
        onRun: async (run) => {
          if (marked.has(run.partition)) return;
          marked.add(run.partition);
          await consumer!.commit(topic, run.partition, '0', 'tributary.sink/v1 inflight 0-3', run.generation);
          if (marked.size === 3) resolve();
        },
      }).then((started) => (consumer = started), reject);
    });
    try {
      await assert.rejects(
        replay(targetsOf(stack), { groupId, topic, start: { kind: 'earliest' }, dryRun: false }),
        (error: unknown) =>
          isTributaryError(error) && error.code === 'CLI_REPLAY_GROUP_ACTIVE' && /stop the consumers first/i.test(error.hint ?? ''),
      );
    } finally {
      await consumer!.stop();
    }
    const before = await admin.groupCommits(groupId, topic);
    assert.deepEqual(
      before.map((entry) => recoveryDecision(entry.offset, entry.metadata).kind),
      ['reform', 'reform', 'reform'],
      'the marker starts at the committed offset: the sink would re-form 0-3',
    );
    const plan = await replay(targetsOf(stack), { groupId, topic, start: { kind: 'earliest' }, dryRun: true });
    assert.ok(plan.partitions.every((entry) => entry.metadata === 'tributary.sink/v1 inflight 0-3'));

    const result = await replay(targetsOf(stack), { groupId, topic, start: { kind: 'earliest' }, dryRun: false });
    const after = await admin.groupCommits(groupId, topic);
    assert.deepEqual(
      after.map((entry) => [entry.offset, entry.metadata, recoveryDecision(entry.offset, entry.metadata).kind]),
      [
        ['0', '', 'normal'],
        ['0', '', 'normal'],
        ['0', '', 'normal'],
      ],
    );
    const audit = await auditRecords(stack, result.actionId!);
    assert.equal(audit[1]!.details['partition.0.cleared_metadata'], 'tributary.sink/v1 inflight 0-3');
  });

  it('runs as a command: --json dry run, and a clear refusal without a group', async () => {
    const groupId = await groupAtEnd();
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, ...args], { env: { ...processEnvironment(), ...stack.env }, encoding: 'utf8', timeout: 120_000 });
    const dry = run('--json', 'replay', '--group', groupId, '--topic', topic, '--earliest', '--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout) as { dryRun: boolean; totalRecords: number; partitions: Array<{ committed: string }> };
    assert.equal(plan.dryRun, true);
    assert.equal(plan.totalRecords, 18);
    assert.deepEqual(
      plan.partitions.map((entry) => entry.committed),
      ['6', '6', '6'],
    );
    const refused = run('replay', '--topic', topic, '--earliest');
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /CLI_REPLAY_GROUP.*--group <id> or --sink/);
    assert.match(run('replay', '--help').stdout, /idempotent end to end/);
  });
});
