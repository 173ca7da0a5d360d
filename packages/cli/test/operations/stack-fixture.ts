// Shared setup of the operator-command integration tests: throwaway topics, example events, the
// operator targets for the test stack, and reading an action back from tributary.operator-audit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tributary/config';
import { EVENT_SCHEMAS, avroType } from '@tributary/events';
import type { OperatorAction, Post } from '@tributary/events';
import { connectTopicAdmin, createSerde, readTopicToEnd } from '@tributary/kafka';
import type { AvroSchema } from '@tributary/kafka';
import { createLogger } from '@tributary/telemetry';
import type { TestStack } from '@tributary/testing';
import { AUDIT_TOPIC } from '../../src/operations/audit.ts';
import type { OperatorTargets } from '../../src/operations/targets.ts';

export const logger = createLogger({ serviceName: 'cli-operations-test', level: 'error' });

export function targetsOf(stack: TestStack): OperatorTargets {
  return { kafka: stack.kafka, registry: stack.registry, logger };
}

/**
 * Topics for these tests. Their records carry fixed timestamps in the past, so time-based
 * retention is off: otherwise the broker rolls and deletes them at its next retention check,
 * in the middle of a test (seen on a loaded CI machine: the low watermark jumped to the end).
 */
export async function createTopics(stack: TestStack, topics: Array<{ name: string; partitions: number }>): Promise<void> {
  const admin = await connectTopicAdmin(stack.kafka, logger);
  try {
    await admin.createTopics(
      topics.map((topic) => ({ ...topic, replicationFactor: 'broker-default' as const, config: { 'retention.ms': '-1' } })),
    );
  } finally {
    await admin.close();
  }
}

export function examplePost(): Post {
  const hex = readFileSync(join(repoRoot(), 'schemas/avro/examples/social/post/tiktok-video.avro.hex'), 'utf8').replace(/\s+/g, '');
  return avroType('io.tributary.social.Post').fromBuffer(Buffer.from(hex, 'hex')) as Post;
}

export async function postEncoder(stack: TestStack, subject: string): Promise<(post: Post) => Buffer> {
  const encoder = await createSerde(stack.registry).encoder<Post>(subject, {
    schema: EVENT_SCHEMAS['io.tributary.social.Post'].schema as AvroSchema,
  });
  return (post) => encoder.encode(post);
}

/** The audit records of one action, in the order written. */
export function auditRecords(stack: TestStack, actionId: string): Promise<OperatorAction[]> {
  return auditRecordsWhere(stack, (entry) => entry.action_id === actionId);
}

/** The audit records `accept` takes, in the order written. */
export async function auditRecordsWhere(stack: TestStack, accept: (entry: OperatorAction) => boolean): Promise<OperatorAction[]> {
  const decoder = createSerde(stack.registry).decoder<OperatorAction>(
    EVENT_SCHEMAS['io.tributary.system.OperatorAction'].schema as AvroSchema,
  );
  const found: OperatorAction[] = [];
  await readTopicToEnd({
    kafka: stack.kafka,
    logger,
    clientName: 'cli-test-audit',
    topic: AUDIT_TOPIC,
    onRecord: async (record) => {
      const entry = (await decoder.decode(record.value)).value;
      if (accept(entry)) found.push(entry);
    },
  });
  return found;
}

/** Every record of a topic, in partition and offset order. */
export async function readAll(stack: TestStack, topic: string) {
  const records: Array<{ partition: number; offset: string; key: string | null; value: Buffer | null; headers: Record<string, string> }> =
    [];
  await readTopicToEnd({
    kafka: stack.kafka,
    logger,
    clientName: 'cli-test-read',
    topic,
    onRecord: (record) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(record.headers))
        if (value !== undefined) headers[name] = String(Array.isArray(value) ? value[0] : value);
      records.push({ partition: record.partition, offset: record.offset, key: record.key, value: record.value, headers });
    },
  });
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}
