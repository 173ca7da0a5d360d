// The EventWriter sources produce through: each OutgoingEvent is encoded with the registry id of
// its topic's value schema (`<topic>-value`, looked up by the generated schema's text once per
// topic; schemas are registered by `tributary schemas register`, never here) and produced by the
// idempotent producer (acks=all). write() resolves only after Kafka acknowledged every event it
// produced; the producer puts a W3C traceparent in each record's headers.
//
// An event that does not fit its schema is a data error: it is not produced to its topic (with a
// deadLetterTopic it goes there as JSON, in the same acknowledged send), the others of the write
// are, and write() then rejects with EventsRejectedError naming each event id and its invalid
// field paths. Retrying cannot fix it; the runtime counts and logs it and moves on.
import type { KafkaSettings, RegistrySettings } from '@tributary/config';
import { TributaryError } from '@tributary/errors';
import { EVENT_SCHEMAS, TOPICS } from '@tributary/events';
import type { TopicDefinition } from '@tributary/events';
import { createProducer, createSerde, deadLetterHeaders, isSerdeError } from '@tributary/kafka';
import type { Encoder, ProducedRecord, Producer, Serde } from '@tributary/kafka';
import type { Logger } from '@tributary/telemetry';
import type { EventWriter, OutgoingEvent } from '../contracts.ts';

export interface EventRejection {
  topic: string;
  /** The dead-letter topic it was produced to, or null when the writer has none. */
  deadLetterTopic: string | null;
  key: string;
  /** Envelope.event_id when the value has one. */
  eventId: string | null;
  /** Every field path that does not match the schema (`envelope.observed_at: expected long, got "x"`). */
  paths: string[];
  message: string;
}

/** Some events of a write did not fit their schema; every other event of the write was acknowledged. */
export class EventsRejectedError extends TributaryError {
  readonly rejections: readonly EventRejection[];
  readonly written: number;

  constructor(rejections: readonly EventRejection[], written: number) {
    super(
      'CONNECTOR_EVENTS_INVALID',
      `${rejections.length} event(s) do not fit their schema and were not produced to their topic (${written} other event(s) were): ` +
        rejections
          .slice(0, 3)
          .map((rejection) => `${rejection.eventId ?? rejection.key} on ${rejection.topic}: ${rejection.paths.slice(0, 3).join('; ')}`)
          .join(' | '),
      {
        failureType: 'data',
        hint: 'The stream mapping produced a value its schema does not allow; fix the mapper (the field paths name the fields).',
        details: { rejections: rejections.map(({ topic, key, eventId, paths }) => ({ topic, key, eventId, paths })), written },
      },
    );
    this.rejections = rejections;
    this.written = written;
  }
}

export function isEventsRejectedError(error: unknown): error is EventsRejectedError {
  return error instanceof EventsRejectedError;
}

export function eventIdOf(event: OutgoingEvent): string | null {
  const envelope = (event.value as { envelope?: { event_id?: unknown } }).envelope;
  return typeof envelope?.event_id === 'string' ? envelope.event_id : null;
}

export interface EventWriterOptions {
  kafka: KafkaSettings;
  registry: RegistrySettings | Serde;
  logger: Logger;
  /** Names the producer: `<kafka.clientId>-<clientName>`, e.g. `source-tiktok`. */
  clientName: string;
  /** An already connected producer to share; created (and closed by close()) otherwise. */
  producer?: Producer;
  /**
   * Where events that do not fit their schema go (`dlq.<source>`), as JSON with the
   * tributary-dlq-* headers, in the same acknowledged send as the page's valid events.
   * Without it they are only reported (EventsRejectedError).
   */
  deadLetterTopic?: string;
  /** Names the service in dead-letter headers (default clientName). */
  serviceName?: string;
  /** Tests: produce a catalogue topic's events to another topic, still encoded with the catalogue topic's subject. */
  topicOverrides?: Readonly<Record<string, string>>;
}

