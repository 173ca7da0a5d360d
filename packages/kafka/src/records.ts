// Tributary's own record shapes: what producers hand to send() and what the consumer runtime
// hands to handlers. They name no kafkajs type, so the client behind them can be swapped.
import type { Context } from '@opentelemetry/api';

export type HeaderValue = Buffer | string;
/** Kafka record headers; a key sent several times arrives as an array. */
export type RecordHeaders = Record<string, HeaderValue | HeaderValue[] | undefined>;

/** The first value of a header as text; undefined when absent. */
export function headerText(headers: RecordHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.toString();
}

export interface ProducedRecord {
  topic: string;
  /**
   * Deterministic, supplied by the caller: `<PLATFORM>:<entity id>` for events (entityKey() in
   * @tributary/events), so one entity's records stay ordered in one partition.
   */
  key: string | Buffer | null;
  /** Usually Encoder.encode(...) output (Confluent-framed Avro). */
  value: Buffer | null;
  headers?: RecordHeaders;
  /** Only to override the partitioner (murmur2 on the key, as Java's). */
  partition?: number;
  /** Epoch milliseconds; the broker's time when left out. */
  timestamp?: number;
  /**
   * The trace this record belongs to (e.g. ConsumedRecord.traceContext of the record it was
   * derived from); its traceparent goes in the headers. Without it, the producer span's.
   */
  traceContext?: Context;
}

export interface ConsumedRecord<T = unknown> {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit: kept as decimal strings. */
  offset: string;
  /** The key as UTF-8 text (Tributary keys are text), or null. */
  key: string | null;
  keyBytes: Buffer | null;
  /** The value, read with the consumer's reader schema. */
  value: T;
  /** The writer's schema id from the framing. */
  schemaId: number;
  /** The original value bytes (what a dead letter carries). */
  valueBytes: Buffer;
  headers: RecordHeaders;
  /** Epoch milliseconds (producer create time or broker log-append time, per topic config). */
  timestamp: number;
  /** Extracted from the record's traceparent header; the root context when it has none. */
  traceContext: Context;
}
