// Replay: move a consumer group's committed offsets on one topic back (or forward) to a time, to
// given offsets, or to the earliest retained records, so the group reprocesses from there.
//
// Safe to repeat end to end: every event keeps its event_id through every stage, the processors
// re-derive the same outputs, and the ClickHouse tables de-duplicate by event_id, so a replayed
// range changes nothing that already landed (docs/adr/0013, 0016).
//
// The group must have no live members (a running consumer would overwrite the new offsets with
// its own commits). The offsets are committed without metadata: the ClickHouse sink keeps its
// in-flight range in that metadata ("tributary.sink/v1 inflight <first>-<last>") and treats
// empty metadata as nothing in flight (services/sink-clickhouse/src/protocol.ts
// recoveryDecision), so after a replay it starts normal batches at the new offset instead of
// re-forming a range of the old position.
import { ConfigError, TributaryError } from '@tributary/errors';
import { createProducer, peekRecords } from '@tributary/kafka';
import type { TopicAdmin } from '@tributary/kafka';
import { audited } from './audit.ts';
import { existingTopics, withAdmin } from './targets.ts';
import type { OperatorTargets } from './targets.ts';

/** The group the ClickHouse sink uses by default (sink-clickhouse spec: sink.groupId). */
export const SINK_GROUP_ID = 'sink-clickhouse';
/** Records read per partition from the target offset to estimate the size of a replay. */
export const DEFAULT_SAMPLE_RECORDS = 200;
const SINK_MARKER_PREFIX = 'tributary.sink/v1 inflight ';

export type ReplayStart =
  { kind: 'time'; atMs: number } | { kind: 'offsets'; offsets: Array<{ partition: number; offset: string }> } | { kind: 'earliest' };

export interface ReplayRequest {
  groupId: string;
  topic: string;
  start: ReplayStart;
  dryRun: boolean;
  sampleRecordsPerPartition?: number;
}

export interface ReplayPartition {
  partition: number;
  /** The group's committed offset now (null: nothing committed). */
  committed: string | null;
  /** Commit metadata now; a sink's in-flight marker is cleared by the replay. */
  metadata: string;
  target: string;
  /** The high watermark: the replay reprocesses [target, end). */
  end: string;
  records: number;
  /** Uncompressed bytes of [target, end) as the producer counts them (recordSizeBytes: an upper bound per record). */
  estimatedBytes: number;
  /** Records actually read for the estimate (the estimate is exact when this equals `records`). */
  sampledRecords: number;
  /** A target past the committed offset skips records the group has not processed yet: how many. */
  skipsRecords: number;
}

export interface ReplayPlan {
  groupId: string;
  topic: string;
  start: string;
  groupState: string;
  activeMembers: number;
  partitions: ReplayPartition[];
  totalRecords: number;
  totalEstimatedBytes: number;
}

export interface ReplayResult extends ReplayPlan {
  dryRun: boolean;
  actionId: string | null;
  /** After the move: the group's committed offsets per partition. */
  moved: Array<{ partition: number; from: string | null; to: string }>;
}

export function describeStart(start: ReplayStart): string {
  if (start.kind === 'earliest') return '--earliest';
  if (start.kind === 'time') return `--from-time ${new Date(start.atMs).toISOString()}`;
  return `--from-offsets ${start.offsets.map((entry) => `${entry.partition}:${entry.offset}`).join(',')}`;
}

async function targetOffsets(
  admin: TopicAdmin,
  topic: string,
  start: ReplayStart,
  watermarks: Map<number, { low: string; high: string }>,
): Promise<Array<{ partition: number; offset: string }>> {
  if (start.kind === 'earliest') return [...watermarks].map(([partition, marks]) => ({ partition, offset: marks.low }));
  if (start.kind === 'time') return admin.offsetsAtTime(topic, start.atMs);
  for (const { partition, offset } of start.offsets) {
    const marks = watermarks.get(partition);
    if (!marks) throw new ConfigError('CLI_NO_SUCH_PARTITION', `${topic} has no partition ${partition}.`);
    if (BigInt(offset) < BigInt(marks.low) || BigInt(offset) > BigInt(marks.high))
      throw new ConfigError(
        'CLI_OFFSET_OUT_OF_RANGE',
        `Offset ${offset} is outside partition ${partition} of ${topic}: it holds ${marks.low} to ${BigInt(marks.high) - 1n}.`,
        { hint: `Pick an offset from ${marks.low} (earliest retained) to ${marks.high} (the end).` },
      );
  }
  return start.offsets;
}

