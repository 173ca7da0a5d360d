// Topic administration narrowed to what `tributary topics apply|list` and the operator commands
// (dlq, quarantine, replay) need, so the CLI never sees kafkajs: list, describe (partitions,
// replication, configuration), create, add partitions, set a topic's configuration overrides,
// consumer-group offsets and state, offsets by time, and deleting a partition's records up to an
// offset. peekRecords reads a bounded number of records from given offsets.
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, ITopicConfig } from 'kafkajs';
import type { KafkaSettings } from '@tributary/config';
import { TributaryError } from '@tributary/errors';
import type { Logger } from '@tributary/telemetry';
import { createKafka } from './client.ts';
import { classifyKafkaError } from './kafka-errors.ts';
import { recordSizeBytes } from './producer.ts';
import type { RecordHeaders } from './records.ts';

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
  /**
   * Per partition of `topic`: the first offset whose record timestamp is at or after `timestampMs`,
   * or the high watermark when no record is that recent.
   */
  offsetsAtTime(topic: string, timestampMs: number): Promise<Array<{ partition: number; offset: string }>>;
  /**
   * The group's committed offset AND its commit metadata per partition of `topic` (offset null:
   * nothing committed; metadata '' when none was committed with it).
   */
  groupCommits(groupId: string, topic: string): Promise<Array<{ partition: number; offset: string | null; metadata: string }>>;
  /** The group's state (Empty, Stable, PreparingRebalance, Dead, …) and its live members. */
  describeGroup(groupId: string): Promise<GroupDescription>;
  /**
   * Deletes every record below `offset` in each listed partition (Kafka's DeleteRecords: the low
   * watermark moves up to it; nothing at or after it is touched). Irreversible.
   */
  deleteRecordsBefore(topic: string, offsets: Array<{ partition: number; offset: string }>): Promise<void>;
  close(): Promise<void>;
}

export interface GroupDescription {
  groupId: string;
  /** Kafka's group state; 'Dead' for a group that does not exist (or has no offsets left). */
  state: string;
  members: Array<{ memberId: string; clientId: string; host: string }>;
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

    // kafkajs' setOffsets joins the group as a paused consumer and commits by seeking: the commit
    // carries no metadata (null; read back as ''), so it also clears a sink's in-flight marker.
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

    offsetsAtTime: (topic, timestampMs) =>
      guard('fetch offsets by timestamp', async () =>
        (await admin.fetchTopicOffsetsByTimestamp(topic, timestampMs))
          .map((partition) => ({ partition: partition.partition, offset: partition.offset }))
          .sort((a, b) => a.partition - b.partition),
      ),

    groupCommits: (groupId, topic) =>
      guard('fetch group offsets', async () => {
        const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return (entry?.partitions ?? [])
          .map((partition) => ({
            partition: partition.partition,
            offset: partition.offset === '-1' || partition.offset === '' ? null : partition.offset,
            metadata: partition.metadata ?? '',
          }))
          .sort((a, b) => a.partition - b.partition);
      }),

    describeGroup: (groupId) =>
      guard('describe group', async () => {
        const { groups } = await admin.describeGroups([groupId]);
        const group = groups.find((entry) => entry.groupId === groupId);
        return {
          groupId,
          state: group?.state ?? 'Dead',
          members: (group?.members ?? []).map((member) => ({
            memberId: member.memberId,
            clientId: member.clientId,
            host: member.clientHost,
          })),
        };
      }),

    deleteRecordsBefore: (topic, offsets) =>
      guard('delete records', async () => {
        if (offsets.length === 0) return;
        await admin.deleteTopicRecords({ topic, partitions: offsets });
      }),

    close: () => admin.disconnect(),
  };
}

export interface PeekedRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
  /** Epoch milliseconds. */
  timestamp: number;
  /** The bytes the record takes in a record batch, as the producer counts them (recordSizeBytes). */
  sizeBytes: number;
}

export interface PeekOptions {
  kafka: KafkaSettings;
  logger: Logger;
  /** Names the client: `<kafka.clientId>-<clientName>`. */
  clientName: string;
  topic: string;
  /** Where to start reading, per partition; partitions left out are not read. */
  from: ReadonlyArray<{ partition: number; offset: string }>;
  /** Records to read per partition at most (fewer when the partition ends before). */
  maxRecordsPerPartition: number;
  timeoutMs?: number;
}

