// What every operator operation needs: where Kafka and the registry are, a logger, and how to
// show progress. Commands build it from the CLI context; tests from the test stack.
import type { KafkaSettings, RegistrySettings } from '@tributary/config';
import { ConfigError } from '@tributary/errors';
import { connectTopicAdmin, readTopicToEnd } from '@tributary/kafka';
import type { TopicAdmin, TopicRecord } from '@tributary/kafka';
import type { Logger } from '@tributary/telemetry';
import { NO_PROGRESS } from './progress.ts';
import type { Progress } from './progress.ts';

export interface OperatorTargets {
  kafka: KafkaSettings;
  registry: RegistrySettings;
  logger: Logger;
  progress?: Progress;
}

export interface ScannedRecord extends TopicRecord {
  topic: string;
}

export async function withAdmin<T>(targets: OperatorTargets, run: (admin: TopicAdmin) => Promise<T>): Promise<T> {
  const admin = await connectTopicAdmin(targets.kafka, targets.logger);
  try {
    return await run(admin);
  } finally {
    await admin.close();
  }
}

/**
 * The topics to scan: `explicit` as given (each must exist), else the `defaults` that exist on the
 * cluster (a catalogue topic not created yet has nothing to show).
 */
export async function existingTopics(admin: TopicAdmin, explicit: readonly string[], defaults: readonly string[]): Promise<string[]> {
  const present = new Set(await admin.listTopics());
  if (explicit.length > 0) {
    const missing = explicit.filter((topic) => !present.has(topic));
    if (missing.length > 0)
      throw new ConfigError('CLI_TOPIC_MISSING', `No such topic: ${missing.join(', ')}.`, {
        hint: 'Check the name (tributary topics list shows the catalogue next to the cluster).',
      });
    return [...explicit];
  }
  return defaults.filter((topic) => present.has(topic));
}

/**
 * Reads every record of `topics` (to the ends they had when the scan started) and keeps those
 * `accept` takes, with progress over the total record count. Returns them in topic order (as
 * given), then partition, then offset.
 */
export async function scanTopics(
  targets: OperatorTargets,
  topics: readonly string[],
  accept: (record: ScannedRecord) => boolean,
): Promise<ScannedRecord[]> {
  const progress = targets.progress ?? NO_PROGRESS;
  const total = await withAdmin(targets, async (admin) => {
    let sum = 0n;
    for (const topic of topics) for (const entry of await admin.watermarks(topic)) sum += BigInt(entry.high) - BigInt(entry.low);
    return Number(sum);
  });
  let kept: ScannedRecord[] = [];
  progress.start(`scanning ${topics.length} topic${topics.length === 1 ? '' : 's'}`, total);
  try {
    for (const topic of topics) {
      const found: ScannedRecord[] = [];
      await readTopicToEnd({
        kafka: targets.kafka,
        logger: targets.logger,
        clientName: 'cli-scan',
        topic,
        onRecord: (record) => {
          progress.increment();
          const scanned = { ...record, topic };
          if (accept(scanned)) found.push(scanned);
        },
      });
      kept = kept.concat(found.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1)));
    }
  } finally {
    progress.stop();
  }
  return kept;
}
