// Topic administration narrowed to what `tributary topics apply|list` needs, so the catalogue
// code never sees kafkajs: list, describe (partitions, replication, configuration), create, add
// partitions, and set a topic's configuration overrides.
import kafkajs from 'kafkajs';
import type { Admin, ITopicConfig } from 'kafkajs';
import type { KafkaSettings } from '@tributary/config';
import { TributaryError } from '@tributary/errors';
import type { Logger } from '@tributary/telemetry';
import { createKafka } from './client.ts';

// kafkajs is CommonJS; Node's static analysis misses these exports, so take them off the module object.
const { ConfigResourceTypes, ConfigSource } = kafkajs;

export interface TopicState {
  name: string;
  partitions: number;
  /** Replicas of the partition with the fewest (they normally all match). */
  replicationFactor: number;
  /** Effective configuration: every value the broker reports for the topic. */
  config: Record<string, string>;
  /** The topic's own overrides (config source TOPIC_CONFIG), the part a config change replaces. */
  overrides: Record<string, string>;
}

export interface NewTopic {
  name: string;
  partitions: number;
  /** 'broker-default' lets the cluster's default.replication.factor decide. */
  replicationFactor: number | 'broker-default';
  config: Record<string, string>;
}

export interface TopicAdmin {
  /** Every topic name except Kafka's internal ones (__consumer_offsets, __transaction_state, …). */
  listTopics(): Promise<string[]>;
  describeTopics(names: string[]): Promise<TopicState[]>;
  createTopics(topics: NewTopic[]): Promise<void>;
  /** Grows a topic to `count` partitions in total. */
  createPartitions(name: string, count: number): Promise<void>;
  /**
   * Replaces the topic's configuration overrides with `overrides` (Kafka's AlterConfigs is not
   * incremental: an override left out returns to the broker default). Pass the current overrides
   * merged with the changes.
   */
  setOverrides(name: string, overrides: Record<string, string>): Promise<void>;
  /** Commits `offsets` (the next offset to read, per partition) for a consumer group that has no live members. */
  commitGroupOffsets(groupId: string, topic: string, offsets: Array<{ partition: number; offset: string }>): Promise<void>;
  /** The group's committed offset per partition of `topic` ('-1': none). */
  groupOffsets(groupId: string, topic: string): Promise<Record<number, string>>;
  /** Per partition of `topic`: the low watermark (first retained offset) and the high watermark (next offset to be written). */
  watermarks(topic: string): Promise<Array<{ partition: number; low: string; high: string }>>;
  close(): Promise<void>;
}

function wrap(operation: string, error: unknown, brokers: readonly string[]): TributaryError {
  const message = error instanceof Error ? error.message : String(error);
  const retriable =
    (error as { retriable?: unknown }).retriable === true || /ECONNREFUSED|Connection error|timed out|ETIMEDOUT/i.test(message);
  return new TributaryError('KAFKA_ADMIN_FAILED', `Kafka ${operation} failed: ${message}`, {
    failureType: retriable ? 'transient' : 'system',
    cause: error,
    ...(retriable ? { hint: `Check that Kafka answers at ${brokers.join(',')} (npm run stack -- up for the local stack).` } : {}),
    details: { operation, brokers },
  });
}

export async function connectTopicAdmin(settings: KafkaSettings, logger: Logger): Promise<TopicAdmin> {
  const admin: Admin = createKafka(settings, 'topic-admin', logger).admin();
  const guard = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof TributaryError) throw error;
      throw wrap(operation, error, settings.brokers);
    }
  };
  await guard('admin connect', () => admin.connect());

  return {
    listTopics: () => guard('list topics', async () => (await admin.listTopics()).filter((name) => !name.startsWith('__')).sort()),

    describeTopics: (names) =>
      guard('describe topics', async () => {
        if (names.length === 0) return [];
        const metadata = await admin.fetchTopicMetadata({ topics: names });
        const configs = await admin.describeConfigs({
          includeSynonyms: false,
          resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
        });
        return metadata.topics.map((topic) => {
          const resource = configs.resources.find((entry) => entry.resourceName === topic.name);
          const config: Record<string, string> = {};
          const overrides: Record<string, string> = {};
          for (const entry of resource?.configEntries ?? []) {
            if (entry.configValue === null || entry.configValue === undefined) continue;
            config[entry.configName] = entry.configValue;
            if (entry.configSource === ConfigSource.TOPIC_CONFIG) overrides[entry.configName] = entry.configValue;
          }
          const replicas = topic.partitions.map((partition) => partition.replicas.length);
          return {
            name: topic.name,
            partitions: topic.partitions.length,
            replicationFactor: replicas.length === 0 ? 0 : Math.min(...replicas),
            config,
            overrides,
          };
        });
      }),

    createTopics: (topics) =>
      guard('create topics', async () => {
        if (topics.length === 0) return;
        const requests: ITopicConfig[] = topics.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          replicationFactor: topic.replicationFactor === 'broker-default' ? -1 : topic.replicationFactor,
          configEntries: Object.entries(topic.config).map(([name, value]) => ({ name, value })),
        }));
        const created = await admin.createTopics({ topics: requests, waitForLeaders: true });
        if (!created) {
          throw new TributaryError('KAFKA_TOPIC_EXISTS', `Topics appeared while being created: ${topics.map((t) => t.name).join(', ')}.`, {
            failureType: 'transient',
            hint: 'Another process created them at the same time; run the command again to see the new state.',
          });
        }
      }),

    createPartitions: (name, count) =>
      guard('create partitions', async () => {
        await admin.createPartitions({ topicPartitions: [{ topic: name, count }] });
      }),

    setOverrides: (name, overrides) =>
      guard('alter topic config', async () => {
        await admin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: ConfigResourceTypes.TOPIC,
              name,
              configEntries: Object.entries(overrides).map(([key, value]) => ({ name: key, value })),
            },
          ],
        });
      }),

    commitGroupOffsets: (groupId, topic, offsets) =>
      guard('commit group offsets', async () => {
        await admin.setOffsets({ groupId, topic, partitions: offsets });
      }),

    groupOffsets: (groupId, topic) =>
      guard('fetch group offsets', async () => {
        const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return Object.fromEntries((entry?.partitions ?? []).map((partition) => [partition.partition, partition.offset]));
      }),

    watermarks: (topic) =>
      guard('fetch topic offsets', async () =>
        (await admin.fetchTopicOffsets(topic))
          .map((partition) => ({ partition: partition.partition, low: partition.low, high: partition.high }))
          .sort((a, b) => a.partition - b.partition),
      ),

    close: () => admin.disconnect(),
  };
}
