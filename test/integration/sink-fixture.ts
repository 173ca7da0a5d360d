// Helpers for the sink-clickhouse integration and crash tests: a Post topic and dead-letter topic
// with unique names, a unique ClickHouse database migrated to the landing tables, Post events with
// unique event ids (variations of a golden example), and reads of the landing table.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClickHouseClient, migrate } from '@tributary/clickhouse';
import type { ClickHouseClient } from '@tributary/clickhouse';
import type { ClickHouseSettings } from '@tributary/config';
import { repoRoot } from '@tributary/config';
import { EVENT_SCHEMAS, avroType } from '@tributary/events';
import type { Post } from '@tributary/events';
import { createSerde } from '@tributary/kafka';
import type { AvroSchema, Encoder } from '@tributary/kafka';
import { uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { createTopics, quietLogger, registerSchema } from './kafka-runtime-fixture.ts';

export const POST_SCHEMA = 'io.tributary.social.Post';

export interface SinkTarget {
  topic: string;
  deadLetterTopic: string;
  groupId: string;
  database: string;
  clickhouseSettings: ClickHouseSettings;
  clickhouse: ClickHouseClient;
  encoder: Encoder<Post>;
  /** The sink's topics setting for this topic. */
  topicEntry: string;
}

export async function prepareSinkTarget(stack: TestStack, partitions: number): Promise<SinkTarget> {
  const topic = uniqueName('test.sink', '.');
  const deadLetterTopic = `dlq.${uniqueName('sink')}`;
  await createTopics(stack.kafka, [
    [topic, partitions],
    [deadLetterTopic, 1],
  ]);
  const subject = `${topic}-value`;
  await registerSchema(stack.registry, subject, EVENT_SCHEMAS[POST_SCHEMA].schema as object);
  const encoder = await createSerde(stack.registry).encoder<Post>(subject, { schema: EVENT_SCHEMAS[POST_SCHEMA].schema as AvroSchema });
  const database = uniqueName('sink_test', '_');
  const clickhouseSettings = { ...stack.clickhouse, database };
  const admin = createClickHouseClient({ ...stack.clickhouse, database: 'default' }, 'sink-test-migrate');
  try {
    await migrate(admin, { database, logger: { info: () => undefined, warn: () => undefined } });
  } finally {
    await admin.close();
  }
  const clickhouse = createClickHouseClient(clickhouseSettings, 'sink-test');
  return {
    topic,
    deadLetterTopic,
    groupId: uniqueName('test-sink'),
    database,
    clickhouseSettings,
    clickhouse,
    encoder,
    topicEntry: `${topic}=${POST_SCHEMA}`,
  };
}

let golden: Post | undefined;
function goldenPost(): Post {
  golden ??= avroType(POST_SCHEMA).fromBuffer(
    Buffer.from(
      readFileSync(join(repoRoot(), 'schemas/avro/examples/social/post/tiktok-video.avro.hex'), 'utf8').replace(/\s+/g, ''),
      'hex',
    ),
  ) as Post;
  return golden;
}

/** Post number `n` of a run: unique event id and post id. */
export function makePost(run: string, n: number): Post {
  const base = structuredClone(goldenPost());
  base.envelope.event_id = createHash('sha256').update(`${run}:${n}`).digest('hex');
  base.envelope.entity_id = `${run}-${n}`;
  base.text = `post ${n} of ${run}`;
  return base;
}

export interface LandedRow {
  event_id: string;
  post_id: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  schema_id: number;
  trace_id: string;
}

export async function landedRows(target: SinkTarget): Promise<LandedRow[]> {
  const result = await target.clickhouse.query({
    query: 'SELECT event_id, post_id, source_topic, source_partition, source_offset, schema_id, trace_id FROM landing_posts',
    format: 'JSONEachRow',
  });
  return (await result.json()) as LandedRow[];
}

export async function landedCounts(target: SinkTarget): Promise<{ rows: number; unique: number }> {
  const result = await target.clickhouse.query({
    query: 'SELECT count() AS rows, uniqExact(event_id) AS unique FROM landing_posts',
    format: 'JSONEachRow',
  });
  const [row] = (await result.json()) as { rows: string; unique: string }[];
  return { rows: Number(row?.rows ?? 0), unique: Number(row?.unique ?? 0) };
}

export { quietLogger };
