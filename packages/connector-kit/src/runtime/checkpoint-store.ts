// Collector state (cursors, watermarks, backfill progress) in the compacted topic
// tributary.collector-state, so collectors are stateless processes that resume where they
// stopped (docs/adr/0019). Key `<source>/<stream>/<scope>`, value a CollectorCheckpoint (Avro,
// Confluent framing); a tombstone forgets the key.
//
// At open the store reads the topic from the beginning up to its high-water marks (the newest
// value per key wins), then serves get() from memory. put() and forget() resolve only after
// Kafka acknowledged the record (acks=all), and only then change what get() returns.
import type { KafkaSettings, RegistrySettings } from '@tributary/config';
import { TributaryError } from '@tributary/errors';
import { EVENT_SCHEMAS, TOPICS } from '@tributary/events';
import type { CollectorCheckpoint } from '@tributary/events';
import { createProducer, createSerde, readTopicToEnd } from '@tributary/kafka';
import type { Producer, Serde } from '@tributary/kafka';
import type { Logger } from '@tributary/telemetry';

export const COLLECTOR_STATE_TOPIC = TOPICS['tributary.collector-state'].name;
const CHECKPOINT_SCHEMA = EVENT_SCHEMAS['io.tributary.system.CollectorCheckpoint'].schema;

export type { CollectorCheckpoint };

/** What a stream remembers about one scope; the store adds source, stream, scope and updated_at. */
export type CheckpointState = Pick<CollectorCheckpoint, 'cursor' | 'watermark' | 'backfill_reached'>;

export interface CheckpointStore {
  /** The newest acknowledged checkpoint of the key, if any. */
  get(source: string, stream: string, scope: string): CollectorCheckpoint | undefined;
  /** Writes the checkpoint; resolves after Kafka acknowledged it. */
  put(checkpoint: CollectorCheckpoint): Promise<void>;
  /** Writes a tombstone: the key is forgotten once Kafka acknowledged it. */
  forget(source: string, stream: string, scope: string): Promise<void>;
  close(): Promise<void>;
}

export function checkpointKey(source: string, stream: string, scope: string): string {
  for (const [name, part] of [
    ['source', source],
    ['stream', stream],
    ['scope', scope],
  ] as const) {
    if (part === '')
      throw new TributaryError('CONNECTOR_CHECKPOINT_KEY_INVALID', `The checkpoint ${name} is empty.`, { failureType: 'system' });
  }
  // A '/' inside source or stream would make two keys ambiguous; scopes (account ids) are the last part.
  if (source.includes('/') || stream.includes('/')) {
    throw new TributaryError('CONNECTOR_CHECKPOINT_KEY_INVALID', `Source and stream names may not contain '/': ${source}/${stream}.`, {
      failureType: 'system',
    });
  }
  return `${source}/${stream}/${scope}`;
}

/** A store kept in memory only: for tests and one-shot tools. put() resolves at once. */
export function createMemoryCheckpointStore(initial: readonly CollectorCheckpoint[] = []): CheckpointStore & {
  /** Every put and forget in order (forget as null). */
  readonly history: Array<CollectorCheckpoint | { forgotten: string }>;
} {
  const state = new Map<string, CollectorCheckpoint>();
  for (const checkpoint of initial) state.set(checkpointKey(checkpoint.source, checkpoint.stream, checkpoint.scope), { ...checkpoint });
  const history: Array<CollectorCheckpoint | { forgotten: string }> = [];
  return {
    history,
    get: (source, stream, scope) => {
      const found = state.get(checkpointKey(source, stream, scope));
      return found ? { ...found } : undefined;
    },
    put: async (checkpoint) => {
      state.set(checkpointKey(checkpoint.source, checkpoint.stream, checkpoint.scope), { ...checkpoint });
      history.push({ ...checkpoint });
    },
    forget: async (source, stream, scope) => {
      const key = checkpointKey(source, stream, scope);
      state.delete(key);
      history.push({ forgotten: key });
    },
    close: async () => undefined,
  };
}

export interface CheckpointStoreOptions {
  kafka: KafkaSettings;
  registry: RegistrySettings | Serde;
  logger: Logger;
  /** Names the Kafka clients: `<kafka.clientId>-<clientName>-checkpoints`. */
  clientName: string;
  /** Keep only this collector's keys (`<source>/...`) in memory; all keys when left out. */
  source?: string;
  /** The compacted topic; tributary.collector-state unless a test uses its own. */
  topic?: string;
  /** Give up opening when the topic cannot be read to its end within this time. */
  readTimeoutMs?: number;
}

export async function openCheckpointStore(options: CheckpointStoreOptions): Promise<CheckpointStore> {
  const topic = options.topic ?? COLLECTOR_STATE_TOPIC;
  const logger = options.logger.child({ component: 'checkpoint-store', topic });
  const serde = 'encoder' in options.registry ? options.registry : createSerde(options.registry);
  // The registered id of the kit's schema version under the catalogue subject (never registered here);
  // a test's own compacted topic encodes with the same id.
  const encoder = await serde.encoder<CollectorCheckpoint>(TOPICS['tributary.collector-state'].valueSubject!, {
    schema: CHECKPOINT_SCHEMA,
  });
  const decoder = serde.decoder<CollectorCheckpoint>(CHECKPOINT_SCHEMA);
  const prefix = options.source === undefined ? '' : `${options.source}/`;
  const state = new Map<string, CollectorCheckpoint>();

  const started = Date.now();
  const read = await readTopicToEnd({
    kafka: options.kafka,
    logger: options.logger,
    clientName: `${options.clientName}-checkpoints`,
    topic,
    ...(options.readTimeoutMs === undefined ? {} : { timeoutMs: options.readTimeoutMs }),
    onRecord: async (record) => {
      if (record.key === null || !record.key.startsWith(prefix)) return;
      if (record.value === null) {
        state.delete(record.key);
        return;
      }
      try {
        state.set(record.key, (await decoder.decode(record.value)).value);
      } catch (error) {
        // A record this version cannot read is skipped loudly: the stream starts over for that key (re-collection is idempotent).
        logger.error({ err: error, key: record.key, partition: record.partition, offset: record.offset }, 'Unreadable checkpoint skipped.');
      }
    },
  });
  logger.info({ keys: state.size, records: read.records, ms: Date.now() - started }, 'Checkpoints loaded.');

  const producer: Producer = await createProducer({
    kafka: options.kafka,
    logger: options.logger,
    clientName: `${options.clientName}-checkpoints`,
  });

  return {
    get: (source, stream, scope) => {
      const found = state.get(checkpointKey(source, stream, scope));
      return found ? { ...found } : undefined;
    },
    put: async (checkpoint) => {
      const key = checkpointKey(checkpoint.source, checkpoint.stream, checkpoint.scope);
      await producer.send([{ topic, key, value: encoder.encode(checkpoint) }]);
      if (key.startsWith(prefix)) state.set(key, { ...checkpoint });
    },
    forget: async (source, stream, scope) => {
      const key = checkpointKey(source, stream, scope);
      await producer.send([{ topic, key, value: null }]);
      state.delete(key);
    },
    close: () => producer.close(),
  };
}
