// Isolated topics for a test: every catalogue topic a service touches gets a fresh stand-in,
// created here, and the `<catalogue topic>=<topic>` entries its topicOverrides setting takes.
// Compacted topics (state) stay compacted; dead-letter topics keep their `dlq.` prefix, which the
// sink uses to recognise dead letters.
import { connectTopicAdmin } from '@tributary/kafka';
import { createLogger } from '@tributary/telemetry';
import { uniqueName } from './names.ts';
import type { TestStack } from './stack.ts';

export interface IsolatedTopics {
  /** catalogue topic → this test's topic */
  topics: Record<string, string>;
  /** `<catalogue topic>=<topic>` entries for a topicOverrides setting. */
  overrides: string[];
}

export interface IsolatedTopicsOptions {
  /** Partitions of a topic (default 1). */
  partitions?(catalogueTopic: string): number;
  /** Catalogue topics that are compacted (state). */
  compacted?: readonly string[];
}

export async function createIsolatedTopics(
  stack: TestStack,
  prefix: string,
  catalogueTopics: Iterable<string>,
  options: IsolatedTopicsOptions = {},
): Promise<IsolatedTopics> {
  const run = uniqueName(prefix, '_');
  const topics: Record<string, string> = {};
  for (const topic of catalogueTopics) topics[topic] = topic.startsWith('dlq.') ? `dlq.${run}.${topic.slice(4)}` : `test.${run}.${topic}`;
  const compacted = new Set(options.compacted ?? []);
  const admin = await connectTopicAdmin(stack.kafka, createLogger({ serviceName: 'test-topics', level: 'error' }));
  try {
    await admin.createTopics(
      Object.entries(topics).map(([catalogue, name]) => ({
        name,
        partitions: options.partitions?.(catalogue) ?? 1,
        replicationFactor: 'broker-default' as const,
        config: compacted.has(catalogue) ? { 'cleanup.policy': 'compact' } : ({} as Record<string, string>),
      })),
    );
  } finally {
    await admin.close();
  }
  return { topics, overrides: Object.entries(topics).map(([from, to]) => `${from}=${to}`) };
}
