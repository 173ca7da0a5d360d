// The canary round trip: the smallest proof that the whole path works against a given set of
// endpoints. Register the Canary schema, produce one event in Confluent framing with a W3C
// traceparent header, read it back from Kafka, insert it into ClickHouse with its Kafka lineage,
// commit the offset for a fresh consumer group only after the insert, and read it back.
// It creates its topic and registers its schema itself, so it also works against a cluster that
// was never provisioned; everything Kafka goes through @tributary/kafka.
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
import {
  connectTopicAdmin,
  createProducer,
  createRegistryAdmin,
  createSerde,
  extractTraceContext,
  injectTraceHeaders,
  readTopicToEnd,
} from '@tributary/kafka';
import type { AvroSchema } from '@tributary/kafka';
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
  /** The fresh consumer group whose offset was committed after the insert. */
  groupId: string;
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
  const clickhouse = createClickHouseClient(options.clickhouse, 'tributary-canary');
  const admin = await connectTopicAdmin(options.kafka, options.logger);
  const producer = await createProducer({ kafka: options.kafka, logger: options.logger, clientName: 'canary' });

  try {
    const created = !(await admin.listTopics()).includes(topic);
    if (created) await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 'broker-default', config: {} }]);
    step('topic', { topic, created });

    const schema = readFileSync(CANARY_SCHEMA_PATH, 'utf8');
    const schemaId = await createRegistryAdmin(options.registry).register(subject, schema);
    step('schema', { subject, schemaId });
    const serde = createSerde(options.registry);
    const encoder = await serde.encoder<CanaryEvent>(subject, { schema: JSON.parse(schema) as AvroSchema });

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
      const sent = await context.with(trace.setSpan(context.active(), span), () =>
        producer.send([
          {
            topic,
            key: event.event_id,
            value: encoder.encode(event),
            headers: injectTraceHeaders({ 'tributary-event-id': event.event_id }),
          },
        ]),
      );
      const [ack] = sent.partitions;
      if (!ack)
        throw new TributaryError('CANARY_NO_ACK', 'The broker acknowledged nothing for the canary event.', { failureType: 'system' });
      partition = ack.partition;
      offset = ack.baseOffset;
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

    // Read the topic back up to where it ended after the send; our event is in it.
    const decoder = serde.decoder<CanaryEvent>(JSON.parse(schema) as AvroSchema);
    let landed: string | undefined;
    await readTopicToEnd({
      kafka: options.kafka,
      logger: options.logger,
      clientName: 'canary',
      topic,
      timeoutMs: options.timeoutMs ?? 30_000,
      onRecord: async (record) => {
        if (landed !== undefined || record.partition !== partition || record.value === null) return;
        const decoded = await decoder.decode(record.value);
        if (decoded.value.event_id !== event.event_id) return;
        const sinkSpan = tracer.startSpan('canary sink', {}, extractTraceContext(record.headers));
        try {
          await clickhouse.insert({
            table,
            format: 'JSONEachRow',
            values: [
              {
                ...decoded.value,
                emitted_at: toClickHouseDateTime64(Number(decoded.value.emitted_at)),
                source_topic: topic,
                source_partition: partition,
                source_offset: record.offset,
                schema_id: decoded.schemaId,
                trace_id: sinkSpan.spanContext().traceId,
              },
            ],
            clickhouse_settings: { insert_deduplication_token: `${topic}:${partition}:${record.offset}-${record.offset}` },
          });
        } finally {
          sinkSpan.end();
        }
        landed = record.offset;
      },
    });
    if (landed === undefined)
      throw new TributaryError('CANARY_NOT_FOUND', `The canary event did not come back from ${topic}.`, { failureType: 'transient' });
    // Progress moves only after the insert is durable: the group's offset is committed now.
    const groupId = `tributary-canary-${runId}`;
    await admin.commitGroupOffsets(groupId, topic, [{ partition, offset: (BigInt(landed) + 1n).toString() }]);
    step('consumed', { topic, partition, offset: landed, committedAfterInsert: true, groupId, table });

    return { event, schemaId, topic, partition, offset, traceId, table, groupId };
  } finally {
    await Promise.allSettled([producer.close(), admin.close()]);
    await clickhouse.close();
  }
}
