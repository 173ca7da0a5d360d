// The Kafka runtime against the real stack (Kafka + Apicurio): producer → topic → runConsumer,
// schema evolution both ways, poison records to the dead-letter topic, transient failures
// retried and paused, graceful shutdown, oversized records refused (docs/adr/0015).
import assert from 'node:assert/strict';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { TributaryError, isTributaryError } from '@tributary/errors';
import { DLQ_HEADERS, createProducer, createSerde, readDeadLetterHeaders, runConsumer } from '@tributary/kafka';
import { createKafka } from '../../packages/kafka/src/client.ts';
import type { AvroSchema, ConsumedRecord, ConsumerRuntime, ConsumerRuntimeOptions, Producer, RuntimeEvent, Serde } from '@tributary/kafka';
import { startTracing } from '@tributary/telemetry';
import type { Tracing } from '@tributary/telemetry';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import {
  PING_INCOMPATIBLE,
  PING_V1,
  PING_V2,
  committedOffsets,
  delay,
  freshTopics,
  quietLogger,
  readRaw,
  registerSchema,
  waitFor,
} from './kafka-runtime-fixture.ts';
import type { Ping } from './kafka-runtime-fixture.ts';

describe('Kafka runtime: producer, serde and consumer runtime (integration)', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let tracing: Tracing;
  let producer: Producer;
  let serde: Serde;
  const runtimes: ConsumerRuntime[] = [];

  before(async () => {
    stack = await useTestStack();
    tracing = startTracing({ serviceName: 'kafka-runtime-test', otlpEndpoint: '' });
    producer = await createProducer({ kafka: stack.kafka, logger: quietLogger, clientName: 'runtime-test' });
    serde = createSerde(stack.registry);
  });

  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop({ deadlineMs: 5_000 })));
  });

  after(async () => {
    await producer?.close();
    await tracing?.shutdown();
  });

  async function start<T>(options: Omit<ConsumerRuntimeOptions<T>, 'kafka' | 'registry' | 'logger'>): Promise<ConsumerRuntime> {
    const runtime = await runConsumer<T>({
      kafka: stack.kafka,
      registry: stack.registry,
      logger: quietLogger,
      shutdownSignals: [],
      maxWaitTimeMs: 100,
      heartbeatIntervalMs: 500,
      sessionTimeoutMs: 10_000,
      ...options,
    });
    runtimes.push(runtime);
    return runtime;
  }

  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parentContext = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });

  it('round-trips with schema evolution: v1 and v2 records read by a v2 reader and by a v1 reader', async () => {
    const { topic, service } = await freshTopics(stack.kafka, 3);
    const subject = `${topic}-value`;
    await registerSchema(stack.registry, subject, PING_V1);
    await registerSchema(stack.registry, subject, PING_V2);
    const v1 = await serde.encoder<Ping>(subject, { schema: PING_V1 });
    const v2 = await serde.encoder<Ping>(subject, { schema: PING_V2 });
    assert.notEqual(v1.schemaId, v2.schemaId);

    const records = [
      ...[0, 1, 2, 3, 4].map((n) => ({ topic, key: `TIKTOK:${n}`, value: v1.encode({ id: `v1-${n}`, count: n }) })),
      ...[5, 6, 7, 8, 9].map((n) => ({ topic, key: `TIKTOK:${n % 5}`, value: v2.encode({ id: `v2-${n}`, count: n, note: `n${n}` }) })),
    ];
    const sent = await context.with(parentContext, () => producer.send(records));
    assert.equal(sent.records, 10);

    const readAs = async (reader: AvroSchema): Promise<ConsumedRecord<Ping>[]> => {
      const seen: ConsumedRecord<Ping>[] = [];
      await start<Ping>({
        service,
        groupId: uniqueName('test-group'),
        topics: [topic],
        readerSchemas: { [topic]: reader },
        handleBatch: async (batch) => {
          seen.push(...batch.records);
        },
      });
      await waitFor('10 records', () => seen.length >= 10);
      return seen.sort((a, b) => a.value.count - b.value.count);
    };

    const asV2 = await readAs(PING_V2);
    assert.deepEqual(
      asV2.map((record) => ({ ...record.value })),
      [
        ...[0, 1, 2, 3, 4].map((n) => ({ id: `v1-${n}`, count: n, note: null })),
        ...[5, 6, 7, 8, 9].map((n) => ({ id: `v2-${n}`, count: n, note: `n${n}` })),
      ],
    );
    assert.deepEqual(
      asV2.map((record) => record.schemaId),
      [...Array(5).fill(v1.schemaId), ...Array(5).fill(v2.schemaId)],
    );
    // Same key, same partition (murmur2), and every record continues the producer's trace.
    for (let n = 0; n < 5; n++) assert.equal(asV2[n]!.partition, asV2[n + 5]!.partition, `key TIKTOK:${n}`);
    for (const record of asV2) assert.equal(trace.getSpanContext(record.traceContext)?.traceId, traceId);
    assert.equal(asV2[0]!.key, 'TIKTOK:0');

    const asV1 = await readAs(PING_V1);
    assert.deepEqual(
      asV1.map((record) => ({ ...record.value })),
      [...[0, 1, 2, 3, 4].map((n) => ({ id: `v1-${n}`, count: n })), ...[5, 6, 7, 8, 9].map((n) => ({ id: `v2-${n}`, count: n }))],
    );
  });

  it('dead-letters every kind of poison record with its original bytes and origin headers, handles all good ones, commits past all', async () => {
    const { topic, service, deadLetterTopic } = await freshTopics(stack.kafka, 1);
    const subject = `${topic}-value`;
    await registerSchema(stack.registry, subject, PING_V1);
    const otherSubject = `${topic}-other-value`;
    await registerSchema(stack.registry, otherSubject, PING_INCOMPATIBLE);
    const encoder = await serde.encoder<Ping>(subject, { schema: PING_V1 });
    const incompatible = (await serde.encoder<{ id: number }>(otherSubject, { schema: PING_INCOMPATIBLE })).encode({ id: 7 });
    const unknownId = encoder.encode({ id: 'unknown', count: 0 });
    unknownId.writeUInt32BE(2_000_000_000, 1);

    const good = (n: number): Buffer => encoder.encode({ id: `good-${n}`, count: n });
    const values: Array<[kind: string, value: Buffer | null]> = [
      ['good', good(0)],
      ['SERDE_BAD_MAGIC', Buffer.from('{"id":"json instead of avro"}')],
      ['good', good(2)],
      ['SERDE_UNKNOWN_SCHEMA_ID', unknownId],
      ['SERDE_TRUNCATED_AVRO', good(4).subarray(0, 9)],
      ['SERDE_INCOMPATIBLE', incompatible],
      ['good', good(6)],
      ['SERDE_TOO_SHORT', Buffer.from([0, 0, 0])],
      ['SERDE_INVALID_AVRO', Buffer.concat([good(8), Buffer.from([0xde, 0xad])])],
      ['good', good(9)],
    ];
    await producer.send(values.map(([kind, value], n) => ({ topic, key: `K:${n}`, value, headers: { 'test-kind': kind } })));

    const groupId = uniqueName('test-group');
    const handled: string[] = [];
    const events: RuntimeEvent[] = [];
    await start<Ping>({
      service,
      groupId,
      topics: [topic],
      readerSchemas: { [topic]: PING_V1 },
      handleBatch: async (batch) => {
        handled.push(...batch.records.map((record) => record.value.id));
      },
      onEvent: (event) => events.push(event),
    });
    await waitFor('the last offset committed', async () => (await committedOffsets(stack.kafka, groupId, topic))[0] === '10');

    assert.deepEqual(handled, ['good-0', 'good-2', 'good-6', 'good-9']);
    const letters = await readRaw(stack.kafka, deadLetterTopic, 6);
    assert.equal(letters.length, 6);
    for (const letter of letters) {
      const offset = Number(letter.headers[DLQ_HEADERS.originOffset]);
      const [kind, value] = values[offset]!;
      const context = readDeadLetterHeaders(letter.headers)!;
      assert.equal(context.errorCode, kind, `offset ${offset}`);
      assert.equal(context.originTopic, topic);
      assert.equal(context.originPartition, '0');
      assert.equal(context.stage, 'deserialize');
      assert.equal(context.errorClass, 'SerdeError');
      assert.equal(context.service, service);
      assert.equal(context.attempts, '1');
      assert.ok(context.errorMessage.length > 0);
      assert.ok(!Number.isNaN(Date.parse(context.failedAt)));
      assert.deepEqual(letter.value, value, 'original bytes');
      assert.equal(letter.key, `K:${offset}`);
      assert.equal(letter.headers['test-kind'], kind, 'original headers');
    }
    assert.deepEqual(letters.map((letter) => letter.headers[DLQ_HEADERS.originOffset]).sort(), ['1', '3', '4', '5', '7', '8']);
    assert.equal(events.filter((event) => event.type === 'dead-lettered').length, 6);
  });

  it('retries a transiently failing handler in place: nothing dead-lettered, each record processed once, committed once', async () => {
    const { topic, service, deadLetterTopic } = await freshTopics(stack.kafka, 1);
    const subject = `${topic}-value`;
    await registerSchema(stack.registry, subject, PING_V1);
    const encoder = await serde.encoder<Ping>(subject, { schema: PING_V1 });
    await producer.send([0, 1, 2, 3, 4].map((n) => ({ topic, key: `K:${n}`, value: encoder.encode({ id: `p${n}`, count: n }) })));

    const groupId = uniqueName('test-group');
    let failures = 3;
    const processed = new Map<string, number>();
    const events: RuntimeEvent[] = [];
    const runtime = await start<Ping>({
      service,
      groupId,
      topics: [topic],
      readerSchemas: { [topic]: PING_V1 },
      retry: { attempts: 5, initialDelayMs: 50, maxDelayMs: 200 },
      handleBatch: async (batch) => {
        if (failures > 0) {
          failures -= 1;
          throw new TributaryError('TEST_DOWNSTREAM_UNAVAILABLE', 'downstream is down', { failureType: 'transient' });
        }
        for (const record of batch.records) processed.set(record.value.id, (processed.get(record.value.id) ?? 0) + 1);
      },
      onEvent: (event) => events.push(event),
    });
    await waitFor('offset 5 committed', async () => (await committedOffsets(stack.kafka, groupId, topic))[0] === '5');
    await delay(500);

    assert.deepEqual(Object.fromEntries(processed), { p0: 1, p1: 1, p2: 1, p3: 1, p4: 1 });
    assert.deepEqual(
      events.filter((event) => event.type === 'retry').map((event) => (event as { attempt: number }).attempt),
      [1, 2, 3],
    );
    assert.deepEqual(
      events.filter((event) => event.type === 'committed'),
      [{ type: 'committed', topic, partition: 0, offset: '5' }],
    );
    assert.equal(runtime.stats().topics[topic]!.deadLettered, 0);
    assert.deepEqual(await readRaw(stack.kafka, deadLetterTopic, 1, 1_000), []);
  });

  it('pauses the partition when transient failures outlast the retries, then resumes and delivers everything', async () => {
    const { topic, service, deadLetterTopic } = await freshTopics(stack.kafka, 1);
    const subject = `${topic}-value`;
    await registerSchema(stack.registry, subject, PING_V1);
    const encoder = await serde.encoder<Ping>(subject, { schema: PING_V1 });
    await producer.send([0, 1, 2].map((n) => ({ topic, key: `K:${n}`, value: encoder.encode({ id: `p${n}`, count: n }) })));

    const groupId = uniqueName('test-group');
    let downUntil = Date.now() + 1_500;
    const processed: string[] = [];
    const events: RuntimeEvent[] = [];
    const runtime = await start<Ping>({
      service,
      groupId,
      topics: [topic],
      readerSchemas: { [topic]: PING_V1 },
      retry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 50 },
      retryPauseMs: 600,
      maxRetryPauseMs: 600,
      handleBatch: async (batch) => {
        if (Date.now() < downUntil) throw new TributaryError('TEST_DOWNSTREAM_UNAVAILABLE', 'still down', { failureType: 'transient' });
        processed.push(...batch.records.map((record) => record.value.id));
      },
      onEvent: (event) => events.push(event),
    });
    await waitFor('a pause', () => events.some((event) => event.type === 'paused'));
    assert.equal(runtime.stats().paused.length, 1);
    assert.deepEqual(processed, []);
    downUntil = 0;
    await waitFor('offset 3 committed', async () => (await committedOffsets(stack.kafka, groupId, topic))[0] === '3');
    assert.deepEqual(processed, ['p0', 'p1', 'p2']);
    assert.ok(events.some((event) => event.type === 'resumed'));
    assert.deepEqual(await readRaw(stack.kafka, deadLetterTopic, 1, 1_000), []);
  });

  it('dead-letters records the handler rejects as data errors, with its stage', async () => {
    const { topic, service, deadLetterTopic } = await freshTopics(stack.kafka, 1);
    const subject = `${topic}-value`;
    await registerSchema(stack.registry, subject, PING_V1);
    const encoder = await serde.encoder<Ping>(subject, { schema: PING_V1 });
    await producer.send([0, 1, 2].map((n) => ({ topic, key: `K:${n}`, value: encoder.encode({ id: `p${n}`, count: n - 1 }) })));
    const groupId = uniqueName('test-group');
    await start<Ping>({
      service,
      groupId,
      topics: [topic],
      stage: 'sink',
      readerSchemas: { [topic]: PING_V1 },
      handleBatch: async (batch) => ({
        rejected: batch.records
          .filter((record) => record.value.count < 0)
          .map((record) => ({
            record,
            error: new TributaryError('TEST_NEGATIVE_COUNT', `count ${record.value.count} < 0`, { failureType: 'data' }),
          })),
      }),
    });
    await waitFor('offset 3 committed', async () => (await committedOffsets(stack.kafka, groupId, topic))[0] === '3');
    const [letter, ...rest] = await readRaw(stack.kafka, deadLetterTopic, 1);
    assert.deepEqual(rest, []);
    assert.equal(letter!.headers[DLQ_HEADERS.errorCode], 'TEST_NEGATIVE_COUNT');
    assert.equal(letter!.headers[DLQ_HEADERS.stage], 'sink');
    assert.equal(letter!.headers[DLQ_HEADERS.originOffset], '0');
    assert.equal(letter!.headers[DLQ_HEADERS.errorMessage], 'count -1 < 0');
  });

  it('on stop, lets the in-flight batch finish and commits it; at the deadline, abandons it uncommitted', async () => {
    const { topic, service } = await freshTopics(stack.kafka, 1);
    const subject = `${topic}-value`;
    await registerSchema(stack.registry, subject, PING_V1);
    const encoder = await serde.encoder<Ping>(subject, { schema: PING_V1 });
    await producer.send([0, 1, 2].map((n) => ({ topic, key: `K:${n}`, value: encoder.encode({ id: `p${n}`, count: n }) })));

    const groupId = uniqueName('test-group');
    let entered = false;
    let finished = false;
    const runtime = await start<Ping>({
      service,
      groupId,
      topics: [topic],
      readerSchemas: { [topic]: PING_V1 },
      handleBatch: async () => {
        entered = true;
        await delay(1_500);
        finished = true;
      },
    });
    await waitFor('the handler to start', () => entered);
    const result = await runtime.stop({ deadlineMs: 10_000 });
    assert.deepEqual(result, { abandoned: false });
    assert.ok(finished, 'the in-flight batch finished before stop() resolved');
    assert.deepEqual(await committedOffsets(stack.kafka, groupId, topic), { 0: '3' });
    await runtime.done;
    assert.equal(runtime.stats().phase, 'stopped');

    // Same topic, new group, a handler that outlives the deadline.
    const hangingGroup = uniqueName('test-group');
    let started = false;
    let signalled = false;
    const hanging = await start<Ping>({
      service,
      groupId: hangingGroup,
      topics: [topic],
      readerSchemas: { [topic]: PING_V1 },
      handleBatch: async (_batch, handlerContext) => {
        started = true;
        handlerContext.signal.addEventListener('abort', () => (signalled = true));
        await delay(4_000);
      },
    });
    await waitFor('the handler to start', () => started);
    const abandoned = await hanging.stop({ deadlineMs: 500 });
    assert.deepEqual(abandoned, { abandoned: true });
    assert.ok(signalled, 'the handler was told through its AbortSignal');
    await delay(4_000);
    const offsets = await committedOffsets(stack.kafka, hangingGroup, topic);
    assert.ok(offsets[0] === undefined || offsets[0] === '-1', `nothing committed, got ${JSON.stringify(offsets)}`);
  });

  it('survives rebalances: a second member joins and the first leaves mid-stream; every record handled, all offsets committed', async () => {
    const { topic, service, deadLetterTopic } = await freshTopics(stack.kafka, 4);
    const subject = `${topic}-value`;
    await registerSchema(stack.registry, subject, PING_V1);
    const encoder = await serde.encoder<Ping>(subject, { schema: PING_V1 });
    const total = 400;
    await producer.send([...Array(total).keys()].map((n) => ({ topic, key: `K:${n}`, value: encoder.encode({ id: `p${n}`, count: n }) })));

    const groupId = uniqueName('test-group');
    const handledBy = new Map<string, Set<string>>();
    const member = (name: string) =>
      start<Ping>({
        service,
        groupId,
        topics: [topic],
        readerSchemas: { [topic]: PING_V1 },
        maxBatchRecords: 5,
        maxBytesPerPartition: 4_096, // small fetches, so a rebalance finds work left to hand over
        handleBatch: async (batch) => {
          await delay(50); // slow enough (about 4 s in all) that the rebalances land mid-stream
          for (const record of batch.records) {
            const seen = handledBy.get(record.value.id) ?? new Set<string>();
            seen.add(name);
            handledBy.set(record.value.id, seen);
          }
        },
      });
    const first = await member('first');
    await waitFor('some progress', () => handledBy.size >= 40);
    const second = await member('second');
    await waitFor('the second member to own partitions', () => Object.values(second.stats().assignment).flat().length > 0);
    await first.stop({ deadlineMs: 10_000 });
    await waitFor('every record handled', () => handledBy.size === total, 60_000);
    await waitFor(
      'every partition committed to its end',
      async () => {
        const offsets = await committedOffsets(stack.kafka, groupId, topic);
        const ends = await producerEnds(topic);
        return [0, 1, 2, 3].every((partition) => offsets[partition] === ends[partition]);
      },
      30_000,
    );
    assert.ok(
      [...handledBy.values()].some((members) => members.has('second')),
      'the second member took over partitions',
    );
    assert.deepEqual(await readRaw(stack.kafka, deadLetterTopic, 1, 1_000), []);
  });

  /** The end offset (next offset to write) of each partition of `topic`. */
  async function producerEnds(topic: string): Promise<Record<number, string>> {
    const admin = createKafka(stack.kafka, 'test-ends', quietLogger).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return Object.fromEntries(offsets.map((entry) => [entry.partition, entry.high]));
    } finally {
      await admin.disconnect();
    }
  }

  it('refuses to start without its dead-letter topic (never created implicitly)', async () => {
    const { topic } = await freshTopics(stack.kafka, 1);
    await assert.rejects(
      start({
        service: uniqueName('no-dlq'),
        groupId: uniqueName('g'),
        topics: [topic],
        readerSchemas: { [topic]: PING_V1 },
        handleBatch: async () => undefined,
      }),
      (error: unknown) =>
        isTributaryError(error) &&
        error.code === 'KAFKA_TOPIC_MISSING' &&
        /dlq\.no-dlq/.test(error.message) &&
        error.failureType === 'config',
    );
  });

  it('produces a record just under the size limit and refuses one over it, sending nothing of that send', async () => {
    const { topic } = await freshTopics(stack.kafka, 1);
    const small = { topic, key: 'K:small', value: Buffer.alloc(10) };
    const limit = 1_048_588; // the broker's default message.max.bytes
    const fits = { topic, key: 'K:fits', value: Buffer.alloc(limit - 200) };
    await producer.send([fits]);
    await assert.rejects(producer.send([small, { topic, key: 'K:big', value: Buffer.alloc(limit) }]), (error: unknown) => {
      assert.ok(isTributaryError(error));
      assert.equal(error.code, 'KAFKA_RECORD_TOO_LARGE');
      assert.equal(error.failureType, 'data');
      assert.match(error.message, /key K:big/);
      return true;
    });
    const records = await readRaw(stack.kafka, topic, 2, 3_000);
    assert.deepEqual(
      records.map((record) => record.key),
      ['K:fits'],
    );
  });
});
