// The canary round trip: the smallest proof that the whole path works against a given set of
// endpoints. Register the Canary schema, produce one event in Confluent framing with a W3C
// traceparent header, consume it in a fresh consumer group, insert it into ClickHouse with
// its Kafka lineage, commit the offset only after the insert, and read it back.
// Used by `tributary canary`, by the first demo and by the integration tests.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { context, trace, SpanStatusCode } from '@opentelemetry/api';
import { createClickHouseClient } from '@tributary/clickhouse';
import { repoRoot } from '@tributary/config';
import type { ClickHouseSettings, KafkaSettings, RegistrySettings } from '@tributary/config';
import { TributaryError } from '@tributary/errors';
import { createKafka, createSchemaRegistry, extractTraceContext, injectTraceHeaders, javaCompatiblePartitioner } from '@tributary/kafka';
import type { Logger } from '@tributary/telemetry';

export const CANARY_SCHEMA_PATH = join(repoRoot(), 'schemas/avro/system/canary.avsc');

export interface CanaryOptions {
  kafka: KafkaSettings;
  registry: RegistrySettings;
  clickhouse: ClickHouseSettings;
  logger: Logger;
  topic?: string;
  table?: string;
  message?: string;
  /** Reports each completed step (the CLI prints them). */
  onStep?: (step: string, detail: Record<string, unknown>) => void;
  timeoutMs?: number;
}

export interface CanaryEvent {
  event_id: string;
  run_id: string;
  sequence: number;
  emitted_at: number;
  host: string;
  message: string;
}

export interface CanaryResult {
  event: CanaryEvent;
  schemaId: number;
  topic: string;
  partition: number;
  offset: string;
  traceId: string;
  table: string;
}

export function canaryEventId(runId: string, sequence: number): string {
  return createHash('sha256').update(`canary\u0000${runId}\u0000${sequence}`).digest('hex').slice(0, 32);
}

function toClickHouseDateTime64(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export async function runCanary(options: CanaryOptions): Promise<CanaryResult> {
  const topic = options.topic ?? 'tributary.canary';
  const table = options.table ?? 'tributary_canary';
  const subject = `${topic}-value`;
  const step = options.onStep ?? (() => undefined);
  const tracer = trace.getTracer('tributary-canary');
  const kafka = createKafka(options.kafka, 'canary', options.logger);
  const registry = createSchemaRegistry(options.registry);
  const clickhouse = createClickHouseClient(options.clickhouse, 'tributary-canary');
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: javaCompatiblePartitioner });
  const consumer = kafka.consumer({ groupId: `tributary-canary-${randomUUID()}`, allowAutoTopicCreation: false });

  try {
    await admin.connect();
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    step('topic', { topic, created });

    const schema = readFileSync(CANARY_SCHEMA_PATH, 'utf8');
    const schemaId = await registry.registerAvro(schema, subject);
    step('schema', { subject, schemaId });

    const runId = randomUUID();
    const event: CanaryEvent = {
      event_id: canaryEventId(runId, 0),
      run_id: runId,
      sequence: 0,
      emitted_at: Date.now(),
      host: hostname(),
      message: options.message ?? 'Hello from Tributary.',
    };

    const span = tracer.startSpan('canary produce', { attributes: { 'messaging.destination.name': topic } });
    const traceId = span.spanContext().traceId;
    let partition: number;
    let offset: string;
    try {
      await producer.connect();
      const value = await registry.encode(schemaId, event);
      const [ack] = await context.with(trace.setSpan(context.active(), span), () =>
        producer.send({
          topic,
          acks: -1,
          messages: [{ key: event.event_id, value, headers: injectTraceHeaders({ 'tributary-event-id': event.event_id }) }],
        }),
      );
      if (!ack)
        throw new TributaryError('CANARY_NO_ACK', 'The broker acknowledged nothing for the canary event.', { failureType: 'system' });
      partition = ack.partition;
      offset = ack.baseOffset ?? ack.offset ?? '0';
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
    step('produced', { topic, partition, offset, bytes: 'confluent-framed avro', traceId });

    await clickhouse.command({
      query: `CREATE TABLE IF NOT EXISTS ${table} (
        event_id String,
        run_id String,
        sequence Int32,
        emitted_at DateTime64(3, 'UTC'),
        host String,
        message String,
        source_topic LowCardinality(String),
        source_partition Int32,
        source_offset Int64,
        schema_id UInt32,
        trace_id String,
        ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
      ) ENGINE = MergeTree ORDER BY (emitted_at, event_id)
      SETTINGS non_replicated_deduplication_window = 1000`,
    });

    const landed = await consumeOne(consumer, topic, partition, offset, options.timeoutMs ?? 30_000, async (message) => {
      const decoded = (await registry.decode(message.value)) as CanaryEvent;
      if (decoded.event_id !== event.event_id) return false;
      const parent = extractTraceContext(message.headers);
      const sinkSpan = tracer.startSpan('canary sink', {}, parent);
      try {
        await clickhouse.insert({
          table,
          format: 'JSONEachRow',
          values: [
            {
              ...decoded,
              emitted_at: toClickHouseDateTime64(Number(decoded.emitted_at)),
              source_topic: topic,
              source_partition: partition,
              source_offset: message.offset,
              schema_id: schemaId,
              trace_id: sinkSpan.spanContext().traceId,
            },
          ],
          clickhouse_settings: { insert_deduplication_token: `${topic}:${partition}:${message.offset}-${message.offset}` },
        });
      } finally {
        sinkSpan.end();
      }
      return true;
    });
    step('consumed', { topic, partition, offset: landed, committedAfterInsert: true, table });

    return { event, schemaId, topic, partition, offset, traceId, table };
  } finally {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
    await clickhouse.close();
  }
}

interface ConsumedMessage {
  value: Buffer;
  offset: string;
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined;
}

/** Reads from `offset` until `handle` accepts a message, then commits that offset + 1. */
async function consumeOne(
  consumer: ReturnType<ReturnType<typeof createKafka>['consumer']>,
  topic: string,
  partition: number,
  offset: string,
  timeoutMs: number,
  handle: (message: ConsumedMessage) => Promise<boolean>,
): Promise<string> {
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new TributaryError('CANARY_TIMEOUT', `The canary event did not come back from ${topic} within ${timeoutMs} ms.`, {
            failureType: 'transient',
          }),
        ),
      timeoutMs,
    );
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ message, partition: p }) => {
          if (p !== partition || message.value === null) return;
          try {
            if (await handle({ value: message.value, offset: message.offset, headers: message.headers })) {
              // Progress moves only after the insert is durable.
              await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
              clearTimeout(timer);
              resolve(message.offset);
            }
          } catch (error) {
            clearTimeout(timer);
            reject(error as Error);
          }
        },
      })
      .then(() => consumer.seek({ topic, partition, offset }))
      .catch((error: unknown) => {
        clearTimeout(timer);
        reject(error as Error);
      });
  });
}
