// tributary quarantine list | inspect | release — events a hard quality rule kept out of the
// curated topics. Wiring and printing only; the logic is in operations/quarantine.ts.
import type { Command } from 'commander';
import { printJson, printStep, printTable } from '../output.ts';
import { findQuarantined, quarantineView, releaseQuarantined } from '../operations/quarantine.ts';
import type { QuarantineFilter } from '../operations/quarantine.ts';
import { describeSelection, parseCoordinates, parseCount, parseInstant, requireSelection } from '../operations/selection.ts';
import { operatorTargets } from './dlq.ts';

interface FilterOptions {
  topic: string[];
  reason?: string;
  platform?: string;
  since?: string;
  until?: string;
  limit?: string;
}

const collect = (value: string, all: string[]): string[] => [...all, ...value.split(',').filter((item) => item !== '')];

function withFilters(command: Command): Command {
  return command
    .option('--topic <name>', 'a quarantine topic (repeatable; default: every social.quarantine.* topic)', collect, [] as string[])
    .option('--reason <code>', "a hard rule code among the record's reasons (tributary-quarantine-reasons)")
    .option('--platform <name>', 'TIKTOK, INSTAGRAM or YOUTUBE (case-insensitive)')
    .option('--since <time>', 'quarantined at or after this ISO 8601 time')
    .option('--until <time>', 'quarantined before this ISO 8601 time')
    .option('--limit <n>', 'at most this many records');
}

function quarantineFilter(options: FilterOptions): QuarantineFilter {
  return {
    topics: options.topic,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.platform === undefined ? {} : { platform: options.platform }),
    ...(options.since === undefined ? {} : { since: parseInstant(options.since, '--since') }),
    ...(options.until === undefined ? {} : { until: parseInstant(options.until, '--until') }),
    ...(options.limit === undefined ? {} : { limit: parseCount(options.limit, '--limit') }),
  };
}

export function registerQuarantine(program: Command): void {
  const quarantine = program
    .command('quarantine')
    .description('quarantined events (social.quarantine.*): events that failed a hard quality rule, with their reasons');

  withFilters(quarantine.command('list').description('one row per quarantined event: where, when, reasons, platform, score')).action(
    async (options: FilterOptions, command: Command) => {
      const { targets, json } = operatorTargets(command);
      const rows = (await findQuarantined(targets, quarantineFilter(options))).map((event) => event.row);
      if (json) printJson(rows);
      else
        printTable(
          rows.map((row) => ({ ...row, reasons: row.reasons.join(',') })),
          ['topic', 'partition', 'offset', 'quarantinedAt', 'reasons', 'platform', 'score', 'eventId', 'key', 'curatedTopic'],
        );
    },
  );

  withFilters(
    quarantine
      .command('inspect')
      .description('the event decoded via the registry, with its quality flags and all headers')
      .argument('[record]', '<topic>:<partition>:<offset> (or select with the filters)'),
  ).action(async (record: string | undefined, options: FilterOptions, command: Command) => {
    const { targets, json } = operatorTargets(command);
    const events = await findQuarantined(targets, { ...quarantineFilter(options), ...(record ? { at: parseCoordinates(record) } : {}) });
    requireSelection(events, 'quarantined event');
    const views = events.map(quarantineView);
    if (json) return printJson(views);
    for (const view of views) {
      process.stdout.write(`== ${view.topic}:${view.partition}:${view.offset}  reasons: ${view.reasons.join(', ')}\n`);
      for (const [name, value] of Object.entries(view.headers)) process.stdout.write(`  ${name}: ${value}\n`);
      process.stdout.write(`  quality: ${JSON.stringify(view.quality, null, 2).replace(/\n/g, '\n  ')}\n`);
      if (view.value.decoded)
        process.stdout.write(`  event (${view.value.schemaName}):\n${JSON.stringify(view.value.value, null, 2).replace(/^/gm, '    ')}\n`);
      else
        process.stdout.write(
          `  value: not decodable [${view.value.error.code}] ${view.value.error.message}\n${view.value.hex.replace(/^/gm, '    ')}\n`,
        );
    }
  });

  withFilters(
    quarantine
      .command('release')
      .description(
        'override the verdict: re-produce the selected events unchanged to their curated topic (tributary-quarantine-curated-topic), ' +
          'marked with tributary-quarantine-released-by, with an audit record. They stay in the quarantine topic.',
      )
      .option('--dry-run', 'show what would be released without producing anything'),
  ).action(async (options: FilterOptions & { dryRun?: boolean }, command: Command) => {
    const { targets, json } = operatorTargets(command);
    const events = await findQuarantined(targets, quarantineFilter(options));
    requireSelection(events, 'quarantined event');
    const selection = describeSelection({
      topic: options.topic,
      reason: options.reason,
      platform: options.platform,
      since: options.since,
      until: options.until,
      limit: options.limit,
    });
    const result = await releaseQuarantined(targets, events, { dryRun: options.dryRun === true, selection });
    if (json) return printJson(result);
    printTable(
      result.targets.map((target) => ({
        topic: target.topic,
        records: target.records,
        'first offsets': target.partitions.map((entry) => `${entry.partition}:${entry.firstOffset}`).join(' '),
      })),
    );
    if (result.skipped.length > 0) process.stdout.write(`${result.skipped.length} record(s) name no curated topic and were skipped.\n`);
    if (result.dryRun)
      process.stdout.write(`Dry run: ${result.selected - result.skipped.length} event(s) would be released; nothing was produced.\n`);
    else printStep(`released ${result.released} event(s) (audit action ${result.actionId})`);
  });
}
