// tributary replay — move a consumer group (or the sink) back to a time, offsets or the earliest
// records of a topic. Wiring and printing only; the logic is in operations/replay.ts.
import type { Command } from 'commander';
import { ConfigError } from '@tributary/errors';
import { printJson, printStep, printTable } from '../output.ts';
import { DEFAULT_SAMPLE_RECORDS, SINK_GROUP_ID, isSinkMarker, replay } from '../operations/replay.ts';
import type { ReplayStart } from '../operations/replay.ts';
import { parseCount, parseInstant, parsePartitionOffsets } from '../operations/selection.ts';
import { operatorTargets } from './dlq.ts';

interface ReplayOptions {
  group?: string;
  sink?: boolean;
  topic: string;
  fromTime?: string;
  fromOffsets?: string;
  earliest?: boolean;
  dryRun?: boolean;
  sampleRecords: string;
}

export function replayStart(options: ReplayOptions): ReplayStart {
  const given = [options.fromTime, options.fromOffsets, options.earliest].filter((value) => value !== undefined && value !== false);
  if (given.length !== 1)
    throw new ConfigError('CLI_REPLAY_START', 'Say where to replay from: exactly one of --from-time, --from-offsets or --earliest.');
  if (options.fromTime !== undefined) return { kind: 'time', atMs: parseInstant(options.fromTime, '--from-time') };
  if (options.fromOffsets !== undefined) return { kind: 'offsets', offsets: parsePartitionOffsets(options.fromOffsets, '--from-offsets') };
  return { kind: 'earliest' };
}

function bytes(value: number): string {
  if (value < 1024) return `${value} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let scaled = value / 1024;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  return `${scaled.toFixed(1)} ${units[unit]}`;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description(
      "move a consumer group's offsets on a topic so it reprocesses from a time, given offsets, or the earliest records. " +
        'Replays are idempotent end to end: every event keeps its event_id through every stage and ClickHouse de-duplicates by it, ' +
        'so reprocessing a range lands nothing twice. The group must have no running consumers (stop them first); ' +
        'for the ClickHouse sink the replay also clears its in-flight marker, so it restarts cleanly at the new offsets.',
    )
    .option('--group <id>', 'the consumer group to move')
    .option('--sink', `shorthand for --group ${SINK_GROUP_ID} (the ClickHouse sink's default group)`)
    .requiredOption('--topic <name>', 'the topic whose offsets move')
    .option('--from-time <time>', 'the first record at or after this ISO 8601 time (per partition)')
    .option('--from-offsets <p:o,...>', 'explicit offsets per partition; other partitions do not move')
    .option('--earliest', 'the earliest retained record of every partition')
    .option('--dry-run', 'show per partition what would be reprocessed, and its estimated size, without moving anything')
    .option('--sample-records <n>', 'records read per partition to estimate the size', String(DEFAULT_SAMPLE_RECORDS))
    .action(async (options: ReplayOptions, command: Command) => {
      if (options.sink && options.group && options.group !== SINK_GROUP_ID)
        throw new ConfigError('CLI_REPLAY_GROUP', `--sink means --group ${SINK_GROUP_ID}; give one of them.`);
      const groupId = options.group ?? (options.sink ? SINK_GROUP_ID : undefined);
      if (!groupId) throw new ConfigError('CLI_REPLAY_GROUP', 'Say which consumer group to move: --group <id> or --sink.');
      const { targets, json } = operatorTargets(command);
      const result = await replay(targets, {
        groupId,
        topic: options.topic,
        start: replayStart(options),
        dryRun: options.dryRun === true,
        sampleRecordsPerPartition: parseCount(options.sampleRecords, '--sample-records'),
      });
      if (json) return printJson(result);
      printTable(
        result.partitions.map((entry) => ({
          partition: entry.partition,
          committed: entry.committed ?? '(none)',
          target: entry.target,
          end: entry.end,
          records: entry.records,
          'estimated size': `${bytes(entry.estimatedBytes)}${entry.sampledRecords < entry.records ? ` (from ${entry.sampledRecords} sampled)` : ''}`,
          note: isSinkMarker(entry.metadata)
            ? `sink in flight: ${entry.metadata.slice(entry.metadata.lastIndexOf(' ') + 1)} (cleared)`
            : '',
        })),
      );
      process.stdout.write(`total: ${result.totalRecords} record(s), about ${bytes(result.totalEstimatedBytes)}\n`);
      if (result.dryRun) {
        process.stdout.write(`Dry run: group ${result.groupId} was not moved.\n`);
        if (result.activeMembers > 0)
          process.stdout.write(
            `Note: the group has ${result.activeMembers} active member(s); stop its consumers before the real replay.\n`,
          );
      } else printStep(`group ${result.groupId} moved on ${result.topic} (audit action ${result.actionId})`);
    });
}
