// Isolated whole-pipeline runs: every stage topic (raw, enriched, curated, quarantine, the
// processors' dead-letter and state topics, the collectors' checkpoints) and the ClickHouse
// database are unique to the run, so the test owns everything it reads. Services are pointed at
// them with their topicOverrides settings, exactly as staging would be.
import { createClickHouseClient, migrate } from '@tributary/clickhouse';
import type { ClickHouseClient } from '@tributary/clickhouse';
import { TOPICS } from '@tributary/events';
import { connectTopicAdmin } from '@tributary/kafka';
import { createIsolatedTopics, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { quietLogger } from './kafka-runtime-fixture.ts';

export const EVENT_SCHEMAS_BY_TYPE = {
  posts: 'io.tributary.social.Post',
  'post-metrics': 'io.tributary.social.PostMetricsSnapshot',
  'account-metrics': 'io.tributary.social.AccountMetricsSnapshot',
  comments: 'io.tributary.social.Comment',
  deletions: 'io.tributary.social.Deletion',
} as const;

/** Every catalogue topic a pipeline run touches (besides the sources' own dead-letter topics). */
export const PIPELINE_TOPICS = [
  ...Object.keys(TOPICS).filter((topic) => /^social\.(raw|enriched|curated|quarantine)\./.test(topic)),
  'dlq.transform-enrich',
  'dlq.transform-quality',
  'dlq.sink-clickhouse',
  'tributary.enrich-state',
  'tributary.quality-state',
] as const;

const COMPACTED = new Set(['tributary.enrich-state', 'tributary.quality-state']);

export interface IsolatedPipeline {
  /** catalogue topic → this run's topic */
  topics: Record<string, string>;
  /** `<catalogue topic>=<topic>` entries for topicOverrides settings. */
  overrides: string[];
  checkpointTopic: string;
  database: string;
  clickhouse: ClickHouseClient;
  drop(): Promise<void>;
}

export async function isolatedPipeline(stack: TestStack, name: string, partitions = 3): Promise<IsolatedPipeline> {
  const { topics, overrides } = await createIsolatedTopics(stack, name, PIPELINE_TOPICS, {
    partitions: (topic) => (COMPACTED.has(topic) || topic.startsWith('dlq.') ? 1 : partitions),
    compacted: [...COMPACTED],
  });
  const run = uniqueName(name, '_');
  const checkpointTopic = `test.${run}.collector-state`;
  const admin = await connectTopicAdmin(stack.kafka, quietLogger);
  try {
    await admin.createTopics([
      { name: checkpointTopic, partitions: 1, replicationFactor: 'broker-default', config: { 'cleanup.policy': 'compact' } },
    ]);
  } finally {
    await admin.close();
  }
  const database = `test_${run}`;
  const migrator = createClickHouseClient({ ...stack.clickhouse, database: 'default' }, 'pipeline-test-migrate');
  try {
    await migrate(migrator, { database, logger: { info: () => undefined, warn: () => undefined } });
  } finally {
    await migrator.close();
  }
  const clickhouse = createClickHouseClient({ ...stack.clickhouse, database }, 'pipeline-test');
  return {
    topics,
    overrides,
    checkpointTopic,
    database,
    clickhouse,
    async drop() {
      await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
      await clickhouse.close();
    },
  };
}
