// A narrow consumer for sinks that own their commits (the ClickHouse sink, docs/adr/0016 "sink
// exactly-once"): it hands the caller runs of records per partition, lets it commit an offset
// WITH metadata, tells it the committed offset + metadata of each partition on its first run in
// a generation (assignment or rebalance), and pauses/resumes partitions. Unlike runConsumer it
// never commits on its own and knows nothing of decoding or dead letters.
//
// kafkajs details kept here: eachBatch with autoCommit and eachBatchAutoResolve off; a run is
// resolved (kafkajs moves its fetch position past it) once the caller accepted it, so the caller
// buffers; after a rebalance kafkajs fetches again from the committed offsets. Commits carry the
// generation the caller saw: a commit for an older generation is refused here (kafkajs would
// send it with the new generation id).
import type { Admin, Consumer } from 'kafkajs';
import type { KafkaSettings } from '@tributary/config';
import { TributaryError } from '@tributary/errors';
import type { Logger } from '@tributary/telemetry';
import { createKafka } from './client.ts';
import type { OriginalRecord } from './dead-letter.ts';
import { recordSizeBytes } from './producer.ts';
import type { RecordHeaders } from './records.ts';

export interface RangeRecord extends OriginalRecord {
  /** The bytes the record takes in a record batch, as the producer and the broker count them. */
  sizeBytes: number;
}

export interface CommittedPosition {
  /** The committed offset, or null when the group has none for the partition. */
  offset: string | null;
  metadata: string;
}

export interface PartitionRun {
  topic: string;
  partition: number;
  generation: number;
  records: RangeRecord[];
  /** The partition's high watermark when the run was fetched. */
  highWatermark: string;
  /** Set on the partition's first run in this generation: where the group's position is. */
  assigned?: CommittedPosition;
}

export interface RangeConsumerOptions {
  kafka: KafkaSettings;
  logger: Logger;
  clientName: string;
  groupId: string;
  topics: readonly string[];
  /** A new group starts at the earliest offset (default) or the latest. */
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
  maxBytesPerPartition?: number;
  maxBytes?: number;
  maxWaitTimeMs?: number;
  partitionsConsumedConcurrently?: number;
  /** Takes a run (buffers it); must return quickly. Throwing stops the consumer. */
  onRun(run: PartitionRun): Promise<void> | void;
  /** A rebalance started: every partition may be revoked; commits of this generation will fail. */
  onRebalance?(generation: number): void;
  /** The consumer crashed and will not restart. */
  onCrash?(error: unknown): void;
}

export interface RangeConsumer {
  /** The current generation (1 after the first join); 0 before. */
  generation(): number;
  /** Commits `offset` with `metadata` for a partition, if `generation` is still current. */
  commit(topic: string, partition: number, offset: string, metadata: string, generation: number): Promise<void>;
  pause(topic: string, partition: number): void;
  resume(topic: string, partition: number): void;
  /** Stops fetching, leaves the group, disconnects. */
  stop(): Promise<void>;
}

export class StaleGenerationError extends TributaryError {
  constructor(generation: number, current: number) {
    super('KAFKA_STALE_GENERATION', `Commit for generation ${generation} refused: the group is at generation ${current}.`, {
      failureType: 'transient',
      hint: 'A rebalance happened: the partition is re-read from its committed offset by its new owner.',
    });
  }
}

export async function startRangeConsumer(options: RangeConsumerOptions): Promise<RangeConsumer> {
  const kafka = createKafka(options.kafka, options.clientName, options.logger);
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
    rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    maxBytes: options.maxBytes ?? 10_485_760,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
    allowAutoTopicCreation: false,
    readUncommitted: false,
  });
  const admin: Admin = kafka.admin();
  let generation = 0;
  let rebalancing = false;
  let stopped = false;
  // kafkajs' commitOffsets resolves WITHOUT committing when its runner is not running; eachBatch
  // hands out the runner's isRunning, kept here to refuse (and detect) such commits.
  let runnerRunning: () => boolean = () => true;
  // kafkajs keeps partitions paused across a rebalance; the caller's state for them is gone by
  // then, so every partition paused through this consumer is resumed when the group is joined.
  const paused = new Map<string, { topic: string; partition: number }>();
  const seen = new Set<string>();
  const committedByTopic = new Map<string, Promise<Map<number, CommittedPosition>>>();

  consumer.on(consumer.events.GROUP_JOIN, () => {
    generation += 1;
    rebalancing = false;
    seen.clear();
    committedByTopic.clear();
    for (const { topic, partition } of paused.values()) consumer.resume([{ topic, partitions: [partition] }]);
    paused.clear();
  });
  consumer.on(consumer.events.REBALANCING, () => {
    if (rebalancing) return;
    rebalancing = true;
    options.onRebalance?.(generation);
  });
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) options.onCrash?.(event.payload.error);
  });

  const committed = (topic: string): Promise<Map<number, CommittedPosition>> => {
    let pending = committedByTopic.get(topic);
    if (!pending) {
      pending = admin.fetchOffsets({ groupId: options.groupId, topics: [topic] }).then((response) => {
        const out = new Map<number, CommittedPosition>();
        for (const entry of response) {
          if (entry.topic !== topic) continue;
          for (const { partition, offset, metadata } of entry.partitions)
            out.set(partition, { offset: offset === '-1' || offset === '' ? null : offset, metadata: metadata ?? '' });
        }
        return out;
      });
      pending.catch(() => committedByTopic.delete(topic));
      committedByTopic.set(topic, pending);
    }
    return pending;
  };

  await admin.connect();
  await consumer.connect();
  for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      runnerRunning = isRunning;
      if (!isRunning() || isStale() || batch.isEmpty()) return;
      const key = `${batch.topic}:${batch.partition}`;
      const runGeneration = generation;
      let assigned: CommittedPosition | undefined;
      if (!seen.has(key)) {
        assigned = (await committed(batch.topic)).get(batch.partition) ?? { offset: null, metadata: '' };
        if (runGeneration !== generation || !isRunning() || isStale()) return;
        seen.add(key);
      }
      const records: RangeRecord[] = batch.messages.map((message) => {
        const headers = (message.headers ?? {}) as RecordHeaders;
        return {
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          key: message.key ?? null,
          value: message.value ?? null,
          headers,
          timestamp: Number(message.timestamp),
          sizeBytes: recordSizeBytes({ key: message.key, value: message.value, headers }),
        };
      });
      await options.onRun({
        topic: batch.topic,
        partition: batch.partition,
        generation: runGeneration,
        records,
        highWatermark: batch.highWatermark,
        ...(assigned ? { assigned } : {}),
      });
      resolveOffset(batch.lastOffset());
      await heartbeat();
    },
  });

  return {
    generation: () => generation,
    async commit(topic, partition, offset, metadata, commitGeneration) {
      const refuse = (): boolean => stopped || !runnerRunning() || commitGeneration !== generation || rebalancing;
      if (refuse()) throw new StaleGenerationError(commitGeneration, generation);
      await consumer.commitOffsets([{ topic, partition, offset, metadata }]);
      // Stopped meanwhile: kafkajs may have skipped the commit silently.
      if (refuse()) throw new StaleGenerationError(commitGeneration, generation);
    },
    pause(topic, partition) {
      paused.set(`${topic}:${partition}`, { topic, partition });
      consumer.pause([{ topic, partitions: [partition] }]);
    },
    resume(topic, partition) {
      paused.delete(`${topic}:${partition}`);
      consumer.resume([{ topic, partitions: [partition] }]);
    },
    async stop() {
      stopped = true;
      await consumer.stop().catch(() => undefined);
      await consumer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
}
