// Dead letters (dlq.<service>): list, inspect, redrive, purge. A dead letter is the original
// record — key, value bytes, headers — plus tributary-dlq-* error-context headers
// (@tributary/kafka dead-letter.ts). A redrive re-produces key, value and the non-DLQ headers to
// the origin topic; it does NOT remove anything from the DLQ (Kafka topics are append-only), so
// a redriven record stays listed until `purge` truncates the DLQ or retention ends it.
// Downstream de-duplicates by event_id, so redriving a record twice lands it once.
import { ConfigError } from '@tributary/errors';
import { TOPICS } from '@tributary/events';
import { DLQ_HEADER_PREFIX, createProducer, readDeadLetterHeaders } from '@tributary/kafka';
import type { ProducedRecord, RecordHeaders, TopicAdmin } from '@tributary/kafka';
import { audited } from './audit.ts';
import { createValueDecoder } from './decode.ts';
import type { DecodedValue } from './decode.ts';
import { plannedTopics, reproduce, splitReproducible } from './reproduce.ts';
import type { ReproducedTopic } from './reproduce.ts';
import { headersAsText, parseInstant, parsePartitionOffsets } from './selection.ts';
import type { RecordCoordinates } from './selection.ts';
import { existingTopics, scanTopics, withAdmin } from './targets.ts';
import type { OperatorTargets, ScannedRecord } from './targets.ts';

export const DLQ_PREFIX = 'dlq.';

/** Every dead-letter topic of the catalogue. */
export const CATALOGUE_DLQ_TOPICS: readonly string[] = Object.keys(TOPICS).filter((name) => name.startsWith(DLQ_PREFIX));

export interface DeadLetterFilter {
  /** Explicit topics (default: every catalogue DLQ, or dlq.<service> for each of `services`). */
  topics?: string[];
  services?: string[];
  stage?: string;
  errorCode?: string;
  /** Epoch ms bounds on the failed-at header: since inclusive, until exclusive. */
  since?: number;
  until?: number;
  originTopic?: string;
  /** One record only. */
  at?: RecordCoordinates;
  limit?: number;
}

export interface DeadLetterRow {
  topic: string;
  partition: number;
  offset: string;
  failedAt: string | null;
  service: string | null;
  stage: string | null;
  errorCode: string | null;
  originTopic: string | null;
  originPartition: number | null;
  originOffset: string | null;
  key: string | null;
  message: string | null;
}

export interface DeadLetter {
  row: DeadLetterRow;
  record: ScannedRecord;
}

export interface DeadLetterView extends DeadLetterRow {
  headers: Record<string, string>;
  value: DecodedValue;
}

const SHORT_MESSAGE_CHARS = 80;

export function deadLetterRow(record: ScannedRecord): DeadLetterRow {
  const context = readDeadLetterHeaders(record.headers);
  const message = context?.errorMessage ?? null;
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    failedAt: context?.failedAt ?? null,
    service: context?.service ?? null,
    stage: context?.stage ?? null,
    errorCode: context?.errorCode ?? null,
    originTopic: context?.originTopic ?? null,
    originPartition: context ? Number(context.originPartition) : null,
    originOffset: context?.originOffset ?? null,
    key: record.key,
    message: message !== null && message.length > SHORT_MESSAGE_CHARS ? `${message.slice(0, SHORT_MESSAGE_CHARS - 1)}…` : message,
  };
}

/** Whether a dead letter passes the filters (records without DLQ headers only pass when no header filter is set). */
export function matchesDeadLetter(row: DeadLetterRow, filter: DeadLetterFilter): boolean {
  if (filter.at && (row.topic !== filter.at.topic || row.partition !== filter.at.partition || row.offset !== filter.at.offset))
    return false;
  if (filter.stage !== undefined && row.stage !== filter.stage) return false;
  if (filter.errorCode !== undefined && row.errorCode !== filter.errorCode) return false;
  if (filter.originTopic !== undefined && row.originTopic !== filter.originTopic) return false;
  if (filter.since !== undefined || filter.until !== undefined) {
    const failedAt = row.failedAt === null ? Number.NaN : Date.parse(row.failedAt);
    if (Number.isNaN(failedAt)) return false;
    if (filter.since !== undefined && failedAt < filter.since) return false;
    if (filter.until !== undefined && failedAt >= filter.until) return false;
  }
  return true;
}