/**
 * Reads up to `maxRecordsPerPartition` records of each listed partition from its start offset,
 * stopping at the partition's high watermark as it was when the read started. Like
 * readTopicToEnd it joins a throwaway consumer group (nothing committed) and deletes it after.
 */
export async function peekRecords(options: PeekOptions): Promise<PeekedRecord[]> {
  const { topic, kafka: settings } = options;
  const logger = options.logger.child({ component: 'kafka-topic-peek', topic });
  const kafka = createKafka(settings, options.clientName, options.logger);
  const admin = kafka.admin();
  const guard = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw classifyKafkaError(error, 'KAFKA_TOPIC_READ_FAILED', `${operation} of ${topic}`, settings.brokers);
    }
  };
  await guard('admin connect', () => admin.connect());
  const groupId = `${settings.clientId}-${options.clientName}-peek-${randomUUID()}`;
  let joined = false;
  try {
    const ends = new Map(
      (await guard('offset lookup', () => admin.fetchTopicOffsets(topic))).map((entry) => [entry.partition, BigInt(entry.high)]),
    );
    // Partition -> [next offset wanted, offset to stop before, records still wanted].
    const wanted = new Map<number, { end: bigint; left: number }>();
    for (const { partition, offset } of options.from) {
      const end = ends.get(partition);
      if (end === undefined)
        throw new TributaryError('KAFKA_NO_SUCH_PARTITION', `${topic} has no partition ${partition}.`, { failureType: 'config' });
      if (BigInt(offset) < end && options.maxRecordsPerPartition > 0) wanted.set(partition, { end, left: options.maxRecordsPerPartition });
    }
    const records: PeekedRecord[] = [];
    if (wanted.size === 0) return records;

    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxBytesPerPartition: 1_048_576 });
    joined = true;
    let finish!: () => void;
    let fail!: (error: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const timeoutMs = options.timeoutMs ?? 60_000;
    const timer = setTimeout(
      () =>
        fail(
          new TributaryError('KAFKA_TOPIC_READ_TIMEOUT', `Reading records of ${topic} took longer than ${timeoutMs} ms.`, {
            failureType: 'transient',
            details: { topic, partitionsLeft: [...wanted.keys()] },
          }),
        ),
      timeoutMs,
    );
    consumer.on(consumer.events.CRASH, (event) => fail(event.payload.error));
    const starts = new Map(options.from.map((entry) => [entry.partition, BigInt(entry.offset)]));
    try {
      await guard('consumer connect', () => consumer.connect());
      await guard('subscribe', () => consumer.subscribe({ topics: [topic], fromBeginning: true }));
      await guard('consumer start', () =>
        consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: true,
          eachBatch: async ({ batch }) => {
            const state = wanted.get(batch.partition);
            const start = starts.get(batch.partition);
            if (!state || start === undefined) return;
            for (const message of batch.messages) {
              const offset = BigInt(message.offset);
              if (offset < start) continue;
              if (offset >= state.end || state.left === 0) break;
              const headers = (message.headers ?? {}) as RecordHeaders;
              records.push({
                partition: batch.partition,
                offset: message.offset,
                key: message.key ?? null,
                value: message.value ?? null,
                headers,
                timestamp: Number(message.timestamp),
                sizeBytes: recordSizeBytes({ key: message.key, value: message.value, headers }),
              });
              state.left -= 1;
            }
            if (state.left === 0 || BigInt(batch.lastOffset()) + 1n >= state.end) {
              wanted.delete(batch.partition);
              if (wanted.size === 0) finish();
            }
          },
        }),
      );
      // Seeks given after run() apply once the group is joined; partitions without one start at the beginning.
      for (const { partition, offset } of options.from) consumer.seek({ topic, partition, offset });
      await done;
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch((error: unknown) => logger.debug({ err: error }, 'Peek consumer disconnect failed.'));
    }
    return records.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
  } finally {
    if (joined) await admin.deleteGroups([groupId]).catch((error: unknown) => logger.debug({ err: error }, 'Peek group not deleted.'));
    await admin.disconnect().catch(() => undefined);
  }
}
