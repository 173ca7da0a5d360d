// tributary sink — runs the ClickHouse sink (services/sink-clickhouse) in the foreground, the same
// process `npm run sink` starts: social.curated.* → landing tables, exactly once (docs/adr/0016).
// Settings: sink.* / TRIBUTARY_SINK_* plus the shared ones (docs/configuration.md); --config and
// --log-level are passed on. SIGTERM/SIGINT are forwarded: the sink lands what it buffered and exits.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CONFIG_FILE_ENV, processEnvironment } from '@tributary/config';
import type { GlobalOptions } from '../context.ts';

const SINK_MAIN = fileURLToPath(new URL('../../../../services/sink-clickhouse/src/main.ts', import.meta.url));

export function registerSink(program: Command): void {
  program
    .command('sink')
    .description('run the ClickHouse sink (social.curated.* → landing tables, exactly once) in the foreground')
    .action(async (_options: object, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const env = { ...processEnvironment() };
      if (globals.config?.length) env[CONFIG_FILE_ENV] = globals.config.join(',');
      if (globals.logLevel) env.TRIBUTARY_LOG_LEVEL = globals.logLevel;
      const child = spawn(process.execPath, [SINK_MAIN], { stdio: 'inherit', env });
      const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
      process.on('SIGTERM', forward);
      process.on('SIGINT', forward);
      const code = await new Promise<number>((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
      process.off('SIGTERM', forward);
      process.off('SIGINT', forward);
      process.exitCode = code;
    });
}
