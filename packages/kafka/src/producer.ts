// The producer every Tributary service uses. Contract:
// - idempotent, acks=all: send() resolves only after every record is acknowledged by all
//   in-sync replicas, so a collector's cursor or a consumer's commit can follow it; broker-side
//   retries do not duplicate (within this producer session: a restarted process is a new
//   session — downstream de-duplicates by event_id, docs/adr/0015);
// - the Java-compatible (murmur2) partitioner on the caller's deterministic key;
// - records larger than maxRecordBytes are refused before anything is sent (a data error that
//   names the record), never dropped; a send is split into requests of at most maxRequestBytes
//   so no partition's record batch exceeds the broker's message.max.bytes;
// - sends are serialised: records of two send() calls reach a partition in call order;
// - one PRODUCER span per send(), child of the active context; each record carries a W3C
//   traceparent: its own traceContext's when given, else the one already in its headers, else
//   the send span's.
import { context, propagation, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Context, Link } from '@opentelemetry/api';
import kafkajs from 'kafkajs';
import type { Message, Producer as KafkaProducer, RecordMetadata } from 'kafkajs';
import type { KafkaSettings } from '@tributary/config';
import { ConfigError, TributaryError } from '@tributary/errors';
import type { Logger } from '@tributary/telemetry';
import { createKafka, javaCompatiblePartitioner } from './client.ts';
import { classifyKafkaError } from './kafka-errors.ts';
import type { ProducedRecord, RecordHeaders } from './records.ts';

// kafkajs is CommonJS; take runtime values off the module object.
const { CompressionTypes } = kafkajs;

/**
 * Codecs kafkajs has built in. snappy, lz4 and zstd need codec packages registered into
 * kafkajs' CompressionCodecs (kafkajs-snappy, kafkajs-lz4, @kafkajs/zstd — native addons);
 * Tributary does not ship them (docs/adr/0015).
 */
export type ProducerCompression = 'none' | 'gzip';

/** Kafka's default message.max.bytes (1 MiB + 12 bytes of log overhead). */
export const DEFAULT_MAX_RECORD_BYTES = 1_048_588;
/** Java's default max.request.size. */
export const DEFAULT_MAX_REQUEST_BYTES = 1_048_576;
/** A record batch's fixed header (magic v2). */
const RECORD_BATCH_OVERHEAD_BYTES = 61;
/** Upper bound of a record's own varints (length, attributes, deltas, key/value lengths, header count). */
const RECORD_OVERHEAD_BYTES = 21;
const MAX_SPAN_LINKS = 128;

export interface ProducerOptions {
  kafka: KafkaSettings;
  logger: Logger;
  /** Names the client: `<kafka.clientId>-<clientName>`. */
  clientName: string;
  compression?: ProducerCompression;
  /** Refuse records whose encoded size would exceed this (the topic's max.message.bytes). */
  maxRecordBytes?: number;
  /** Split a send into produce requests of at most this many bytes. */
  maxRequestBytes?: number;
  /** Unacknowledged requests per broker connection; idempotence allows at most 5. */
  maxInFlightRequests?: number;
}

export interface PartitionAck {
  topic: string;
  partition: number;
  /** Offset of the first record of this send in the partition. */
  baseOffset: string;
}

export interface SendResult {
  records: number;
  bytes: number;
  partitions: PartitionAck[];
}

export interface TopicProduceStats {
  sentRecords: number;
  sentBytes: number;
  refusedRecords: number;
  failedSends: number;
}

export interface Producer {
  /** Resolves after the broker acknowledged every record (acks=all); rejects with a TributaryError otherwise. */
  send(records: readonly ProducedRecord[]): Promise<SendResult>;
  stats(): Record<string, TopicProduceStats>;
  /** Waits for sends in progress, then disconnects. */
  close(): Promise<void>;
}

function byteLength(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

function headersBytes(headers: RecordHeaders | undefined): number {
  let size = 0;
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) size += 10 + Buffer.byteLength(key) + byteLength(item);
  }
  return size;
}

