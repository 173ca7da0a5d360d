// Configuration of sink-clickhouse: one convict schema, read only through loadConfig
// (environment names TRIBUTARY_SINK_* plus the shared Kafka, registry, ClickHouse and telemetry
// fragments).
import type convict from 'convict';
import { clickhouseSchema, kafkaSchema, loadConfig, registrySchema, telemetrySchema } from '@tributary/config';
import type { ClickHouseSettings, KafkaSettings, LoadOptions, RegistrySettings, TelemetrySettings } from '@tributary/config';
import { clickhouseRetentionSchema } from '@tributary/clickhouse';
import type { ClickHouseRetentionSettings } from '@tributary/clickhouse';
import { catalogueFailedTopics } from './failed-records.ts';

export const SERVICE = 'sink-clickhouse';

export const CRASH_POINTS = ['', 'after-marker', 'after-insert'] as const;

/** Formats the sink can INSERT in (both are row-aligned JSON, so a refused batch can be halved). */
export const INSERT_FORMATS = ['JSONEachRow', 'JSONCompactEachRow'] as const;
export type InsertFormat = (typeof INSERT_FORMATS)[number];
export type CrashPoint = (typeof CRASH_POINTS)[number];

export interface SinkOptions {
  groupId: string;
  /** Topics to land: `topic` (schema from the catalogue) or `topic=<schema full name>`. */
  topics: string[];
  /**
   * Quarantine and dead-letter topics to land in the `quarantine` table: `dlq.<service>`, or a
   * quarantine topic as `topic` / `topic=<schema full name>`. Absent (programmatic use): none.
   */
  quarantineTopics?: string[];
  deadLetterTopic: string;
  maxBatchRows: number;
  maxBatchBytes: number;
  maxBatchWaitMs: number;
  insertFormat: InsertFormat;
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
  shutdownTimeoutMs: number;
  migrate: boolean;
  crashPoint: CrashPoint;
  crashAfterInserts: number;
}

export interface SinkSettings {
  sink: SinkOptions;
  kafka: KafkaSettings;
  registry: RegistrySettings;
  clickhouse: ClickHouseSettings & { retention: ClickHouseRetentionSettings };
  telemetry: TelemetrySettings;
}

const ENV = 'TRIBUTARY_SINK';

export const sinkOptionsSchema: convict.Schema<SinkOptions> = {
  groupId: {
    doc: 'Consumer group; its committed offsets and their metadata are the sink state.',
    format: String,
    default: 'sink-clickhouse',
    env: `${ENV}_GROUP_ID`,
  },
  topics: {
    doc: 'Topics to land, comma-separated: `topic` (its value schema from the topic catalogue) or `topic=io.tributary.social.Post`.',
    format: Array,
    default: [
      'social.curated.posts',
      'social.curated.post-metrics',
      'social.curated.account-metrics',
      'social.curated.comments',
      'social.curated.deletions',
    ],
    env: `${ENV}_TOPICS`,
  },
  quarantineTopics: {
    doc: "Topics landed in the quarantine table, comma-separated: dlq.<service> topics (dead letters, any bytes) and quarantine topics (`topic`, value schema from the catalogue, or `topic=io.tributary.social.Post`). The default, every social.quarantine.* and dlq.* topic of the catalogue, includes the sink's own dead-letter topic: a record read from it that ClickHouse refuses is logged and skipped, never dead-lettered again (no loop); it stays in the topic for `tributary dlq`. Empty: land none.",
    format: Array,
    default: catalogueFailedTopics(),
    env: `${ENV}_QUARANTINE_TOPICS`,
  },
  deadLetterTopic: {
    doc: 'Dead-letter topic for records that cannot be landed (data errors).',
    format: String,
    default: 'dlq.sink-clickhouse',
    env: `${ENV}_DEAD_LETTER_TOPIC`,
  },
  maxBatchRows: {
    doc: 'Most records in one INSERT (per partition).',
    format: 'positive-int',
    default: 10_000,
    env: `${ENV}_MAX_BATCH_ROWS`,
  },
  maxBatchBytes: {
    doc: 'Most Kafka record bytes in one INSERT (per partition). Keep well below the embedded server insertChunkBytes.',
    format: 'positive-int',
    default: 4 * 1024 * 1024,
    env: `${ENV}_MAX_BATCH_BYTES`,
  },
  maxBatchWaitMs: {
    doc: 'Longest a record waits for its batch to fill before the batch is inserted anyway.',
    format: 'positive-int',
    default: 1000,
    env: `${ENV}_MAX_BATCH_WAIT_MS`,
  },
  insertFormat: {
    doc: 'INSERT body format: JSONEachRow (an object per row) or JSONCompactEachRow (an array per row under an explicit column list; smaller bodies, npm run bench:sink compares them).',
    format: [...INSERT_FORMATS],
    default: 'JSONEachRow',
    env: `${ENV}_INSERT_FORMAT`,
  },
  fromBeginning: {
    doc: 'A new consumer group starts at the earliest offset (true) or the latest.',
    format: Boolean,
    default: true,
    env: `${ENV}_FROM_BEGINNING`,
  },
  sessionTimeoutMs: {
    doc: 'Consumer group session timeout: how long a dead sink holds its partitions.',
    format: 'positive-int',
    default: 30_000,
    env: `${ENV}_SESSION_TIMEOUT_MS`,
  },
  heartbeatIntervalMs: {
    doc: 'Consumer group heartbeat interval.',
    format: 'positive-int',
    default: 3_000,
    env: `${ENV}_HEARTBEAT_INTERVAL_MS`,
  },
  retryInitialDelayMs: {
    doc: 'First delay before retrying an INSERT that failed transiently (doubles, jittered).',
    format: 'positive-int',
    default: 200,
    env: `${ENV}_RETRY_INITIAL_DELAY_MS`,
  },
  retryMaxDelayMs: {
    doc: 'Longest delay between retries of a failed INSERT.',
    format: 'positive-int',
    default: 10_000,
    env: `${ENV}_RETRY_MAX_DELAY_MS`,
  },
  shutdownTimeoutMs: {
    doc: 'On SIGTERM, time to insert and commit buffered batches before exiting anyway (safe: in-flight ranges are re-formed).',
    format: 'positive-int',
    default: 20_000,
    env: `${ENV}_SHUTDOWN_TIMEOUT_MS`,
  },
  migrate: { doc: 'Apply ClickHouse migrations (and retention) at start.', format: Boolean, default: true, env: `${ENV}_MIGRATE` },
  crashPoint: {
    doc: 'TEST ONLY: SIGKILL the sink itself at this point of the crashAfterInserts-th batch (after-marker: in-flight range committed, nothing inserted; after-insert: inserted, not committed). Empty: never.',
    format: [...CRASH_POINTS],
    default: '',
    env: `${ENV}_CRASH_POINT`,
  },
  crashAfterInserts: {
    doc: 'TEST ONLY: the batch number (1-based) at which crashPoint fires.',
    format: 'nat',
    default: 1,
    env: `${ENV}_CRASH_AFTER_INSERTS`,
  },
};

export const sinkSchema: convict.Schema<SinkSettings> = {
  sink: sinkOptionsSchema,
  kafka: kafkaSchema,
  registry: registrySchema,
  clickhouse: { ...clickhouseSchema, retention: clickhouseRetentionSchema } as convict.Schema<SinkSettings['clickhouse']>,
  telemetry: telemetrySchema(SERVICE),
};

export function loadSinkSettings(options: LoadOptions = {}): SinkSettings {
  return loadConfig(sinkSchema, options).values as SinkSettings;
}
