// tributary dlq list | inspect | redrive | purge — dead letters of dlq.<service> topics.
// Wiring and printing only; the logic is in operations/dead-letters.ts.
import type { Command } from 'commander';
import { createContext } from '../context.ts';
import type { GlobalOptions } from '../context.ts';
import { printJson, printStep, printTable } from '../output.ts';
import { findDeadLetters, inspectDeadLetters, purgeDeadLetters, redriveDeadLetters } from '../operations/dead-letters.ts';
import type { DeadLetterFilter, DeadLetterView } from '../operations/dead-letters.ts';
import { createProgress } from '../operations/progress.ts';
import { describeSelection, parseCoordinates, parseCount, parseInstant, requireSelection } from '../operations/selection.ts';
import type { OperatorTargets } from '../operations/targets.ts';

interface FilterOptions {
  topic: string[];
  service: string[];
  stage?: string;
  errorCode?: string;
  since?: string;
  until?: string;
  originTopic?: string;
  limit?: string;
}

const collect = (value: string, all: string[]): string[] => [...all, ...value.split(',').filter((item) => item !== '')];

function withFilters(command: Command): Command {
  return command
    .option(
      '--topic <name>',
      'a DLQ topic (repeatable, or comma-separated; default: every dlq.* topic of the catalogue)',
      collect,
      [] as string[],
    )
    .option('--service <name>', 'the DLQ of a service: dlq.<service> (repeatable)', collect, [] as string[])
    .option('--stage <stage>', 'where it failed: deserialize, transform or sink')
    .option('--error-code <code>', 'the error code (SERDE_BAD_MAGIC, …)')
    .option('--since <time>', 'failed at or after this ISO 8601 time')
    .option('--until <time>', 'failed before this ISO 8601 time')
    .option('--origin-topic <name>', 'the topic the record was read from')
    .option('--limit <n>', 'at most this many dead letters');
}

export function deadLetterFilter(options: FilterOptions): DeadLetterFilter {
  return {
    topics: options.topic,
    services: options.service,
    ...(options.stage === undefined ? {} : { stage: options.stage }),
    ...(options.errorCode === undefined ? {} : { errorCode: options.errorCode }),
    ...(options.since === undefined ? {} : { since: parseInstant(options.since, '--since') }),
    ...(options.until === undefined ? {} : { until: parseInstant(options.until, '--until') }),
    ...(options.originTopic === undefined ? {} : { originTopic: options.originTopic }),
    ...(options.limit === undefined ? {} : { limit: parseCount(options.limit, '--limit') }),
  };
}

export function selectionText(options: FilterOptions): string {
  return describeSelection({
    topic: options.topic,
    service: options.service,
    stage: options.stage,
    'error-code': options.errorCode,
    since: options.since,
    until: options.until,
    'origin-topic': options.originTopic,
    limit: options.limit,
  });
}

export function operatorTargets(command: Command): { targets: OperatorTargets; json: boolean } {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const { config, logger } = createContext(globals);
  return {
    targets: { kafka: config.values.kafka, registry: config.values.registry, logger, progress: createProgress(globals) },
    json: globals.json === true,
  };
}

function printView(view: DeadLetterView): void {
  process.stdout.write(`== ${view.topic}:${view.partition}:${view.offset}\n`);
  for (const [name, value] of Object.entries(view.headers)) process.stdout.write(`  ${name}: ${value}\n`);
  process.stdout.write(`  key: ${view.key ?? '(null)'}\n`);
  if (view.value.decoded) {
    process.stdout.write(`  value (${view.value.schemaName}, schema id ${view.value.schemaId}):\n`);
    process.stdout.write(`${JSON.stringify(view.value.value, null, 2).replace(/^/gm, '    ')}\n`);
  } else {
    process.stdout.write(`  value: not decodable [${view.value.error.code}] ${view.value.error.message}\n`);
    process.stdout.write(`${view.value.hex.replace(/^/gm, '    ')}\n`);
  }
}

