// Keyed state in a compacted topic (a changelog): the processor's memory that must survive
// restarts and rebalances. At open, and again whenever the group assignment changes, the whole
// topic is read to its end, so every instance sees every key (a previous owner's writes
// included) before it processes a newly assigned partition. set() is visible to get() at once;
// the staged values are produced by flush(), which the processor calls after a batch's outputs
// were acknowledged and before its offsets commit. A crash between the two therefore replays
// records against state that may already include them: what a processor stores must make
// reprocessing the same record give the same result (keep history, dedupe by event id).
import { TributaryError } from '@tributary/errors';
import { EVENT_SCHEMAS, TOPICS } from '@tributary/events';
import type { EventSchemaName } from '@tributary/events';
import { readTopicToEnd } from '@tributary/kafka';
import type { Encoder, Producer, ProducedRecord, Serde } from '@tributary/kafka';
import type { KafkaSettings } from '@tributary/config';
import type { Logger } from '@tributary/telemetry';

export interface KeyedState<V> {
  get(key: string): V | undefined;
  /** Stages a new value (null forgets the key): visible to get() now, durable after the batch. */
  set(key: string, value: V | null): void;
  readonly size: number;
}

export interface StateStore<V> extends KeyedState<V> {
  /** The catalogue name of the state topic. */
  readonly topic: string;
  /** Records for everything staged since the last flush (the caller produces them). */
  drain(): ProducedRecord[];
  /** Reads the state topic to its end again, replacing memory (nothing may be staged). */
  reload(): Promise<void>;
}

export interface StateStoreOptions {
  kafka: KafkaSettings;
  serde: Serde;
  logger: Logger;
  clientName: string;
  /** Catalogue name of the compacted topic, e.g. tributary.enrich-state. */
  topic: string;
  /** The topic actually read and written (an override), default the catalogue name. */
  physicalTopic?: string;
}

function stateSchemaOf(topic: string): EventSchemaName {
  const definition = (TOPICS as Record<string, { valueSchema: EventSchemaName | null; valueSubject: string | null }>)[topic];
  if (definition?.valueSchema === undefined || definition.valueSchema === null || definition.valueSubject === null) {
    throw new TributaryError('PROCESSOR_STATE_TOPIC_UNKNOWN', `State topic ${topic} is not in the topic catalogue with a value schema.`, {
      failureType: 'config',
      hint: 'Declare it in schemas/topics/catalogue.yaml (cleanup.policy compact) and run `npm run generate:events`.',
    });
  }
  return definition.valueSchema;
}

export async function openStateStore<V>(options: StateStoreOptions): Promise<StateStore<V>> {
  const schemaName = stateSchemaOf(options.topic);
  const schema = EVENT_SCHEMAS[schemaName].schema;
  const physical = options.physicalTopic ?? options.topic;
  const logger = options.logger.child({ component: 'state-store', topic: physical });
  const subject = `${options.topic}-value`;
  const encoder: Encoder<V> = await options.serde.encoder<V>(subject, { schema });
  const decoder = options.serde.decoder<V>(schema);
  let memory = new Map<string, V>();
  const staged = new Map<string, V | null>();

  const load = async (): Promise<void> => {
    const started = Date.now();
    const next = new Map<string, V>();
    let unreadable = 0;
    const read = await readTopicToEnd({
      kafka: options.kafka,
      logger: options.logger,
      clientName: `${options.clientName}-state`,
      topic: physical,
      onRecord: async (record) => {
        if (record.key === null) return;
        if (record.value === null) {
          next.delete(record.key);
          return;
        }
        try {
          next.set(record.key, (await decoder.decode(record.value)).value);
        } catch (error) {
          // A value this version cannot read is dropped loudly; the key starts afresh (derived values become null, never wrong).
          unreadable += 1;
          logger.error(
            { err: error, key: record.key, partition: record.partition, offset: record.offset },
            'Unreadable state record skipped.',
          );
        }
      },
    });
    memory = next;
    logger.info({ keys: memory.size, records: read.records, unreadable, ms: Date.now() - started }, 'State loaded.');
  };
  await load();

  return {
    topic: options.topic,
    get: (key) => memory.get(key),
    set(key, value) {
      if (value === null) memory.delete(key);
      else memory.set(key, value);
      staged.set(key, value);
    },
    get size() {
      return memory.size;
    },
    drain() {
      const records: ProducedRecord[] = [];
      for (const [key, value] of staged) records.push({ topic: physical, key, value: value === null ? null : encoder.encode(value) });
      staged.clear();
      return records;
    },
    async reload() {
      if (staged.size > 0)
        throw new TributaryError('PROCESSOR_STATE_RELOAD_STAGED', 'State reload with unflushed values.', { failureType: 'system' });
      await load();
    },
  };
}

/** Producer-facing helper: writes every store's staged values; resolves once Kafka acknowledged them. */
export async function flushStateStores(producer: Producer, stores: Iterable<StateStore<unknown>>): Promise<number> {
  const records = [...stores].flatMap((store) => store.drain());
  if (records.length > 0) await producer.send(records);
  return records.length;
}
