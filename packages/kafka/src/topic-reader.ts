// Reads a topic from its beginning up to the high-water marks it had when the read started,
// for state kept in compacted topics (the collectors' checkpoints): the caller replays every
// record in offset order per partition and keeps the newest value per key. Records produced
// after the start are left out, so a read always ends.
//
// kafkajs has no manual partition assignment, so the read joins a throwaway consumer group
// (random id, nothing committed) and deletes it afterwards; an empty topic needs no group.
import { randomUUID } from 'node:crypto';
import type { KafkaSettings } from '@tributary/config';
import { TributaryError } from '@tributary/errors';
import type { Logger } from '@tributary/telemetry';
import { createKafka } from './client.ts';
import { classifyKafkaError } from './kafka-errors.ts';
import type { RecordHeaders } from './records.ts';

export interface TopicRecord {
  partition: number;
  offset: string;
  /** The key as UTF-8 text, or null. */
  key: string | null;
  /** The value bytes; null for a tombstone. */
  value: Buffer | null;
  headers: RecordHeaders;
}

export interface ReadTopicOptions {
  kafka: KafkaSettings;
  logger: Logger;
  /** Names the client: `<kafka.clientId>-<clientName>`. */
  clientName: string;
  topic: string;
  /** Called for every record, in offset order per partition; awaited before the next one. */
  onRecord(record: TopicRecord): void | Promise<void>;
  /** Give up (KAFKA_TOPIC_READ_TIMEOUT, transient) when the end is not reached within this time. */
  timeoutMs?: number;
}

export interface ReadTopicResult {
  records: number;
  partitions: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

export async function readTopicToEnd(options: ReadTopicOptions): Promise<ReadTopicResult> {
  const { topic, kafka: settings } = options;
  const logger = options.logger.child({ component: 'kafka-topic-reader', topic });
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
  const groupId = `${settings.clientId}-${options.clientName}-reader-${randomUUID()}`;
  let joined = false;
  try {
    const offsets = await guard('offset lookup', () => admin.fetchTopicOffsets(topic));
    // Partition -> offset to reach (exclusive); partitions with nothing to read are done already.
    const remaining = new Map<number, bigint>();
    for (const entry of offsets) if (BigInt(entry.high) > BigInt(entry.low)) remaining.set(entry.partition, BigInt(entry.high));
    if (remaining.size === 0) return { records: 0, partitions: offsets.length };

    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    joined = true;
    let records = 0;
    let finish!: () => void;
    let fail!: (error: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(
      () =>
        fail(
          new TributaryError('KAFKA_TOPIC_READ_TIMEOUT', `Reading ${topic} to its end took longer than ${timeoutMs} ms.`, {
            failureType: 'transient',
            details: { topic, partitionsLeft: [...remaining.keys()] },
          }),
        ),
      timeoutMs,
    );
    consumer.on(consumer.events.CRASH, (event) => fail(event.payload.error));
    try {
      await guard('consumer connect', () => consumer.connect());
      await guard('subscribe', () => consumer.subscribe({ topics: [topic], fromBeginning: true }));
      await guard('consumer start', () =>
        consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: true,
          eachBatch: async ({ batch }) => {
            const end = remaining.get(batch.partition);
            if (end === undefined) return;
            for (const message of batch.messages) {
              if (BigInt(message.offset) >= end) break;
              records += 1;
              await options.onRecord({
                partition: batch.partition,
                offset: message.offset,
                key: message.key === null ? null : message.key.toString('utf8'),
                value: message.value,
                headers: (message.headers ?? {}) as RecordHeaders,
              });
            }
            // lastOffset() is the high watermark - 1 for a batch whose records were all compacted away.
            if (BigInt(batch.lastOffset()) + 1n >= end) {
              remaining.delete(batch.partition);
              if (remaining.size === 0) finish();
            }
          },
        }),
      );
      await done;
    } catch (error) {
      throw error instanceof TributaryError
        ? error
        : classifyKafkaError(error, 'KAFKA_TOPIC_READ_FAILED', `read of ${topic}`, settings.brokers);
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch((error: unknown) => logger.debug({ err: error }, 'Reader consumer disconnect failed.'));
    }
    logger.debug({ records, partitions: offsets.length }, 'Topic read to its end.');
    return { records, partitions: offsets.length };
  } finally {
    if (joined) await admin.deleteGroups([groupId]).catch((error: unknown) => logger.debug({ err: error }, 'Reader group not deleted.'));
    await admin.disconnect().catch(() => undefined);
  }
}
