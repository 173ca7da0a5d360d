// kafkajs 2.2.4 against the broker the local stack runs (Apache Kafka 4.1.1, KRaft). Kafka 4.0
// removed old protocol versions (KIP-896); kafkajs is unmaintained, so every client feature
// Tributary relies on is exercised here once: admin, produce, consumer groups, idempotence,
// transactions (docs/adr/0006). Runs on a private stack so the broker version is certain.
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, EachMessagePayload, Producer } from 'kafkajs';
import { KAFKA_VERSION } from '@tributary/local-stack';
import { uniqueName } from '@tributary/testing';
import { startPrivateStack } from './local-stack-fixture.ts';
import type { StartedPrivateStack } from './local-stack-fixture.ts';

// kafkajs is CommonJS and Node's static analysis misses some of its exports: take them off the module object.
const { AssignerProtocol, CompressionTypes, ConfigResourceTypes, Kafka, logLevel } = kafkajs;
type Kafka = InstanceType<typeof Kafka>;

async function eventually<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe(`kafkajs 2.2.4 against Kafka ${KAFKA_VERSION} (integration)`, function () {
  this.timeout(300_000);
  let stack: StartedPrivateStack;
  let kafka: Kafka;
  let admin: Admin;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    stack = await startPrivateStack('kafka-compat', ['kafka']);
    kafka = new Kafka({ clientId: 'kafka-compat', brokers: [stack.up.endpoints.kafkaBrokers], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await admin?.disconnect();
    await stack?.dispose();
  });

  async function producer(options: Parameters<Kafka['producer']>[0] = {}): Promise<Producer> {
    const p = kafka.producer({ allowAutoTopicCreation: false, ...options });
    await p.connect();
    cleanups.push(() => p.disconnect());
    return p;
  }

  async function consumer(groupId: string, options: Partial<Parameters<Kafka['consumer']>[0]> = {}): Promise<Consumer> {
    const c = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200, ...options });
    await c.connect();
    cleanups.push(() => c.disconnect());
    return c;
  }

  async function topic(partitions = 1): Promise<string> {
    const name = uniqueName('compat');
    assert.equal(await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions }], waitForLeaders: true }), true);
    return name;
  }

  async function consumeAll(c: Consumer, name: string, expected: number): Promise<EachMessagePayload[]> {
    const seen: EachMessagePayload[] = [];
    await c.subscribe({ topic: name, fromBeginning: true });
    await c.run({ eachMessage: async (payload) => void seen.push(payload) });
    await eventually(
      () => seen.length,
      (n) => n >= expected,
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything beyond `expected` would show up now
    return seen;
  }

  describe('admin', () => {
    it('creates, describes, lists and deletes topics, and adds partitions', async () => {
      const name = await topic(2);
      assert.ok((await admin.listTopics()).includes(name));
      const metadata = await admin.fetchTopicMetadata({ topics: [name] });
      assert.equal(metadata.topics[0]?.partitions.length, 2);
      assert.equal(metadata.topics[0]?.partitions[0]?.leader, 1);

      await admin.createPartitions({ topicPartitions: [{ topic: name, count: 3 }] });
      assert.equal((await admin.fetchTopicMetadata({ topics: [name] })).topics[0]?.partitions.length, 3);

      await admin.deleteTopics({ topics: [name] });
      assert.ok(
        !(
          await eventually(
            () => admin.listTopics(),
            (topics) => !topics.includes(name),
          )
        ).includes(name),
      );
    });

    it('refuses to create a topic implicitly (auto.create.topics.enable=false)', async () => {
      const p = await producer({ retry: { retries: 1 } });
      await assert.rejects(
        p.send({ topic: uniqueName('never-created'), messages: [{ value: 'x' }] }),
        /This server does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION/,
      );
    });

    it('describes the cluster and reads and alters topic configs', async () => {
      const cluster = await admin.describeCluster();
      assert.equal(cluster.brokers.length, 1);
      assert.equal(cluster.brokers[0]?.host, '127.0.0.1');

      const name = await topic();
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
      });
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] }],
      });
      assert.equal(described.resources[0]?.configEntries.find((entry) => entry.configName === 'retention.ms')?.configValue, '3600000');
    });

    it('lists offsets (latest, earliest, by timestamp) and deletes records', async () => {
      const name = await topic();
      const p = await producer();
      const before = Date.now();
      await p.send({ topic: name, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
      assert.deepEqual(await admin.fetchTopicOffsets(name), [{ partition: 0, offset: '3', high: '3', low: '0' }]);
      assert.deepEqual(await admin.fetchTopicOffsetsByTimestamp(name, before - 1), [{ partition: 0, offset: '0' }]);
      await admin.deleteTopicRecords({ topic: name, partitions: [{ partition: 0, offset: '2' }] });
      assert.equal((await admin.fetchTopicOffsets(name))[0]?.low, '2');
    });
  });

  describe('produce and consume', () => {
    it('round-trips keys, values, headers and timestamps, uncompressed and gzip', async () => {
      const name = await topic();
      const p = await producer();
      await p.send({
        topic: name,
        acks: -1,
        messages: [{ key: 'k1', value: 'v1', headers: { traceparent: '00-abc-def-01' }, timestamp: '1700000000000' }],
      });
      await p.send({ topic: name, compression: CompressionTypes.GZIP, messages: [{ key: 'k2', value: 'ü'.repeat(1000) }] });
      const seen = await consumeAll(await consumer(uniqueName('g')), name, 2);
      assert.equal(seen.length, 2);
      assert.equal(seen[0]?.message.key?.toString(), 'k1');
      assert.equal(seen[0]?.message.headers?.traceparent?.toString(), '00-abc-def-01');
      assert.equal(seen[0]?.message.timestamp, '1700000000000');
      assert.equal(seen[1]?.message.value?.toString(), 'ü'.repeat(1000));
    });

    it('commits group offsets, resumes from them, and shares partitions between group members', async () => {
      const name = await topic(2);
      const groupId = uniqueName('group');
      const p = await producer();
      await p.send({ topic: name, messages: [0, 1, 2, 3].map((i) => ({ key: `k${i}`, value: `first-${i}`, partition: i % 2 })) });

      const first = await consumer(groupId);
      assert.equal((await consumeAll(first, name, 4)).length, 4);
      await first.disconnect();
      const committed = await admin.fetchOffsets({ groupId, topics: [name] });
      assert.deepEqual(committed[0]?.partitions.map((partition) => partition.offset).sort(), ['2', '2']);

      await p.send({ topic: name, messages: [{ value: 'second', partition: 0 }] });
      const resumed = await consumeAll(await consumer(groupId), name, 1);
      assert.deepEqual(
        resumed.map((m) => m.message.value?.toString()),
        ['second'],
        'only what came after the committed offsets',
      );

      const groups = await admin.listGroups();
      assert.ok(groups.groups.some((group) => group.groupId === groupId));

      const shared = uniqueName('shared');
      const a = await consumer(shared);
      const b = await consumer(shared);
      await a.subscribe({ topic: name, fromBeginning: true });
      await b.subscribe({ topic: name, fromBeginning: true });
      await a.run({ eachMessage: async () => undefined });
      await b.run({ eachMessage: async () => undefined });
      const described = await eventually(
        () => admin.describeGroups([shared]),
        (result) => result.groups[0]?.state === 'Stable' && result.groups[0]?.members.length === 2,
      );
      const assignments = described.groups[0]!.members.map(
        (member) => AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[name] ?? [],
      );
      assert.deepEqual(assignments.flat().sort(), [0, 1], 'each partition assigned to exactly one member');
    });

    it('resets group offsets and deletes groups', async () => {
      const name = await topic();
      const groupId = uniqueName('reset');
      const p = await producer();
      await p.send({ topic: name, messages: [{ value: 'a' }, { value: 'b' }] });
      const c = await consumer(groupId);
      await consumeAll(c, name, 2);
      await c.disconnect();
      await admin.setOffsets({ groupId, topic: name, partitions: [{ partition: 0, offset: '1' }] });
      assert.equal((await admin.fetchOffsets({ groupId, topics: [name] }))[0]?.partitions[0]?.offset, '1');
      await admin.deleteGroups([groupId]);
      assert.ok(!(await admin.listGroups()).groups.some((group) => group.groupId === groupId));
    });
  });

  describe('exactly-once building blocks', () => {
    it('produces idempotently without duplicates', async () => {
      const name = await topic();
      const p = await producer({ idempotent: true, maxInFlightRequests: 1 });
      for (let batch = 0; batch < 5; batch++)
        await p.send({ topic: name, messages: Array.from({ length: 20 }, (_, i) => ({ value: `${batch}-${i}` })) });
      assert.equal((await admin.fetchTopicOffsets(name))[0]?.offset, '100');
      const seen = await consumeAll(await consumer(uniqueName('g')), name, 100);
      assert.equal(new Set(seen.map((m) => m.message.value?.toString())).size, 100);
    });

    it('makes committed transactions visible and aborted ones invisible to read_committed consumers', async () => {
      const name = await topic();
      const p = await producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });

      const committed = await p.transaction();
      await committed.send({ topic: name, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
      await committed.commit();
      const aborted = await p.transaction();
      await aborted.send({ topic: name, messages: [{ value: 'aborted' }] });
      await aborted.abort();
      const last = await p.transaction();
      await last.send({ topic: name, messages: [{ value: 'committed-3' }] });
      await last.commit();

      const readCommitted = await consumeAll(await consumer(uniqueName('rc')), name, 3);
      assert.deepEqual(
        readCommitted.map((m) => m.message.value?.toString()),
        ['committed-1', 'committed-2', 'committed-3'],
      );

      const readUncommitted = await consumeAll(await consumer(uniqueName('ru'), { readUncommitted: true }), name, 4);
      assert.deepEqual(
        readUncommitted.map((m) => m.message.value?.toString()),
        ['committed-1', 'committed-2', 'aborted', 'committed-3'],
      );
    });

    it('commits consumer offsets inside a transaction (consume-transform-produce)', async () => {
      const input = await topic();
      const output = await topic();
      const groupId = uniqueName('eos');
      const p = await producer();
      await p.send({ topic: input, messages: [{ value: 'in' }] });

      const tx = await (await producer({ transactionalId: uniqueName('eos-tx'), idempotent: true, maxInFlightRequests: 1 })).transaction();
      await tx.send({ topic: output, messages: [{ value: 'out' }] });
      await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '1' }] }] });
      await tx.commit();

      // Transactional offsets become readable once the coordinator has applied the commit marker,
      // which can trail commit() by a moment under load: poll instead of reading once.
      let committed: string | undefined;
      for (let i = 0; i < 50 && committed !== '1'; i++) {
        committed = (await admin.fetchOffsets({ groupId, topics: [input] }))[0]?.partitions[0]?.offset;
        if (committed !== '1') await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(committed, '1');
      const out = await consumeAll(await consumer(uniqueName('out')), output, 1);
      assert.deepEqual(
        out.map((m) => m.message.value?.toString()),
        ['out'],
      );
    });
  });
});
