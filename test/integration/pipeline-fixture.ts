// Isolated whole-pipeline runs: every stage topic (raw, enriched, curated, quarantine, the
// processors' dead-letter and state topics, the collectors' checkpoints) and the ClickHouse
// database are unique to the run, so the test owns everything it reads. Services are pointed at
// them with their topicOverrides settings, exactly as staging would be.
import { createClickHouseClient, migrate } from '@tributary/clickhouse';
import type { ClickHouseClient } from '@tributary/clickhouse';
import { TOPICS } from '@tributary/events';
import { connectTopicAdmin } from '@tributary/kafka';
import { uniqueName } from '@tributary/testing';
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
  const run = uniqueName(name, '_');
  const topics: Record<string, string> = {};
  // Dead-letter topics keep the dlq. prefix: the sink lands dlq.* topics as dead letters.
  for (const topic of PIPELINE_TOPICS) topics[topic] = topic.startsWith('dlq.') ? `dlq.${run}.${topic.slice(4)}` : `test.${run}.${topic}`;
  const checkpointTopic = `test.${run}.collector-state`;
  const admin = await connectTopicAdmin(stack.kafka, quietLogger);
  try {
    await admin.createTopics([
      ...Object.entries(topics).map(([catalogue, topic]) => ({
        name: topic,
        partitions: COMPACTED.has(catalogue) || catalogue.startsWith('dlq.') ? 1 : partitions,
        replicationFactor: 'broker-default' as const,
        config: COMPACTED.has(catalogue) ? { 'cleanup.policy': 'compact' } : ({} as Record<string, string>),
      })),
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
    overrides: Object.entries(topics).map(([from, to]) => `${from}=${to}`),
    checkpointTopic,
    database,
    clickhouse,
    async drop() {
      await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
      await clickhouse.close();
    },
  };
}
