// Helpers for the Kafka runtime integration tests: topics and schemas with unique names, raw
// reads of a topic (dead letters are raw bytes), committed offsets of a group, waiting.
import type { KafkaSettings, RegistrySettings } from '@tributary/config';
import { connectTopicAdmin, createRegistryAdmin } from '@tributary/kafka';
import { createKafka } from '../../packages/kafka/src/client.ts';
import type { RecordHeaders } from '@tributary/kafka';
import { createLogger } from '@tributary/telemetry';
import type { Logger } from '@tributary/telemetry';
import { uniqueName } from '@tributary/testing';

export const quietLogger: Logger = createLogger({ serviceName: 'kafka-runtime-test', level: 'error' });

export const PING_V1 = {
  type: 'record',
  name: 'Ping',
  namespace: 'io.tributary.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'count', type: 'long' },
  ],
};

/** v1 plus an optional field with a default: FULL compatible with v1. */
export const PING_V2 = {
  ...PING_V1,
  fields: [...PING_V1.fields, { name: 'note', type: ['null', 'string'], default: null }],
};

/** Not resolvable to Ping v1/v2: `id` changed type. */
export const PING_INCOMPATIBLE = { ...PING_V1, fields: [{ name: 'id', type: 'int' }] };

export interface Ping {
  id: string;
  count: number;
  note?: string | null;
}

export async function createTopics(kafka: KafkaSettings, topics: Array<[name: string, partitions: number]>): Promise<void> {
  const admin = await connectTopicAdmin(kafka, quietLogger);
  try {
    await admin.createTopics(topics.map(([name, partitions]) => ({ name, partitions, replicationFactor: 'broker-default', config: {} })));
  } finally {
    await admin.close();
  }
}

export async function registerSchema(registry: RegistrySettings, subject: string, schema: object): Promise<number> {
  return createRegistryAdmin(registry).register(subject, JSON.stringify(schema));
}

/** Topic, dead-letter topic and service names no other test uses, with the topics created. */
export async function freshTopics(
  kafka: KafkaSettings,
  partitions = 1,
): Promise<{ topic: string; service: string; deadLetterTopic: string }> {
  const topic = uniqueName('test.runtime', '.');
  const service = uniqueName('runtime');
  const deadLetterTopic = `dlq.${service}`;
  await createTopics(kafka, [
    [topic, partitions],
    [deadLetterTopic, 1],
  ]);
  return { topic, service, deadLetterTopic };
}

export interface RawRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Reads a topic from the beginning until `count` records arrived (or the timeout), in a throwaway group. */
export async function readRaw(kafka: KafkaSettings, topic: string, count: number, timeoutMs = 30_000): Promise<RawRecord[]> {
  const consumer = createKafka(kafka, 'test-reader', quietLogger).consumer({ groupId: uniqueName('test-reader'), maxWaitTimeInMs: 100 });
  const records: RawRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = String(value);
        records.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value, headers });
        if (records.length >= count) finish();
      },
    });
    await Promise.race([finished, delay(timeoutMs)]);
    // A little longer, to see records that should not be there.
    await delay(300);
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** The group's committed offset per partition of `topic` (-1: none). */
export async function committedOffsets(kafka: KafkaSettings, groupId: string, topic: string): Promise<Record<number, string>> {
  const admin = createKafka(kafka, 'test-offsets', quietLogger).admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries((entry?.partitions ?? []).map((partition) => [partition.partition, partition.offset]));
  } finally {
    await admin.disconnect();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(50);
  }
}

export function headerText(headers: RecordHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.toString();
}
