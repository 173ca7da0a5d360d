// The consumer runtime every Tributary consumer (transforms, the ClickHouse sink) runs on.
//
//   const runtime = await runConsumer({ service: 'transform-enrich', groupId, topics, readerSchemas, handleBatch, … });
//   await runtime.done;   // resolves after SIGTERM/SIGINT or stop(); rejects on a fatal error
//
// Delivery contract (docs/adr/0015): at-least-once. Offsets are committed only after the
// handler's effect is durable and the dead letters of the batch are acknowledged; poison records
// go to `dlq.<service>` with their original bytes and the partition keeps flowing; transient
// failures are retried in place, then the partition is paused and retried later (back-pressure),
// never dead-lettered; anything unclassified stops the consumer without committing.
//
// Built on kafkajs' eachBatch with autoCommit off and eachBatchAutoResolve off: kafkajs fetches
// from the last *resolved* offset, so a batch that is not resolved (paused, revoked, abandoned)
// is fetched again. kafkajs heartbeats only between batches, so the runtime heartbeats while a
// handler works and while it waits to retry. Memory is bounded by the fetch limits
// (maxBytesPerPartition per partition, maxBytes per fetch) and by pausing, not by buffering.
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { KafkaSettings, RegistrySettings } from '@tributary/config';
import { ConfigError, TributaryError, describeCause } from '@tributary/errors';
import type { Logger } from '@tributary/telemetry';
import { emptyTopicStats, processPartitionBatch } from './batch-processor.ts';
import type { BatchHandler, PartitionControl, RuntimeEvent, TopicConsumeStats } from './batch-processor.ts';
import { createKafka } from './client.ts';
import type { DeadLetterStage, OriginalRecord } from './dead-letter.ts';
import { errorCodeOf } from './dead-letter.ts';
import { classifyKafkaError, isRebalanceError } from './kafka-errors.ts';
import { createProducer } from './producer.ts';
import type { Producer, ProducerCompression } from './producer.ts';
import { DEFAULT_RETRY_POLICY, backoffDelayMs } from './retry.ts';
import type { RetryPolicy } from './retry.ts';
import { createSerde } from './serde.ts';
import type { AvroSchema, Decoder, Serde } from './serde.ts';

export interface ConsumerRuntimeOptions<T> {
  kafka: KafkaSettings;
  /** Registry settings, or a Serde to share its schema caches with producers of the same process. */
  registry: RegistrySettings | Serde;
  logger: Logger;
  /** The service's name: names the client, the dead-letter topic and the dead letters' service header. */
  service: string;
  groupId: string;
  topics: readonly string[];
  /** The reader schema for each topic (e.g. EVENT_SCHEMAS[name].schema or avroType(name) from @tributary/events). */
  readerSchemas: Readonly<Record<string, AvroSchema>>;
  handleBatch: BatchHandler<T>;
  /** Default `dlq.<service>`; it must exist (schemas/topics/catalogue.yaml, `tributary topics apply`). */
  deadLetterTopic?: string;
  /** Stage named in dead letters the handler causes. Default transform. */
  stage?: Exclude<DeadLetterStage, 'deserialize'>;
  /** A new group starts at the earliest offset (default) or the latest. */
  fromBeginning?: boolean;
  /** Most records per handler call; a fetched batch is split. Default 1000. */
  maxBatchRecords?: number;
  /** Retries in place for transient failures. Default 5 attempts, 200 ms doubling to 5 s. */
  retry?: Partial<RetryPolicy>;
  /** Pause after retries in place ran out: doubles from retryPauseMs up to maxRetryPauseMs (jittered between half and all). Defaults 5 s, 60 s. */
  retryPauseMs?: number;
  maxRetryPauseMs?: number;
  /** Fetch limits, the bound on memory: per partition (default 1 MiB) and per fetch (default 10 MiB). */
  maxBytesPerPartition?: number;
  maxBytes?: number;
  /** How long a fetch waits for data. Default 500 ms. */
  maxWaitTimeMs?: number;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Partitions handled at the same time. Default 1. */
  partitionsConsumedConcurrently?: number;
  /** Signals that trigger stop(). Default SIGTERM and SIGINT; [] for none. */
  shutdownSignals?: readonly NodeJS.Signals[];
  /** How long stop() lets the in-flight batch finish before abandoning it uncommitted. Default 30 s. */
  shutdownDeadlineMs?: number;
  /** Limit for dead letters (the DLQ topics' max.message.bytes: 2 MiB). */
  deadLetterMaxRecordBytes?: number;
  deadLetterCompression?: ProducerCompression;
  /** Typed hook for metrics and tests; must not throw. */
  onEvent?: (event: RuntimeEvent) => void;
}