/** An upper bound of the bytes `record` takes alone in a record batch (uncompressed), as the broker measures it. */
export function recordSizeBytes(record: Pick<ProducedRecord, 'key' | 'value' | 'headers'>): number {
  return (
    RECORD_BATCH_OVERHEAD_BYTES + RECORD_OVERHEAD_BYTES + byteLength(record.key) + byteLength(record.value) + headersBytes(record.headers)
  );
}

function describeKey(key: string | Buffer | null): string {
  if (key === null) return 'null';
  const text = typeof key === 'string' ? key : key.toString('utf8');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Throws KAFKA_RECORD_TOO_LARGE (data) for the first record over the limit. */
export function checkRecordSizes(records: readonly ProducedRecord[], maxRecordBytes: number): number[] {
  const sizes = records.map((record) => recordSizeBytes(record));
  const index = sizes.findIndex((size) => size > maxRecordBytes);
  if (index >= 0) {
    const record = records[index]!;
    const oversized = sizes.filter((size) => size > maxRecordBytes).length;
    throw new TributaryError(
      'KAFKA_RECORD_TOO_LARGE',
      `Record ${index} for ${record.topic} (key ${describeKey(record.key)}) is ${sizes[index]} bytes, over the ${maxRecordBytes}-byte limit` +
        `${oversized > 1 ? ` (${oversized} records of this send are)` : ''}; nothing of this send was produced.`,
      {
        failureType: 'data',
        hint: 'Shrink the record (offload large media or text) or raise the topic max.message.bytes together with maxRecordBytes.',
        details: { topic: record.topic, index, key: describeKey(record.key), sizeBytes: sizes[index], maxRecordBytes, oversized },
      },
    );
  }
  return sizes;
}

/** Consecutive slices of `records` whose sizes add up to at most `maxRequestBytes` (a record over it goes alone). */
export function splitIntoRequests(sizes: readonly number[], maxRequestBytes: number): Array<[start: number, end: number]> {
  const slices: Array<[number, number]> = [];
  let start = 0;
  let bytes = 0;
  for (let index = 0; index < sizes.length; index++) {
    const size = sizes[index]! - RECORD_BATCH_OVERHEAD_BYTES;
    if (index > start && bytes + size > maxRequestBytes) {
      slices.push([start, index]);
      start = index;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < sizes.length) slices.push([start, sizes.length]);
  return slices;
}

function toMessage(record: ProducedRecord, fallback: Context): Message {
  const headers: Record<string, Buffer | string | (Buffer | string)[]> = {};
  for (const [key, value] of Object.entries(record.headers ?? {})) if (value !== undefined) headers[key] = value;
  // A record that already carries a traceparent (a dead letter keeps its original one) keeps it.
  if (record.traceContext !== undefined || headers.traceparent === undefined) propagation.inject(record.traceContext ?? fallback, headers);
  return {
    key: record.key,
    value: record.value,
    headers,
    ...(record.partition === undefined ? {} : { partition: record.partition }),
    ...(record.timestamp === undefined ? {} : { timestamp: String(record.timestamp) }),
  };
}

export async function createProducer(options: ProducerOptions): Promise<Producer> {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const maxInFlightRequests = options.maxInFlightRequests ?? 5;
  if (!Number.isInteger(maxInFlightRequests) || maxInFlightRequests < 1 || maxInFlightRequests > 5) {
    throw new ConfigError(
      'KAFKA_PRODUCER_CONFIG',
      `maxInFlightRequests must be 1 to 5 for an idempotent producer, not ${maxInFlightRequests}.`,
    );
  }
  const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  const brokers = options.kafka.brokers;
  const logger = options.logger.child({ component: 'kafka-producer', client: options.clientName });
  const producer: KafkaProducer = createKafka(options.kafka, options.clientName, options.logger).producer({
    idempotent: true,
    maxInFlightRequests,
    createPartitioner: javaCompatiblePartitioner,
    allowAutoTopicCreation: false,
  });
  try {
    await producer.connect();
  } catch (error) {
    throw classifyKafkaError(error, 'KAFKA_PRODUCER_CONNECT_FAILED', 'producer connect', brokers);
  }
  logger.debug('Kafka producer connected');

  const tracer = trace.getTracer('@tributary/kafka');
  const perTopic = new Map<string, TopicProduceStats>();
  const statsFor = (topic: string): TopicProduceStats => {
    let entry = perTopic.get(topic);
    if (!entry) perTopic.set(topic, (entry = { sentRecords: 0, sentBytes: 0, refusedRecords: 0, failedSends: 0 }));
    return entry;
  };
  let tail: Promise<unknown> = Promise.resolve();
  let closed = false;

  const sendNow = async (records: readonly ProducedRecord[]): Promise<SendResult> => {
    let sizes: number[];
    try {
      sizes = checkRecordSizes(records, maxRecordBytes);
    } catch (error) {
      for (const record of records) statsFor(record.topic).refusedRecords += 1;
      throw error;
    }
    const topics = [...new Set(records.map((record) => record.topic))];
    const links: Link[] = [];
    for (const record of records) {
      if (links.length >= MAX_SPAN_LINKS) break;
      const linked = record.traceContext && trace.getSpanContext(record.traceContext);
      if (linked) links.push({ context: linked });
    }
    const span = tracer.startSpan(
      `send ${topics.length === 1 ? topics[0] : `${topics.length} topics`}`,
      {
        kind: SpanKind.PRODUCER,
        links,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.batch.message_count': records.length,
          ...(topics.length === 1 ? { 'messaging.destination.name': topics[0] } : {}),
        },
      },
      context.active(),
    );
    const spanContext = trace.setSpan(context.active(), span);
    const partitions = new Map<string, PartitionAck>();
    let bytes = 0;
    try {
      for (const [start, end] of splitIntoRequests(sizes, maxRequestBytes)) {
        const byTopic = new Map<string, Message[]>();
        for (let index = start; index < end; index++) {
          const record = records[index]!;
          let messages = byTopic.get(record.topic);
          if (!messages) byTopic.set(record.topic, (messages = []));
          messages.push(toMessage(record, spanContext));
        }
        let acks: RecordMetadata[];
        try {
          acks = await producer.sendBatch({
            acks: -1,
            compression,
            topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          });
        } catch (error) {
          throw classifyKafkaError(error, 'KAFKA_PRODUCE_FAILED', `produce to ${topics.join(', ')}`, brokers);
        }
        for (const ack of acks) {
          const key = `${ack.topicName}:${ack.partition}`;
          if (!partitions.has(key))
            partitions.set(key, { topic: ack.topicName, partition: ack.partition, baseOffset: ack.baseOffset ?? ack.offset ?? '-1' });
        }
        for (let index = start; index < end; index++) {
          const record = records[index]!;
          const size = sizes[index]! - RECORD_BATCH_OVERHEAD_BYTES;
          const entry = statsFor(record.topic);
          entry.sentRecords += 1;
          entry.sentBytes += size;
          bytes += size;
        }
      }
      return { records: records.length, bytes, partitions: [...partitions.values()] };
    } catch (error) {
      for (const topic of topics) statsFor(topic).failedSends += 1;
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  };

  return {
    send(records) {
      if (closed) {
        return Promise.reject(new TributaryError('KAFKA_PRODUCER_CLOSED', 'send() after close().', { failureType: 'system' }));
      }
      if (records.length === 0) return Promise.resolve({ records: 0, bytes: 0, partitions: [] });
      const run = tail.then(
        () => sendNow(records),
        () => sendNow(records),
      );
      tail = run.catch(() => undefined);
      return run;
    },
    stats: () => Object.fromEntries([...perTopic].map(([topic, entry]) => [topic, { ...entry }])),
    async close() {
      if (closed) return;
      closed = true;
      await tail;
      await producer.disconnect();
      logger.debug('Kafka producer disconnected');
    },
  };
}