export function deadLetterTopicsFor(filter: DeadLetterFilter): { explicit: string[]; defaults: readonly string[] } {
  if (filter.at) return { explicit: [filter.at.topic], defaults: [] };
  if (filter.topics?.length) return { explicit: filter.topics, defaults: [] };
  if (filter.services?.length) return { explicit: filter.services.map((service) => `${DLQ_PREFIX}${service}`), defaults: [] };
  return { explicit: [], defaults: CATALOGUE_DLQ_TOPICS };
}

/** The dead letters the filter selects, in topic, partition, offset order, at most `limit`. */
export async function findDeadLetters(targets: OperatorTargets, filter: DeadLetterFilter): Promise<DeadLetter[]> {
  const { explicit, defaults } = deadLetterTopicsFor(filter);
  const topics = await withAdmin(targets, (admin) => existingTopics(admin, explicit, defaults));
  const selected: DeadLetter[] = [];
  for (const record of await scanTopics(targets, topics, (record) => matchesDeadLetter(deadLetterRow(record), filter))) {
    if (filter.limit !== undefined && selected.length >= filter.limit) break;
    selected.push({ row: deadLetterRow(record), record });
  }
  return selected;
}

/** Full headers and the value decoded via the registry (or a hex dump with the reason). */
export async function inspectDeadLetters(targets: OperatorTargets, letters: readonly DeadLetter[]): Promise<DeadLetterView[]> {
  const decoder = createValueDecoder(targets.registry);
  const views: DeadLetterView[] = [];
  for (const { row, record } of letters) {
    const context = readDeadLetterHeaders(record.headers);
    views.push({
      ...row,
      message: context?.errorMessage ?? row.message,
      headers: headersAsText(record.headers),
      value: await decoder.decode(record.value),
    });
  }
  return views;
}

/** What a redrive would produce: the original record to its origin topic, DLQ headers removed. */
export function redriveRecord(record: ScannedRecord): ProducedRecord | undefined {
  const context = readDeadLetterHeaders(record.headers);
  if (!context) return undefined;
  const headers: RecordHeaders = {};
  for (const [name, value] of Object.entries(record.headers)) if (!name.startsWith(DLQ_HEADER_PREFIX)) headers[name] = value;
  return { topic: context.originTopic, key: record.key, value: record.value, headers };
}

export interface RedriveResult {
  dryRun: boolean;
  actionId: string | null;
  selected: number;
  redriven: number;
  /** Selected records without DLQ headers: no origin to send them to. */
  skipped: Array<{ topic: string; partition: number; offset: string }>;
  /** Per origin topic: how many records, and per partition the first offset written (not on a dry run). */
  targets: ReproducedTopic[];
  note: string;
}

const REDRIVE_NOTE =
  'Redriven records stay in the DLQ (a topic is append-only): use `tributary dlq purge` to remove them, or let retention end them.';

export async function redriveDeadLetters(
  targets: OperatorTargets,
  letters: readonly DeadLetter[],
  options: { dryRun: boolean; selection: string },
): Promise<RedriveResult> {
  const { sources, outgoing, skipped } = splitReproducible(
    letters.map(({ record }) => record),
    redriveRecord,
  );
  const planned = plannedTopics(outgoing);
  if (options.dryRun || outgoing.length === 0)
    return { dryRun: options.dryRun, actionId: null, selected: letters.length, redriven: 0, skipped, targets: planned, note: REDRIVE_NOTE };
  const done = await reproduce(targets, 'DLQ_REDRIVE', sources, outgoing, options.selection);
  return {
    dryRun: false,
    actionId: done.actionId,
    selected: letters.length,
    redriven: outgoing.length,
    skipped,
    targets: done.targets,
    note: REDRIVE_NOTE,
  };
}

