// The delivery rules of one partition batch, without a broker: what is handled, what is
// dead-lettered (with which headers), what is resolved and committed, when the partition is
// paused and when the runtime is stopped.
import assert from 'node:assert/strict';
import { TributaryError } from '@tributary/errors';
import { createSerde, DLQ_HEADERS, readDeadLetterHeaders } from '../src/index.ts';
import type { ConsumedRecord, Encoder, HandleOutcome, HandlerBatch, ProducedRecord, RuntimeEvent } from '../src/index.ts';
import { emptyTopicStats, processPartitionBatch } from '../src/batch-processor.ts';
import type { BatchProcessorOptions, PartitionBatch } from '../src/batch-processor.ts';
import type { OriginalRecord } from '../src/dead-letter.ts';
import { FakeControl, MapLookup, PING_V1 } from './fakes.ts';

interface Ping {
  id: string;
  count: number;
}

const TOPIC = 'social.raw.pings';

function message(offset: number, value: Buffer | null, key = `TIKTOK:${offset}`): OriginalRecord {
  return {
    topic: TOPIC,
    partition: 2,
    offset: String(offset),
    key: Buffer.from(key),
    value,
    headers: { traceparent: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), origin: Buffer.from('test') },
    timestamp: 1_795_413_600_000 + offset,
  };
}

const transient = (): TributaryError => new TributaryError('CLICKHOUSE_UNAVAILABLE', 'ClickHouse is down', { failureType: 'transient' });
const bad = (why: string): TributaryError => new TributaryError('QUALITY_REJECTED', why, { failureType: 'data' });

