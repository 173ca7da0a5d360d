// npm run demo: the README's first command. Starts (or reuses) the local stack unless endpoints
// are configured explicitly, applies topics, schemas and migrations, then runs the whole pipeline
// (demo/run-demo.ts) for a bounded time and prints a summary queried from ClickHouse. The stack
// keeps running afterwards so people can look around.
import type { Command } from 'commander';
import { createClickHouseClient } from '@tributary/clickhouse';
import { ConfigError } from '@tributary/errors';
import { connectTopicAdmin } from '@tributary/kafka';
import { stackUp } from '@tributary/local-stack';
import { describeProvision, provisionContracts, stackEndpoints } from '../provision.ts';
import { createContext } from '../context.ts';
import type { GlobalOptions } from '../context.ts';
import { runDemo } from '../demo/run-demo.ts';
import { describeSummary } from '../demo/summary.ts';
import { printJson } from '../output.ts';

interface DemoCommandOptions {
  duration: string;
  accounts: string;
  posts: string;
}

function positiveInteger(value: string, name: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new ConfigError('DEMO_OPTION_INVALID', `--${name} must be a positive integer, got ${value}.`);
  return parsed;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole pipeline on the local stack: simulators → sources → enrich → quality → sink → ClickHouse, then a summary')
    .option('--duration <seconds>', 'how long to collect before draining and stopping', '90')
    .option('--accounts <n>', 'simulated accounts per platform', '2')
    .option('--posts <n>', 'posts per simulated account', '10')
    .action(async (options: DemoCommandOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const durationMs = positiveInteger(options.duration, 'duration') * 1000;
      const accountsPerPlatform = positiveInteger(options.accounts, 'accounts');
      const postsPerAccount = positiveInteger(options.posts, 'posts');
      const context = createContext(globals);
      const { config } = context;
      const say = (text: string): void => void process.stderr.write(`${text}\n`);
      const external = config.isExplicit('kafka') || config.isExplicit('registry') || config.isExplicit('clickhouse');
      let targets = config.values;
      if (external) {
        say('Endpoints are configured explicitly: using them, not the local stack.');
      } else {
        say('Starting the local stack (the first run downloads Kafka and the registry from Maven Central)…');
        const result = await stackUp({ logger: context.logger });
        targets = { ...config.values, ...stackEndpoints(config.values, result.endpoints) };
        say(
          `✔ local stack ready in ${(result.durationMs / 1000).toFixed(1)}s: Kafka ${result.endpoints.kafkaBrokers}, registry ${result.endpoints.registryUrl}, ClickHouse ${result.endpoints.clickhouseUrl}`,
        );
      }
      const provisioned = await provisionContracts(targets, context.logger);
      say(`✔ contracts applied: ${describeProvision(provisioned)}`);

      let interrupt!: () => void;
      const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
      let signals = 0;
      const onSignal = (): void => {
        signals += 1;
        if (signals === 1) {
          say('\nStopping: sources first, then the pipeline drains (Ctrl-C again to abort at once).');
          interrupt();
        } else process.exit(130);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);

      const admin = await connectTopicAdmin(targets.kafka, context.logger);
      const clickhouse = createClickHouseClient(targets.clickhouse, 'cli-demo');
      try {
        const result = await runDemo({
          durationMs,
          accountsPerPlatform,
          postsPerAccount,
          endpointsEnv: {
            TRIBUTARY_KAFKA_BROKERS: targets.kafka.brokers.join(','),
            TRIBUTARY_REGISTRY_URL: targets.registry.url,
            TRIBUTARY_CLICKHOUSE_URL: targets.clickhouse.url,
            TRIBUTARY_CLICKHOUSE_DATABASE: targets.clickhouse.database,
          },
          admin,
          clickhouse,
          logger: context.logger,
          progress: process.stderr,
          interrupted,
        });
        if (globals.json) {
          printJson(result);
          return;
        }
        process.stdout.write(`${describeSummary(result.summary)}\n`);
        const errors = Object.entries(result.serviceErrors).filter(([, count]) => count > 0);
        if (errors.length > 0)
          process.stdout.write(
            `\nErrors logged: ${errors.map(([name, count]) => `${name} ${count}`).join(', ')} (logs: ${result.logDirectory})\n`,
          );
        process.stdout.write(
          [
            '',
            `Logs of every service: ${result.logDirectory}`,
            'Query further (the stack keeps running):',
            `  npm run tributary -- sql "SELECT platform, post_id, views, engagement_rate, views_per_hour, creator_tier FROM post_metrics_latest FINAL ORDER BY engagement_rate DESC LIMIT 10"`,
            `  npm run tributary -- sql "SELECT post_id, text_language, text_hashtags, quality_score, quality_flags FROM posts FINAL LIMIT 10"`,
            '  npm run tributary -- quarantine list',
            '  npm run tributary -- dlq list',
            '  npm run stack -- down      # stop the local stack',
            '',
          ].join('\n'),
        );
        if (!result.drained) process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await admin.close();
        await clickhouse.close();
      }
    });
}