/** Per partition: where the group is, where it would go, and how much it would reprocess. */
export async function planReplay(targets: OperatorTargets, admin: TopicAdmin, request: ReplayRequest): Promise<ReplayPlan> {
  const { topic, groupId } = request;
  await existingTopics(admin, [topic], []);
  const watermarks = new Map((await admin.watermarks(topic)).map((entry) => [entry.partition, entry]));
  const commits = new Map((await admin.groupCommits(groupId, topic)).map((entry) => [entry.partition, entry]));
  const group = await admin.describeGroup(groupId);
  const moves = await targetOffsets(admin, topic, request.start, watermarks);
  const sampleSize = request.sampleRecordsPerPartition ?? DEFAULT_SAMPLE_RECORDS;
  const samples = await peekRecords({
    kafka: targets.kafka,
    logger: targets.logger,
    clientName: 'cli-replay-estimate',
    topic,
    from: moves,
    maxRecordsPerPartition: sampleSize,
  });
  const partitions: ReplayPartition[] = moves.map(({ partition, offset }) => {
    const end = watermarks.get(partition)!.high;
    const records = Math.max(0, Number(BigInt(end) - BigInt(offset)));
    const sampled = samples.filter((record) => record.partition === partition);
    const sampledBytes = sampled.reduce((sum, record) => sum + record.sizeBytes, 0);
    // Compacted or transactional topics can have gaps: the sample may cover fewer records than the offset span.
    const estimatedBytes = sampled.length === 0 ? 0 : Math.round((sampledBytes / sampled.length) * records);
    const commit = commits.get(partition);
    return {
      partition,
      committed: commit?.offset ?? null,
      metadata: commit?.metadata ?? '',
      target: offset,
      end,
      records,
      estimatedBytes: sampled.length >= records ? sampledBytes : estimatedBytes,
      sampledRecords: sampled.length,
      skipsRecords: commit?.offset != null && BigInt(offset) > BigInt(commit.offset) ? Number(BigInt(offset) - BigInt(commit.offset)) : 0,
    };
  });
  return {
    groupId,
    topic,
    start: describeStart(request.start),
    groupState: group.state,
    activeMembers: group.members.length,
    partitions,
    totalRecords: partitions.reduce((sum, entry) => sum + entry.records, 0),
    totalEstimatedBytes: partitions.reduce((sum, entry) => sum + entry.estimatedBytes, 0),
  };
}

export function isSinkMarker(metadata: string): boolean {
  return metadata.startsWith(SINK_MARKER_PREFIX);
}

/** Plans the replay; unless it is a dry run, moves the group's offsets between audit records. */
export async function replay(targets: OperatorTargets, request: ReplayRequest): Promise<ReplayResult> {
  return withAdmin(targets, async (admin) => {
    const plan = await planReplay(targets, admin, request);
    if (request.dryRun) return { ...plan, dryRun: true, actionId: null, moved: [] };
    if (plan.activeMembers > 0)
      throw new TributaryError(
        'CLI_REPLAY_GROUP_ACTIVE',
        `Consumer group ${request.groupId} has ${plan.activeMembers} active member(s) (state ${plan.groupState}); its offsets cannot be moved under it.`,
        {
          failureType: 'config',
          hint: 'Stop the consumers first (the service using this group), then run the replay again.',
        },
      );
    const producer = await createProducer({ kafka: targets.kafka, logger: targets.logger, clientName: 'cli-operator' });
    try {
      const details = (): Record<string, string> => {
        const out: Record<string, string> = {};
        for (const entry of plan.partitions) {
          out[`partition.${entry.partition}.from`] = entry.committed ?? 'none';
          out[`partition.${entry.partition}.to`] = entry.target;
          if (isSinkMarker(entry.metadata)) out[`partition.${entry.partition}.cleared_metadata`] = entry.metadata;
        }
        return out;
      };
      const result = await audited(
        targets,
        producer,
        {
          action: 'REPLAY',
          sourceTopic: request.topic,
          target: request.groupId,
          selection: plan.start,
          records: plan.totalRecords,
          details: details(),
        },
        async () => {
          await admin.commitGroupOffsets(
            request.groupId,
            request.topic,
            plan.partitions.map((entry) => ({ partition: entry.partition, offset: entry.target })),
          );
          const now = new Map((await admin.groupCommits(request.groupId, request.topic)).map((entry) => [entry.partition, entry]));
          const moved = plan.partitions.map((entry) => ({
            partition: entry.partition,
            from: entry.committed,
            to: now.get(entry.partition)?.offset ?? '',
          }));
          const wrong = moved.filter((entry, index) => entry.to !== plan.partitions[index]!.target);
          if (wrong.length > 0)
            throw new TributaryError(
              'CLI_REPLAY_NOT_APPLIED',
              `The group's offsets did not move as planned on partitions ${wrong.map((entry) => entry.partition).join(', ')}.`,
              {
                failureType: 'transient',
                hint: 'A consumer of the group may have started meanwhile; check with --dry-run and run again.',
                details: { moved },
              },
            );
          return { records: plan.totalRecords, details: details(), moved };
        },
      );
      return { ...plan, dryRun: false, actionId: result.actionId, moved: result.moved };
    } finally {
      await producer.close();
    }
  });
}