export interface PurgePartition {
  partition: number;
  lowBefore: string;
  /** Records below this offset are deleted. */
  deleteBefore: string;
  records: number;
  lowAfter: string | null;
}

export interface PurgeResult {
  topic: string;
  dryRun: boolean;
  actionId: string | null;
  records: number;
  partitions: PurgePartition[];
}

/** `--before`: an ISO time, one offset for every partition, or <partition>:<offset>,… */
export async function purgeTargets(
  admin: TopicAdmin,
  topic: string,
  before: string,
): Promise<Array<{ partition: number; offset: string }>> {
  if (/^\d+$/.test(before)) return (await admin.watermarks(topic)).map(({ partition }) => ({ partition, offset: before }));
  if (/^\d+:\d+/.test(before)) return parsePartitionOffsets(before, '--before');
  return admin.offsetsAtTime(topic, parseInstant(before, '--before'));
}

/**
 * Deletes a DLQ's records below a per-partition offset (Kafka DeleteRecords), after a STARTED
 * audit record. Only a prefix of each partition can be removed: filters do not apply.
 */
export async function purgeDeadLetters(
  targets: OperatorTargets,
  options: { topic: string; before: string; yes: boolean; dryRun: boolean },
): Promise<PurgeResult> {
  const { topic } = options;
  if (topic in TOPICS && !topic.startsWith(DLQ_PREFIX))
    throw new ConfigError('CLI_PURGE_NOT_DLQ', `${topic} is not a dead-letter topic: dlq purge only truncates dlq.* topics.`);
  if (!options.yes && !options.dryRun)
    throw new ConfigError('CLI_PURGE_UNCONFIRMED', `Purging ${topic} deletes its records for good; refusing without --yes.`, {
      hint: 'Run with --dry-run to see what would be deleted, then again with --yes.',
    });
  return withAdmin(targets, async (admin) => {
    await existingTopics(admin, [topic], []);
    const watermarks = new Map((await admin.watermarks(topic)).map((entry) => [entry.partition, entry]));
    const partitions: PurgePartition[] = [];
    for (const { partition, offset } of await purgeTargets(admin, topic, options.before)) {
      const marks = watermarks.get(partition);
      if (!marks) throw new ConfigError('CLI_NO_SUCH_PARTITION', `${topic} has no partition ${partition}.`);
      let target = BigInt(offset);
      if (target > BigInt(marks.high)) target = BigInt(marks.high);
      if (target <= BigInt(marks.low)) continue;
      partitions.push({
        partition,
        lowBefore: marks.low,
        deleteBefore: String(target),
        records: Number(target - BigInt(marks.low)),
        lowAfter: null,
      });
    }
    const records = partitions.reduce((sum, entry) => sum + entry.records, 0);
    if (options.dryRun || partitions.length === 0) return { topic, dryRun: options.dryRun, actionId: null, records, partitions };
    const producer = await createProducer({ kafka: targets.kafka, logger: targets.logger, clientName: 'cli-operator' });
    try {
      const result = await audited(
        targets,
        producer,
        {
          action: 'DLQ_PURGE',
          sourceTopic: topic,
          target: null,
          selection: `--before ${options.before}`,
          records,
          details: Object.fromEntries(partitions.map((entry) => [`partition.${entry.partition}.delete_before`, entry.deleteBefore])),
        },
        async () => {
          await admin.deleteRecordsBefore(
            topic,
            partitions.map((entry) => ({ partition: entry.partition, offset: entry.deleteBefore })),
          );
          const after = new Map((await admin.watermarks(topic)).map((entry) => [entry.partition, entry.low]));
          for (const entry of partitions) entry.lowAfter = after.get(entry.partition) ?? null;
          const details: Record<string, string> = {};
          for (const entry of partitions) {
            details[`partition.${entry.partition}.low_before`] = entry.lowBefore;
            details[`partition.${entry.partition}.low_after`] = entry.lowAfter ?? '';
          }
          return { records, details };
        },
      );
      return { topic, dryRun: false, actionId: result.actionId, records, partitions };
    } finally {
      await producer.close();
    }
  });
}