describe('kafka/batch-processor', () => {
  let encoder: Encoder<Ping>;
  let lookup: MapLookup;

  beforeEach(async () => {
    lookup = new MapLookup();
    encoder = await createSerde(lookup).encoder<Ping>('pings-value', { schema: PING_V1 });
  });

  function setup(
    handler: (batch: HandlerBatch<Ping>, attempt: number) => Promise<HandleOutcome<Ping> | void>,
    overrides: Partial<BatchProcessorOptions<Ping>> = {},
  ) {
    const serde = createSerde(lookup);
    const deadLetters: ProducedRecord[] = [];
    const handled: Array<{ offsets: string[]; attempt: number }> = [];
    const events: RuntimeEvent[] = [];
    const stats = emptyTopicStats();
    const control = new FakeControl();
    const options: BatchProcessorOptions<Ping> = {
      service: 'transform-test',
      stage: 'transform',
      deadLetterTopic: 'dlq.transform-test',
      decoder: serde.decoder<Ping>(PING_V1),
      loadWriterSchemas: (ids) => serde.load(ids),
      handler: async (batch, context) => {
        handled.push({ offsets: batch.records.map((record) => record.offset), attempt: context.attempt });
        return handler(batch, context.attempt);
      },
      sendDeadLetters: async (records) => {
        deadLetters.push(...records);
      },
      maxBatchRecords: 100,
      retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 40 },
      heartbeatIntervalMs: 1000,
      stats,
      emit: (event) => events.push(event),
      now: () => new Date('2026-11-23T12:00:00.000Z'),
      random: () => 1,
      ...overrides,
    };
    return { options, control, deadLetters, handled, events, stats };
  }

  const good = (offset: number): OriginalRecord => message(offset, encoder.encode({ id: `p${offset}`, count: offset }));
  const batchOf = (messages: OriginalRecord[], lastOffset?: string): PartitionBatch => ({
    topic: TOPIC,
    partition: 2,
    messages,
    lastOffset: lastOffset ?? messages.at(-1)!.offset,
  });

  it('hands decoded records to the handler and commits past the batch (control records included)', async () => {
    const seen: ConsumedRecord<Ping>[] = [];
    const { options, control, stats } = setup(async (batch) => {
      seen.push(...batch.records);
    });
    const result = await processPartitionBatch(batchOf([good(10), good(11)], '12'), control, options);
    assert.equal(result.outcome, 'done');
    assert.deepEqual(control.commits, ['13']);
    assert.deepEqual(
      seen.map((record) => [record.offset, record.key, { ...record.value }, record.schemaId]),
      [
        ['10', 'TIKTOK:10', { id: 'p10', count: 10 }, 7],
        ['11', 'TIKTOK:11', { id: 'p11', count: 11 }, 7],
      ],
    );
    assert.equal(seen[0]!.timestamp, 1_795_413_600_010);
    assert.deepEqual(stats, { received: 2, handled: 2, deadLettered: 0, retries: 0, errors: 0, commits: 1 });
  });

  it('dead-letters each poison record with its original bytes and headers, in place, and the partition keeps flowing', async () => {
    const unknownId = encoder.encode({ id: 'x', count: 1 });
    unknownId.writeUInt32BE(404, 1);
    const truncated = encoder.encode({ id: 'truncated', count: 1 }).subarray(0, 8);
    const poison = [
      message(21, Buffer.from('{"id":"json"}')), // bad magic
      message(23, unknownId),
      message(24, truncated),
      message(25, Buffer.from([0, 0])), // too short
      message(26, null),
    ];
    const messages = [good(20), poison[0]!, good(22), poison[1]!, poison[2]!, poison[3]!, poison[4]!, good(27)];
    const { options, control, deadLetters, handled, stats, events } = setup(async () => undefined);
    const result = await processPartitionBatch(batchOf(messages), control, options);

    assert.equal(result.outcome, 'done');
    assert.deepEqual(
      handled.map((call) => call.offsets),
      [['20'], ['22'], ['27']],
    );
    assert.deepEqual(
      deadLetters.map((record) => [
        readDeadLetterHeaders(record.headers!)!.originOffset,
        readDeadLetterHeaders(record.headers!)!.errorCode,
      ]),
      [
        ['21', 'SERDE_BAD_MAGIC'],
        ['23', 'SERDE_UNKNOWN_SCHEMA_ID'],
        ['24', 'SERDE_TRUNCATED_AVRO'],
        ['25', 'SERDE_TOO_SHORT'],
        ['26', 'SERDE_TOO_SHORT'],
      ],
    );
    const first = deadLetters[0]!;
    assert.equal(first.topic, 'dlq.transform-test');
    assert.deepEqual(first.key, Buffer.from('TIKTOK:21'));
    assert.deepEqual(first.value, Buffer.from('{"id":"json"}'));
    assert.deepEqual(first.headers!.origin, Buffer.from('test'));
    assert.ok(first.headers!.traceparent, 'the original traceparent travels with the dead letter');
    assert.deepEqual(readDeadLetterHeaders(first.headers!), {
      originTopic: TOPIC,
      originPartition: '2',
      originOffset: '21',
      originTimestamp: '1795413600021',
      stage: 'deserialize',
      errorCode: 'SERDE_BAD_MAGIC',
      errorClass: 'SerdeError',
      errorMessage: first.headers![DLQ_HEADERS.errorMessage],
      failedAt: '2026-11-23T12:00:00.000Z',
      attempts: '1',
      service: 'transform-test',
    });
    assert.equal(deadLetters[4]!.value, null);
    assert.deepEqual(control.resolved, ['20', '21', '22', '26', '27', '27']);
    assert.deepEqual(control.commits, ['28']);
    assert.equal(stats.deadLettered, 5);
    assert.equal(stats.handled, 3);
    assert.equal(events.filter((event) => event.type === 'dead-lettered').length, 5);
  });

  it('retries a transient handler failure in place, then succeeds: handled once, nothing dead-lettered, committed once', async () => {
    let failures = 2;
    const { options, control, deadLetters, handled, stats } = setup(async () => {
      if (failures-- > 0) throw transient();
    });
    const result = await processPartitionBatch(batchOf([good(1), good(2)]), control, options);
    assert.equal(result.outcome, 'done');
    assert.deepEqual(
      handled.map((call) => call.attempt),
      [1, 2, 3],
    );
    assert.deepEqual(control.slept, [10, 20]);
    assert.deepEqual(deadLetters, []);
    assert.deepEqual(control.commits, ['3']);
    assert.equal(stats.retries, 2);
    assert.equal(stats.errors, 2);
  });

  it('pauses the partition when transient failures outlast the retries: nothing resolved, committed or dead-lettered', async () => {
    const { options, control, deadLetters } = setup(async () => {
      throw transient();
    });
    const result = await processPartitionBatch(batchOf([good(1), good(2)]), control, options);
    assert.equal(result.outcome, 'paused');
    assert.equal(control.paused.length, 1);
    assert.deepEqual(control.resolved, []);
    assert.deepEqual(control.commits, []);
    assert.deepEqual(deadLetters, []);
  });

  it('commits the durable prefix when a later segment is paused', async () => {
    const { options, control } = setup(
      async (batch) => {
        if (batch.records[0]!.offset === '3') throw transient();
      },
      { maxBatchRecords: 2 },
    );
    const result = await processPartitionBatch(batchOf([good(1), good(2), good(3), good(4)]), control, options);
    assert.equal(result.outcome, 'paused');
    assert.deepEqual(control.commits, ['3']);
  });

  it('treats an unreachable registry as transient: retried, never dead-lettered', async () => {
    lookup.unreachable = 1;
    const { options, control, deadLetters, handled } = setup(async () => undefined);
    const result = await processPartitionBatch(batchOf([good(1)]), control, options);
    assert.equal(result.outcome, 'done');
    assert.deepEqual(deadLetters, []);
    assert.equal(handled.length, 1);

    lookup.unreachable = 99;
    const again = setup(async () => undefined);
    const paused = await processPartitionBatch(batchOf([message(5, Buffer.from([0, 0, 0, 0, 9, 2]))]), again.control, again.options);
    assert.equal(paused.outcome, 'paused');
    assert.deepEqual(again.deadLetters, []);
  });

  it('dead-letters the records a handler rejects, with the handler stage, and commits past them', async () => {
    const { options, control, deadLetters, stats } = setup(async (batch) => ({
      rejected: [{ record: batch.records[1]!, error: bad('negative follower count') }],
    }));
    await processPartitionBatch(batchOf([good(1), good(2), good(3)]), control, options);
    assert.deepEqual(
      deadLetters.map((record) => readDeadLetterHeaders(record.headers!)),
      [
        {
          originTopic: TOPIC,
          originPartition: '2',
          originOffset: '2',
          originTimestamp: '1795413600002',
          stage: 'transform',
          errorCode: 'QUALITY_REJECTED',
          errorClass: 'TributaryError',
          errorMessage: 'negative follower count',
          failedAt: '2026-11-23T12:00:00.000Z',
          attempts: '1',
          service: 'transform-test',
        },
      ],
    );
    assert.deepEqual(control.commits, ['4']);
    assert.equal(stats.handled, 2);
  });

  it('narrows a batch-level data error down to the records to blame by handling them one by one', async () => {
    const { options, control, deadLetters, handled } = setup(async (batch) => {
      if (batch.records.some((record) => record.value.count === 2)) throw bad('count 2 is not allowed');
    });
    await processPartitionBatch(batchOf([good(1), good(2), good(3)]), control, options);
    assert.deepEqual(
      handled.map((call) => call.offsets),
      [['1', '2', '3'], ['1'], ['2'], ['3']],
    );
    assert.deepEqual(
      deadLetters.map((record) => readDeadLetterHeaders(record.headers!)!.originOffset),
      ['2'],
    );
    assert.deepEqual(control.commits, ['4']);
  });

  it('stops the runtime on an unclassified error: nothing dead-lettered, nothing of that segment resolved', async () => {
    const { options, control, deadLetters } = setup(async () => {
      throw new TypeError('cannot read properties of undefined');
    });
    const result = await processPartitionBatch(batchOf([good(1), good(2)]), control, options);
    assert.equal(result.outcome, 'failed');
    assert.equal(control.failed.length, 1);
    assert.deepEqual(deadLetters, []);
    assert.deepEqual(control.commits, []);
  });

  it('stops rather than drop a record when its dead letter cannot be produced', async () => {
    const { options, control } = setup(async () => undefined, {
      sendDeadLetters: async () => {
        throw new TributaryError('KAFKA_RECORD_TOO_LARGE', 'too large', { failureType: 'data' });
      },
    });
    const result = await processPartitionBatch(batchOf([good(1), message(2, Buffer.from('junk'))]), control, options);
    assert.equal(result.outcome, 'failed');
    assert.deepEqual(control.commits, ['2'], 'only the handled record before it');
  });

  it('starts no new segment once the partition is no longer active (revoked or stopping)', async () => {
    const { options, control, handled } = setup(
      async () => {
        control.isActive = false;
      },
      { maxBatchRecords: 1 },
    );
    const result = await processPartitionBatch(batchOf([good(1), good(2), good(3)]), control, options);
    assert.equal(result.outcome, 'aborted');
    assert.equal(handled.length, 1);
    assert.deepEqual(control.commits, ['2'], 'the finished handler call is still committed');
  });

  it('gives up waiting to retry when the partition is revoked during the backoff', async () => {
    const { options, control } = setup(async () => {
      throw transient();
    });
    control.onSleep = () => false;
    const result = await processPartitionBatch(batchOf([good(1)]), control, options);
    assert.equal(result.outcome, 'aborted');
    assert.deepEqual(control.paused, []);
    assert.deepEqual(control.commits, []);
  });
});
