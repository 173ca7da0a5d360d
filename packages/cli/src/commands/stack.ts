// tributary stack up | down | status | logs — the local stack (deploy/local): Kafka (KRaft),
// Apicurio Registry and embedded ClickHouse as local processes, no Docker needed.
import type { Command } from 'commander';
import { COMPONENT_NAMES, stackDown, stackLogs, stackStatus, stackUp } from '@tributary/local-stack';
import type { ComponentName, StackStatus } from '@tributary/local-stack';
import { ConfigError } from '@tributary/errors';
import { createContext } from '../context.ts';
import type { GlobalOptions } from '../context.ts';
import { printJson, printTable } from '../output.ts';
import { describeProvision, provisionContracts, stackEndpoints } from '../provision.ts';

function components(list: string | undefined): ComponentName[] | undefined {
  if (list === undefined) return undefined;
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(COMPONENT_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError('CLI_UNKNOWN_COMPONENT', `Unknown component "${name}".`, {
        hint: `Use one or more of: ${COMPONENT_NAMES.join(', ')}.`,
      });
    }
  }
  return names as ComponentName[];
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? '' : `${Math.round(bytes / 1048576)} MiB`;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '' : `${Math.round(ms / 1000)}s`;
}

export function printStatus(status: StackStatus): void {
  printTable(
    status.components.map((c) => ({
      component: c.component,
      version: c.version,
      state: c.state,
      healthy: c.healthy ? 'yes' : 'no',
      endpoint: c.endpoint,
      pid: c.pid ?? '',
      uptime: seconds(c.uptimeMs),
      memory: mib(c.rssBytes),
      note: c.note ?? '',
    })),
  );
  process.stdout.write(`\nstack dir: ${status.dir}\n`);
}

export function registerStack(program: Command): void {
  const stack = program.command('stack').description('the local stack: Kafka, schema registry and embedded ClickHouse as local processes');
  const globals = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();

  stack
    .command('up')
    .description('start (or reuse) the local stack and wait until every component is ready')
    .option('--only <components>', `comma-separated subset of ${COMPONENT_NAMES.join(',')}`)
    .option('--fresh', 'stop the selected components and wipe their data first')
    .option('--no-provision', 'do not apply the topic catalogue and register schemas afterwards')
    .action(async (options: { only?: string; fresh?: boolean; provision: boolean }, command: Command) => {
      const { config, logger } = createContext(globals(command));
      const selected = components(options.only);
      const result = await stackUp({ logger, fresh: options.fresh === true, ...(selected ? { components: selected } : {}) });
      const running = (name: ComponentName) => result.components.some((c) => c.component === name && c.state === 'running');
      const provisioned =
        options.provision && running('kafka') && running('registry')
          ? await provisionContracts(stackEndpoints(config.values, result.endpoints), logger)
          : undefined;
      if (globals(command).json) return printJson({ ...result, provisioned });
      process.stdout.write(
        `Local stack ready in ${(result.durationMs / 1000).toFixed(1)}s (started: ${result.started.join(', ') || 'none'}; reused: ${result.reused.join(', ') || 'none'}).\n\n`,
      );
      printStatus(result);
      process.stdout.write(
        `\nKafka ${result.endpoints.kafkaBrokers} · registry ${result.endpoints.registryUrl} · ClickHouse ${result.endpoints.clickhouseUrl}\n`,
      );
      if (provisioned) process.stdout.write(`Contracts applied: ${describeProvision(provisioned)}.\n`);
    });

  stack
    .command('down')
    .description('stop the processes the local stack started (and nothing else)')
    .option('--only <components>', `comma-separated subset of ${COMPONENT_NAMES.join(',')}`)
    .action(async (options: { only?: string }, command: Command) => {
      const { logger } = createContext(globals(command));
      const selected = components(options.only);
      await stackDown({ logger, ...(selected ? { components: selected } : {}) });
      if (!globals(command).json) process.stdout.write('Local stack stopped.\n');
    });

  stack
    .command('status')
    .description('versions, ports, pids, health, uptime and memory of each component')
    .action(async (_options: unknown, command: Command) => {
      const status = await stackStatus({});
      if (globals(command).json) printJson(status);
      else printStatus(status);
    });

  stack
    .command('logs')
    .description("show (and optionally follow) a component's log")
    .argument('<component>', COMPONENT_NAMES.join(' | '))
    .option('-n, --lines <count>', 'lines to show', '100')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .action(async (component: string, options: { lines: string; follow?: boolean }) => {
      const [name] = components(component) ?? [];
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      for await (const line of stackLogs(name!, { lines: Number(options.lines), follow: options.follow === true, signal: abort.signal })) {
        process.stdout.write(`${line}\n`);
      }
    });
}
