// A source run against the real stack on its own topics: the catalogue's raw topics overridden to test.<run>.*,
// a compacted checkpoint topic, and the values read back decoded with the catalogue's schemas.
import { EventEmitter } from 'node:events';
import type { KafkaSettings, RegistrySettings } from '@tributary/config';
import type { SignalSource } from '@tributary/connector-kit';
import { topicValueType } from '@tributary/events';
import type { AvroTopicName } from '@tributary/events';
import { connectTopicAdmin, createSerde, readTopicToEnd } from '@tributary/kafka';
import type { Logger } from '@tributary/telemetry';

/** Signals a test emits itself (runSourceService's `signals`). */
export class TestSignals extends EventEmitter implements SignalSource {}

export interface IsolatedSourceTopics {
  /** Catalogue topic → this run's topic. */
  topics: Record<string, string>;
  checkpointTopic: string;
  /** Settings overrides that point a source at them. */
  overrides: { 'source.topicOverrides': string[]; 'source.checkpointTopic': string };
}

/** Creates `test.<run>.<last segment>` for each catalogue topic (3 partitions) and `test.<run>.collector-state` (compacted). */
export async function isolatedSourceTopics(
  stack: { kafka: KafkaSettings },
  logger: Logger,
  run: string,
  catalogueTopics: readonly string[],
): Promise<IsolatedSourceTopics> {
  const topics = Object.fromEntries(catalogueTopics.map((topic) => [topic, `test.${run}.${topic.split('.').at(-1)}`]));
  const checkpointTopic = `test.${run}.collector-state`;
  const admin = await connectTopicAdmin(stack.kafka, logger);
  try {
    await admin.createTopics([
      ...Object.values(topics).map((name) => ({ name, partitions: 3, replicationFactor: 'broker-default' as const, config: {} })),
      { name: checkpointTopic, partitions: 1, replicationFactor: 'broker-default', config: { 'cleanup.policy': 'compact' } },
    ]);
  } finally {
    await admin.close();
  }
  return {
    topics,
    checkpointTopic,
    overrides: {
      'source.topicOverrides': Object.entries(topics).map(([from, to]) => `${from}=${to}`),
      'source.checkpointTopic': checkpointTopic,
    },
  };
}

/** Every value of `topic` (written with the schema of `catalogueTopic`), decoded, in partition order. */
export async function readTopicValues<T>(
  stack: { kafka: KafkaSettings; registry: RegistrySettings },
  logger: Logger,
  clientName: string,
  catalogueTopic: string,
  topic: string,
): Promise<T[]> {
  const decoder = createSerde(stack.registry).decoder<T>(topicValueType(catalogueTopic as AvroTopicName));
  const values: T[] = [];
  await readTopicToEnd({
    kafka: stack.kafka,
    logger,
    clientName,
    topic,
    onRecord: async (record) => void values.push((await decoder.decode(record.value)).value),
  });
  return values;
}