export type RuntimePhase = 'running' | 'stopping' | 'stopped' | 'failed';

export interface RuntimeStats {
  phase: RuntimePhase;
  topics: Record<string, TopicConsumeStats>;
  /** Partitions this member owns (as of the last rebalance). */
  assignment: Record<string, number[]>;
  paused: Array<{ topic: string; partition: number; resumeAt: string }>;
}

export interface StopResult {
  /** True when the in-flight batch did not finish by the deadline and was left uncommitted. */
  abandoned: boolean;
}

export interface ConsumerRuntime {
  stats(): RuntimeStats;
  /** Stops fetching, lets the in-flight batch finish and commit (or abandons it at the deadline), leaves the group, disconnects. */
  stop(options?: { deadlineMs?: number }): Promise<StopResult>;
  /** Resolves when stopped; rejects with the error when the runtime failed. */
  readonly done: Promise<void>;
}

const DEFAULT_DLQ_MAX_RECORD_BYTES = 2_097_152;

function toOriginal(topic: string, partition: number, message: KafkaMessage): OriginalRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: message.headers ?? {},
    timestamp: Number(message.timestamp),
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Checks that the subscribed topics and the dead-letter topic exist (never created implicitly). */
async function checkTopics(options: ConsumerRuntimeOptions<unknown>, deadLetterTopic: string): Promise<void> {
  const admin = createKafka(options.kafka, `${options.service}-admin`, options.logger).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = [...options.topics, deadLetterTopic].filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      throw new ConfigError('KAFKA_TOPIC_MISSING', `Topics missing for ${options.service}: ${missing.join(', ')}.`, {
        hint: 'Topics are never created implicitly: declare them in schemas/topics/catalogue.yaml and run `tributary topics apply`.',
        details: { missing },
      });
    }
  } catch (error) {
    throw classifyKafkaError(error, 'KAFKA_ADMIN_FAILED', 'topic check', options.kafka.brokers);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function runConsumer<T = unknown>(options: ConsumerRuntimeOptions<T>): Promise<ConsumerRuntime> {
  const deadLetterTopic = options.deadLetterTopic ?? `dlq.${options.service}`;
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const retryPauseMs = options.retryPauseMs ?? 5_000;
  const maxRetryPauseMs = options.maxRetryPauseMs ?? 60_000;
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 30_000;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
  const shutdownDeadlineMs = options.shutdownDeadlineMs ?? 30_000;
  const maxBatchRecords = options.maxBatchRecords ?? 1000;
  const logger = options.logger.child({ component: 'consumer-runtime', service: options.service, group: options.groupId });
  const emitHook = options.onEvent ?? (() => undefined);
  const emit = (event: RuntimeEvent): void => {
    try {
      emitHook(event);
    } catch (error) {
      logger.warn({ err: error }, 'Consumer runtime event hook threw; ignored');
    }
  };

  if (options.topics.length === 0) throw new ConfigError('KAFKA_CONSUMER_CONFIG', `${options.service}: no topics to consume.`);
  const serde: Serde = 'load' in options.registry ? options.registry : createSerde(options.registry);
  const decoders = new Map<string, Decoder<T>>();
  for (const topic of options.topics) {
    const reader = options.readerSchemas[topic];
    if (reader === undefined) {
      throw new ConfigError('KAFKA_CONSUMER_CONFIG', `${options.service}: no reader schema for topic ${topic}.`, {
        hint: 'Pass readerSchemas: { [topic]: schema } for every subscribed topic (the generated schemas of @tributary/events).',
      });
    }
    decoders.set(topic, serde.decoder<T>(reader));
  }

  await checkTopics(options as ConsumerRuntimeOptions<unknown>, deadLetterTopic);
  const deadLetters: Producer = await createProducer({
    kafka: options.kafka,
    logger: options.logger,
    clientName: `${options.service}-dlq`,
    maxRecordBytes: options.deadLetterMaxRecordBytes ?? DEFAULT_DLQ_MAX_RECORD_BYTES,
    maxRequestBytes: options.deadLetterMaxRecordBytes ?? DEFAULT_DLQ_MAX_RECORD_BYTES,
    ...(options.deadLetterCompression ? { compression: options.deadLetterCompression } : {}),
  });

  const consumer: Consumer = createKafka(options.kafka, options.service, options.logger).consumer({
    groupId: options.groupId,
    sessionTimeout: sessionTimeoutMs,
    rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
    heartbeatInterval: heartbeatIntervalMs,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    maxBytes: options.maxBytes ?? 10_485_760,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
    allowAutoTopicCreation: false,
    readUncommitted: false,
  });

  let phase: RuntimePhase = 'running';
  let generation = 0;
  let rebalancing = false;
  let abandoned = false;
  const assignment = new Map<string, Set<number>>();
  const perTopic = new Map<string, TopicConsumeStats>(options.topics.map((topic) => [topic, emptyTopicStats()]));
  const pauses = new Map<string, { topic: string; partition: number; count: number; resumeAt: number; timer?: NodeJS.Timeout }>();
  const abort = new AbortController();
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined); // observed through runtime.done; never an unhandled rejection
  let stopping: Promise<StopResult> | undefined;
  let fatal: unknown;

  const isAssigned = (topic: string, partition: number): boolean => assignment.get(topic)?.has(partition) ?? false;

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    generation += 1;
    rebalancing = false;
    assignment.clear();
    for (const [topic, partitions] of Object.entries(event.payload.memberAssignment)) assignment.set(topic, new Set(partitions));
    const assigned = Object.fromEntries([...assignment].map(([topic, partitions]) => [topic, [...partitions].sort((a, b) => a - b)]));
    logger.info({ assignment: assigned, generation }, 'Consumer group joined');
    emit({ type: 'assigned', assignment: assigned });
  });
  consumer.on(consumer.events.REBALANCING, () => {
    rebalancing = true;
  });
  consumer.on(consumer.events.CRASH, (event) => {
    if (event.payload.restart || phase !== 'running') return;
    failWith(classifyKafkaError(event.payload.error, 'KAFKA_CONSUMER_CRASHED', 'consume', options.kafka.brokers));
  });

  const clearPauses = (): void => {
    for (const entry of pauses.values()) clearTimeout(entry.timer);
    pauses.clear();
  };

  function failWith(error: unknown): void {
    if (phase !== 'running') return;
    phase = 'failed';
    fatal = error;
    logger.error({ err: error }, 'Consumer runtime stopped by an error it cannot handle; nothing more is committed');
    emit({ type: 'fatal', errorCode: errorCodeOf(error), message: error instanceof Error ? error.message : String(error) });
    try {
      consumer.pause(options.topics.map((topic) => ({ topic })));
    } catch {
      // not running any more
    }
    void shutdown(shutdownDeadlineMs);
  }

  const pausePartition = (topic: string, partition: number, error: unknown): void => {
    const key = `${topic}:${partition}`;
    const entry = pauses.get(key) ?? { topic, partition, count: 0, resumeAt: 0 };
    entry.count += 1;
    const resumeInMs = backoffDelayMs(entry.count, { initialDelayMs: retryPauseMs, maxDelayMs: maxRetryPauseMs });
    clearTimeout(entry.timer);
    entry.resumeAt = Date.now() + resumeInMs;
    consumer.pause([{ topic, partitions: [partition] }]);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (phase !== 'running') return;
      consumer.resume([{ topic, partitions: [partition] }]);
      emit({ type: 'resumed', topic, partition });
      logger.info({ topic, partition }, 'Partition resumed after back-pressure pause');
    }, resumeInMs);
    pauses.set(key, entry);
    logger.warn(
      { topic, partition, resumeInMs, pauses: entry.count, err: describeCause(error) },
      'Partition paused: a transient failure outlasted its retries; nothing was committed or dead-lettered for it',
    );
    emit({ type: 'paused', topic, partition, resumeInMs, errorCode: errorCodeOf(error) });
  };

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const { topic, partition } = batch;
    const decoder = decoders.get(topic);
    if (!decoder) return; // a topic we did not subscribe to (cannot happen with subscribe by name)
    const batchGeneration = generation;
    const stillOurs = (): boolean => batchGeneration === generation || isAssigned(topic, partition);
    const active = (): boolean =>
      phase === 'running' && !rebalancing && payload.isRunning() && !payload.isStale() && batchGeneration === generation;

    // A heartbeat that finds the group rebalancing (also the one run while a handler works)
    // stops new segments at once, so the member rejoins without working through the batch.
    const heartbeat = async (): Promise<void> => {
      try {
        await payload.heartbeat();
      } catch (error) {
        if (isRebalanceError(error)) rebalancing = true;
        throw error;
      }
    };
    const control: PartitionControl = {
      active,
      signal: abort.signal,
      heartbeat,
      async sleep(ms) {
        const until = Date.now() + ms;
        for (let left = ms; left > 0; left = until - Date.now()) {
          if (!active()) return false;
          await delay(Math.min(left, heartbeatIntervalMs));
          await heartbeat();
        }
        return active();
      },
      resolve: (offset) => payload.resolveOffset(offset),
      async commit(nextOffset) {
        if (abandoned || !stillOurs()) return;
        try {
          await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] });
        } catch (error) {
          if (isRebalanceError(error)) throw error; // kafkajs rejoins; the new owner starts from the last commit
          throw classifyKafkaError(error, 'KAFKA_COMMIT_FAILED', 'offset commit', options.kafka.brokers);
        }
      },
      pause: (error) => pausePartition(topic, partition, error),
      fail: (error) => failWith(error),
    };

    const result = await processPartitionBatch<T>(
      {
        topic,
        partition,
        messages: batch.messages.map((message) => toOriginal(topic, partition, message)),
        lastOffset: batch.lastOffset(),
      },
      control,
      {
        service: options.service,
        stage: options.stage ?? 'transform',
        deadLetterTopic,
        decoder,
        loadWriterSchemas: (ids) => serde.load(ids),
        handler: options.handleBatch,
        sendDeadLetters: async (records) => {
          await deadLetters.send(records);
        },
        maxBatchRecords,
        retry,
        heartbeatIntervalMs,
        stats: perTopic.get(topic) ?? emptyTopicStats(),
        emit,
      },
    );
    if (result.outcome === 'done') {
      const entry = pauses.get(`${topic}:${partition}`);
      if (entry && !entry.timer) pauses.delete(`${topic}:${partition}`); // healthy again: next pause starts short
    }
  };

  const shutdown = (deadlineMs: number): Promise<StopResult> => {
    stopping ??= (async () => {
      if (phase === 'running') phase = 'stopping';
      removeSignalHandlers();
      clearPauses();
      const graceful = consumer.stop().then(
        () => 'finished' as const,
        () => 'finished' as const,
      );
      const outcome = await Promise.race([graceful, delay(deadlineMs).then(() => 'deadline' as const)]);
      if (outcome === 'deadline') {
        abandoned = true;
        abort.abort(
          new TributaryError('KAFKA_SHUTDOWN_DEADLINE', `The in-flight batch did not finish within ${deadlineMs} ms.`, {
            failureType: 'transient',
          }),
        );
        logger.warn({ deadlineMs }, 'Shutdown deadline passed: the in-flight batch is abandoned uncommitted (it will be processed again)');
      }
      await Promise.race([consumer.disconnect().catch(() => undefined), delay(5_000)]);
      await Promise.race([deadLetters.close().catch(() => undefined), delay(5_000)]);
      const failed = phase === 'failed';
      phase = failed ? 'failed' : 'stopped';
      emit({ type: 'stopped', abandoned });
      logger.info({ abandoned }, 'Consumer runtime stopped');
      if (failed) settle?.reject(fatal);
      else settle?.resolve();
      return { abandoned };
    })();
    return stopping;
  };

  const signals = options.shutdownSignals ?? ['SIGTERM', 'SIGINT'];
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'Shutdown signal received');
    void shutdown(shutdownDeadlineMs);
  };
  const removeSignalHandlers = (): void => {
    for (const signal of signals) process.removeListener(signal, onSignal);
  };

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch,
    });
  } catch (error) {
    await Promise.allSettled([consumer.disconnect(), deadLetters.close()]);
    throw classifyKafkaError(error, 'KAFKA_CONSUMER_START_FAILED', 'consumer start', options.kafka.brokers);
  }
  for (const signal of signals) process.once(signal, onSignal);
  logger.info({ topics: options.topics, deadLetterTopic }, 'Consumer runtime started');

  return {
    done,
    stop: (stopOptions = {}) => shutdown(stopOptions.deadlineMs ?? shutdownDeadlineMs),
    stats: () => ({
      phase,
      topics: Object.fromEntries([...perTopic].map(([topic, entry]) => [topic, { ...entry }])),
      assignment: Object.fromEntries([...assignment].map(([topic, partitions]) => [topic, [...partitions].sort((a, b) => a - b)])),
      paused: [...pauses.values()]
        .filter((entry) => entry.timer !== undefined)
        .map((entry) => ({ topic: entry.topic, partition: entry.partition, resumeAt: new Date(entry.resumeAt).toISOString() })),
    }),
  };
}
