// tributary sql "<query>" [--param name=value]… [--format table|json]
// Runs SQL against the configured ClickHouse (the embedded engine or a server) over HTTP.
// Values travel as server-side parameters ({name:Type} in the query), never spliced into SQL.
import type { Command } from 'commander';
import { ConfigError } from '@tributary/errors';
import { createClickHouseClient } from '@tributary/clickhouse';
import { createContext } from '../context.ts';
import type { GlobalOptions } from '../context.ts';
import { printJson, printTable } from '../output.ts';

const READS = /^\s*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXISTS|EXPLAIN)\b/i;

export function parseParams(pairs: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new ConfigError('CLI_BAD_PARAM', `--param expects name=value, got "${pair}".`, {
        hint: 'Example: --param id=42 with {id:UInt64} in the query.',
      });
    params[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return params;
}

export function registerSql(program: Command): void {
  program
    .command('sql')
    .description('run SQL against the configured ClickHouse; use {name:Type} placeholders with --param name=value')
    .argument('<query>', 'the SQL statement')
    .option('-p, --param <name=value>', 'query parameter (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('-f, --format <format>', 'output: table or json', 'table')
    .action(async (query: string, options: { param: string[]; format: string }, command: Command) => {
      const { config } = createContext(command.optsWithGlobals<GlobalOptions>());
      const client = createClickHouseClient(config.values.clickhouse, 'tributary-cli');
      try {
        const query_params = parseParams(options.param);
        if (READS.test(query)) {
          const result = await client.query({ query, query_params, format: 'JSONEachRow' });
          const rows = await result.json<Record<string, unknown>>();
          if (options.format === 'json') printJson(rows);
          else printTable(rows);
        } else {
          await client.command({ query, query_params });
          if (options.format === 'json') printJson({ ok: true });
          else process.stdout.write('Ok.\n');
        }
      } finally {
        await client.close();
      }
    });
}