export interface KafkaEventWriter extends EventWriter {
  close(): Promise<void>;
}

function valueSchemaOf(topic: string): { subject: string; schema: Readonly<Record<string, unknown>> } {
  const definition = (TOPICS as unknown as Record<string, TopicDefinition | undefined>)[topic];
  if (!definition?.valueSubject || !definition.valueSchema) {
    throw new TributaryError('CONNECTOR_TOPIC_UNKNOWN', `Topic ${topic} is not an Avro topic of the catalogue (schemas/topics).`, {
      failureType: 'config',
      hint: 'Events go to catalogue topics only; add the topic to schemas/topics/catalogue.yaml and regenerate @tributary/events.',
      details: { topic },
    });
  }
  return { subject: definition.valueSubject, schema: EVENT_SCHEMAS[definition.valueSchema].schema as Readonly<Record<string, unknown>> };
}

/** JSON of a mapped value: Buffers as base64, bigints as decimal strings. */
function valueJson(value: Record<string, unknown>): Buffer {
  return Buffer.from(
    JSON.stringify(value, function (this: Record<string, unknown>, key, item: unknown) {
      const raw = this[key];
      if (Buffer.isBuffer(raw)) return { base64: raw.toString('base64') };
      return typeof item === 'bigint' ? item.toString() : item;
    }),
    'utf8',
  );
}

function deadLetterOf(event: OutgoingEvent, error: unknown, topic: string, service: string): ProducedRecord {
  const value = valueJson(event.value);
  const failedAt = new Date();
  const headers = deadLetterHeaders(
    { topic: event.topic, partition: -1, offset: '-1', key: Buffer.from(event.key), value, headers: {}, timestamp: failedAt.getTime() },
    { service, stage: 'transform', error, attempts: 1, failedAt },
  );
  return { topic, key: event.key, value, headers: { ...headers, 'content-type': 'application/json' } };
}

export async function createEventWriter(options: EventWriterOptions): Promise<KafkaEventWriter> {
  const serde = 'encoder' in options.registry ? options.registry : createSerde(options.registry);
  const ownsProducer = options.producer === undefined;
  const producer =
    options.producer ?? (await createProducer({ kafka: options.kafka, logger: options.logger, clientName: options.clientName }));
  const service = options.serviceName ?? options.clientName;
  const encoders = new Map<string, Promise<Encoder<Record<string, unknown>>>>();

  const encoderFor = (topic: string): Promise<Encoder<Record<string, unknown>>> => {
    let encoder = encoders.get(topic);
    if (!encoder) {
      const { subject, schema } = valueSchemaOf(topic);
      encoder = serde.encoder<Record<string, unknown>>(subject, { schema });
      encoders.set(topic, encoder);
      // A failed lookup (registry down) is not cached: the next write asks again.
      encoder.catch(() => encoders.delete(topic));
    }
    return encoder;
  };

  return {
    async write(events) {
      if (events.length === 0) return;
      const records: ProducedRecord[] = [];
      const rejections: EventRejection[] = [];
      for (const event of events) {
        const encoder = await encoderFor(event.topic);
        try {
          records.push({ topic: options.topicOverrides?.[event.topic] ?? event.topic, key: event.key, value: encoder.encode(event.value) });
        } catch (error) {
          if (!isSerdeError(error)) throw error;
          const paths = Array.isArray(error.details.paths) ? (error.details.paths as string[]) : [];
          rejections.push({
            topic: event.topic,
            deadLetterTopic: options.deadLetterTopic ?? null,
            key: event.key,
            eventId: eventIdOf(event),
            paths,
            message: error.message,
          });
          if (options.deadLetterTopic !== undefined) records.push(deadLetterOf(event, error, options.deadLetterTopic, service));
        }
      }
      await producer.send(records);
      if (rejections.length > 0) throw new EventsRejectedError(rejections, events.length - rejections.length);
    },
    async close() {
      if (ownsProducer) await producer.close();
    },
  };
}