export function registerDlq(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('dead letters (dlq.<service>): records a service could not process, with their original bytes and why');

  withFilters(dlq.command('list').description('one row per dead letter: where, when, why, and where it came from')).action(
    async (options: FilterOptions, command: Command) => {
      const { targets, json } = operatorTargets(command);
      const letters = await findDeadLetters(targets, deadLetterFilter(options));
      const rows = letters.map((letter) => letter.row);
      if (json) printJson(rows);
      else
        printTable(
          rows.map((row) => ({
            ...row,
            origin: row.originTopic === null ? '' : `${row.originTopic}:${row.originPartition}:${row.originOffset}`,
          })),
          ['topic', 'partition', 'offset', 'failedAt', 'service', 'stage', 'errorCode', 'origin', 'key', 'message'],
        );
    },
  );

  withFilters(
    dlq
      .command('inspect')
      .description('full headers and the value decoded via the schema registry (a hex dump with the reason when it cannot be decoded)')
      .argument('[record]', '<topic>:<partition>:<offset> (or select with the filters)'),
  ).action(async (record: string | undefined, options: FilterOptions, command: Command) => {
    const { targets, json } = operatorTargets(command);
    const filter = { ...deadLetterFilter(options), ...(record ? { at: parseCoordinates(record) } : {}) };
    const letters = await findDeadLetters(targets, filter);
    requireSelection(letters, 'dead letter');
    const views = await inspectDeadLetters(targets, letters);
    if (json) printJson(views);
    else for (const view of views) printView(view);
  });

  withFilters(
    dlq
      .command('redrive')
      .description(
        're-produce the selected dead letters (original key, value bytes and non-DLQ headers) to their origin topic, with an audit record ' +
          'in tributary.operator-audit. Records are NOT removed from the DLQ (use purge). Downstream de-duplicates by event_id.',
      )
      .option('--dry-run', 'show what would be redriven without producing anything'),
  ).action(async (options: FilterOptions & { dryRun?: boolean }, command: Command) => {
    const { targets, json } = operatorTargets(command);
    const letters = await findDeadLetters(targets, deadLetterFilter(options));
    requireSelection(letters, 'dead letter');
    const result = await redriveDeadLetters(targets, letters, { dryRun: options.dryRun === true, selection: selectionText(options) });
    if (json) return printJson(result);
    printTable(
      result.targets.map((target) => ({
        topic: target.topic,
        records: target.records,
        'first offsets': target.partitions.map((entry) => `${entry.partition}:${entry.firstOffset}`).join(' '),
      })),
    );
    if (result.skipped.length > 0)
      process.stdout.write(`${result.skipped.length} selected record(s) have no DLQ headers (no origin topic) and were skipped.\n`);
    if (result.dryRun)
      process.stdout.write(`Dry run: ${result.selected - result.skipped.length} record(s) would be redriven; nothing was produced.\n`);
    else printStep(`redriven ${result.redriven} record(s) (audit action ${result.actionId})`);
    process.stdout.write(`${result.note}\n`);
  });

  dlq
    .command('purge')
    .description(
      "delete a DLQ topic's records below a point (Kafka DeleteRecords: a prefix of each partition, not a filter), with an audit record",
    )
    .requiredOption('--topic <name>', 'the DLQ topic to truncate')
    .requiredOption('--before <time|offset>', 'an ISO 8601 time, one offset for every partition, or <partition>:<offset>,…')
    .option('--yes', 'confirm: the records are deleted for good')
    .option('--dry-run', 'show what would be deleted')
    .action(async (options: { topic: string; before: string; yes?: boolean; dryRun?: boolean }, command: Command) => {
      const { targets, json } = operatorTargets(command);
      const result = await purgeDeadLetters(targets, {
        topic: options.topic,
        before: options.before,
        yes: options.yes === true,
        dryRun: options.dryRun === true,
      });
      if (json) return printJson(result);
      printTable(result.partitions.map((entry) => ({ ...entry })));
      if (result.dryRun) process.stdout.write(`Dry run: ${result.records} record(s) would be deleted from ${result.topic}.\n`);
      else if (result.actionId === null) process.stdout.write('Nothing to delete.\n');
      else printStep(`deleted ${result.records} record(s) from ${result.topic} (audit action ${result.actionId})`);
    });
}
