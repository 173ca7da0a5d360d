#!/usr/bin/env node
// The tributary command line. Wiring only: each command lives in commands/.
import { Command } from 'commander';
import { registerCanary } from './commands/canary.ts';
import { registerConfig } from './commands/config.ts';
import { registerDemo } from './commands/demo.ts';
import { registerDlq } from './commands/dlq.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerQuarantine } from './commands/quarantine.ts';
import { registerReplay } from './commands/replay.ts';
import { registerSchemasCommands } from './commands/schemas.ts';
import { registerSink } from './commands/sink.ts';
import { registerSql } from './commands/sql.ts';
import { registerStack } from './commands/stack.ts';
import { registerTopics } from './commands/topics.ts';
import { reportError } from './output.ts';

const program = new Command('tributary')
  .description('Tributary: social-media data from platform APIs through Kafka into ClickHouse.')
  .option('-c, --config <file>', 'JSON config file (repeatable; later files win)', (value: string, all: string[] = []) => [...all, value])
  .option('--log-level <level>', 'log level for this command (fatal, error, warn, info, debug, trace, silent)')
  .option('--json', 'machine-readable output')
  .showHelpAfterError();

registerStack(program);
registerDemo(program);
registerCanary(program);
registerSql(program);
registerConfig(program);
registerTopics(program);
registerSchemasCommands(program);
registerMigrate(program);
registerSink(program);
registerDlq(program);
registerQuarantine(program);
registerReplay(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}
