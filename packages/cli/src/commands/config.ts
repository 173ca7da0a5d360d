// tributary config show: the effective configuration of the CLI, secrets masked.
import type { Command } from 'commander';
import { createContext } from '../context.ts';
import type { GlobalOptions } from '../context.ts';
import { printJson } from '../output.ts';

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('configuration')
    .command('show')
    .description('print the effective configuration with secrets masked')
    .action((_options: unknown, command: Command) => {
      printJson(createContext(command.optsWithGlobals<GlobalOptions>()).config.redacted());
    });
}
