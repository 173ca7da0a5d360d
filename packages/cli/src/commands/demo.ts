// npm run demo: the README's first command. Starts (or reuses) the local stack unless
// endpoints are configured explicitly, then sends the canary event through Kafka into
// ClickHouse and prints it back. The stack keeps running afterwards so people can look around.
// (The full pipeline demo — simulators, sources, transforms, sink — replaces the middle part as it lands.)
import type { Command } from 'commander';
import { stackUp } from '@tributary/local-stack';
import { canaryCommand } from './canary.ts';
import { describeProvision, provisionContracts, stackEndpoints } from '../provision.ts';
import { createContext } from '../context.ts';
import type { GlobalOptions } from '../context.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start the local stack and send a first event through Kafka into ClickHouse')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const context = createContext(globals);
      const { config } = context;
      const external = config.isExplicit('kafka') || config.isExplicit('registry') || config.isExplicit('clickhouse');
      let endpoints;
      if (external) {
        process.stdout.write('Endpoints are configured explicitly: using them, not the local stack.\n');
      } else {
        process.stdout.write('Starting the local stack (the first run downloads Kafka and the registry from Maven Central)…\n');
        const result = await stackUp({ logger: context.logger });
        endpoints = result.endpoints;
        process.stdout.write(
          `✔ local stack ready in ${(result.durationMs / 1000).toFixed(1)}s: Kafka ${result.endpoints.kafkaBrokers}, registry ${result.endpoints.registryUrl}, ClickHouse ${result.endpoints.clickhouseUrl}\n`,
        );
        const provisioned = await provisionContracts(stackEndpoints(config.values, result.endpoints), context.logger);
        process.stdout.write(`✔ contracts applied: ${describeProvision(provisioned)}\n`);
      }
      await canaryCommand(context, globals, endpoints);
      process.stdout.write(
        [
          '',
          'Next:',
          '  npm run tributary -- sql "SELECT event_id, message, trace_id FROM tributary_canary ORDER BY ingested_at DESC LIMIT 5"',
          '  npm run stack -- status',
          '  npm run stack -- down',
          '',
        ].join('\n'),
      );
    });
}
