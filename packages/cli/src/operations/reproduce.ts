// Re-producing selected records to another topic, shared by DLQ redrive and quarantine release:
// one send per target topic between STARTED and COMPLETED audit records, with the source
// offsets and the first offset written per target partition in the audit details.
import { createProducer } from '@tributary/kafka';
import type { ProducedRecord, RecordHeaders, SendResult } from '@tributary/kafka';
import { audited } from './audit.ts';
import { NO_PROGRESS } from './progress.ts';
import type { OperatorTargets, ScannedRecord } from './targets.ts';

/** Per target topic: how many records, and per partition the first offset written (empty on a dry run). */
export interface ReproducedTopic {
  topic: string;
  records: number;
  partitions: Array<{ partition: number; firstOffset: string }>;
}

/** The selected records split into those `map` can re-produce (with their outgoing records, same order) and those it cannot. */
export function splitReproducible(
  records: readonly ScannedRecord[],
  map: (record: ScannedRecord) => ProducedRecord | undefined,
): { sources: ScannedRecord[]; outgoing: ProducedRecord[]; skipped: Array<{ topic: string; partition: number; offset: string }> } {
  const sources: ScannedRecord[] = [];
  const outgoing: ProducedRecord[] = [];
  const skipped: Array<{ topic: string; partition: number; offset: string }> = [];
  for (const record of records) {
    const produced = map(record);
    if (!produced) skipped.push({ topic: record.topic, partition: record.partition, offset: record.offset });
    else {
      sources.push(record);
      outgoing.push(produced);
    }
  }
  return { sources, outgoing, skipped };
}

/** What a dry run reports: the records per target topic. */
export function plannedTopics(outgoing: readonly ProducedRecord[]): ReproducedTopic[] {
  return [...Map.groupBy(outgoing, (record) => record.topic)].map(([topic, records]) => ({
    topic,
    records: records.length,
    partitions: [],
  }));
}

/** Offsets of the selected records per source partition: "<topic>:<partition>" -> "first-last (count)". */
function sourceRanges(records: readonly ScannedRecord[]): Record<string, string> {
  const ranges = new Map<string, { first: bigint; last: bigint; count: number }>();
  for (const record of records) {
    const key = `source.${record.topic}:${record.partition}`;
    const offset = BigInt(record.offset);
    const entry = ranges.get(key);
    if (!entry) ranges.set(key, { first: offset, last: offset, count: 1 });
    else {
      entry.first = offset < entry.first ? offset : entry.first;
      entry.last = offset > entry.last ? offset : entry.last;
      entry.count += 1;
    }
  }
  return Object.fromEntries([...ranges].map(([key, entry]) => [key, `${entry.first}-${entry.last} (${entry.count})`]));
}

/** Re-produces `outgoing` (mapped from `sources`, in the same order), audited as `action`. */
export async function reproduce(
  targets: OperatorTargets,
  action: 'DLQ_REDRIVE' | 'QUARANTINE_RELEASE',
  sources: readonly ScannedRecord[],
  outgoing: readonly ProducedRecord[],
  selection: string,
  headersFor?: (actionId: string, actor: string) => RecordHeaders,
): Promise<{ actionId: string; targets: ReproducedTopic[] }> {
  const sourceTopics = [...new Set(sources.map((record) => record.topic))];
  const targetTopics = [...new Set(outgoing.map((record) => record.topic))];
  const progress = targets.progress ?? NO_PROGRESS;
  const producer = await createProducer({ kafka: targets.kafka, logger: targets.logger, clientName: 'cli-operator' });
  // Target topics whose send was acknowledged; on a failure, the FAILED audit record names them.
  const written: ReproducedTopic[] = [];
  const details = (): Record<string, string> => {
    const out: Record<string, string> = { ...sourceRanges(sources) };
    for (const entry of written)
      for (const partition of entry.partitions) out[`target.${entry.topic}:${partition.partition}.first_offset`] = partition.firstOffset;
    return out;
  };
  const recordsWritten = (): number => written.reduce((sum, entry) => sum + entry.records, 0);
  try {
    const result = await audited(
      targets,
      producer,
      {
        action,
        sourceTopic: sourceTopics.join(','),
        target: targetTopics.join(','),
        selection,
        records: outgoing.length,
        details: sourceRanges(sources),
      },
      async (audit) => {
        const extra = headersFor?.(audit.actionId, audit.actor) ?? {};
        const byTopic = new Map<string, ProducedRecord[]>();
        for (const record of outgoing) {
          let list = byTopic.get(record.topic);
          if (!list) byTopic.set(record.topic, (list = []));
          list.push({ ...record, headers: { ...record.headers, ...extra } });
        }
        progress.start(action === 'DLQ_REDRIVE' ? 'redriving' : 'releasing', outgoing.length);
        try {
          for (const [topic, records] of byTopic) {
            const sent: SendResult = await producer.send(records);
            progress.increment(records.length);
            written.push({
              topic,
              records: sent.records,
              partitions: sent.partitions
                .map((ack) => ({ partition: ack.partition, firstOffset: ack.baseOffset }))
                .sort((a, b) => a.partition - b.partition),
            });
          }
        } finally {
          progress.stop();
        }
        return { records: recordsWritten(), details: details() };
      },
      () => ({ records: recordsWritten(), details: details() }),
    );
    return { actionId: result.actionId, targets: written };
  } finally {
    await producer.close();
  }
}
