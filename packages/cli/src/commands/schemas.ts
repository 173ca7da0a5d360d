// tributary schemas register | schemas check — explicit schema registration and compatibility
// checks for every value subject in the topic catalogue. Producers never register schemas;
// CI, deploys and the local stack run `schemas register` (docs/adr/0010).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  candidateSubjectSpecs,
  checkSchemas,
  checkSubjectHistory,
  contractPaths,
  describeFinding,
  loadContract,
  registerSchemas,
  subjectSpecs,
  unreleasedSchemas,
} from '@tributary/catalog';
import type { EventContract } from '@tributary/catalog';
import { ConfigError } from '@tributary/errors';
import { createRegistryAdmin } from '@tributary/kafka';
import { createContext } from '../context.ts';
import type { CliContext, GlobalOptions } from '../context.ts';
import { printJson, printStep, printTable } from '../output.ts';
import type { CatalogueOption } from './topics.ts';

function contractFor(options: CatalogueOption): EventContract {
  const paths = contractPaths();
  if (!options.catalogue) return loadContract(paths);
  return loadContract({ ...paths, catalogueFile: resolve(options.catalogue) }, { requireAllTypesUsed: false });
}

export async function schemasRegisterCommand(context: CliContext, options: GlobalOptions & CatalogueOption) {
  const contract = contractFor(options);
  const unreleased = unreleasedSchemas(contract);
  if (unreleased.length > 0) {
    throw new ConfigError(
      'SCHEMAS_UNRELEASED',
      `These schemas changed since their newest released version: ${unreleased.map((schema) => schema.source.path).join(', ')}.`,
      {
        hint: 'Run `npm run generate:events` to record the new version (and commit it), then register.',
      },
    );
  }
  const results = await registerSchemas(createRegistryAdmin(context.config.values.registry), subjectSpecs(contract));
  if (options.json) printJson(results);
  else {
    printTable(
      results.map((result) => ({
        subject: result.subject,
        compatibility:
          result.compatibility.before === result.compatibility.after
            ? result.compatibility.after
            : `${result.compatibility.after} (was ${result.compatibility.before ?? 'unset'})`,
        registered: result.registered.length === 0 ? '-' : result.registered.map((entry) => `v${entry.version}`).join(', '),
        version: result.latest ? `v${result.latest.version}` : '',
        'registry version': result.latest?.registryVersion,
        'schema id': result.latest?.id,
      })),
    );
    const registered = results.reduce((sum, result) => sum + result.registered.length, 0);
    printStep(
      registered === 0
        ? `all ${results.length} subjects already registered`
        : `registered ${registered} schema version${registered === 1 ? '' : 's'}`,
    );
  }
  return results;
}

export async function schemasCheckCommand(context: CliContext, options: GlobalOptions & CatalogueOption & { offline?: boolean }) {
  const contract = contractFor(options);
  const specs = candidateSubjectSpecs(contract);
  const offline = specs.flatMap((spec) =>
    checkSubjectHistory(spec).map((finding) => `${describeFinding(spec.subject, finding)} (${spec.compatibility})`),
  );
  const unreleased = unreleasedSchemas(contract).map((schema) => schema.source.path);
  const online = options.offline ? undefined : await checkSchemas(createRegistryAdmin(context.config.values.registry), specs);
  const incompatible = offline.length > 0 || (online ?? []).some((check) => check.status === 'incompatible');

  if (options.json) printJson({ unreleased, offline, registry: online ?? null, compatible: !incompatible });
  else {
    for (const path of unreleased) process.stdout.write(`note: ${path} has unreleased changes; checked as the next version\n`);
    if (offline.length === 0)
      printStep(`offline (avsc): every version of ${specs.length} subjects keeps its subject's compatibility level`);
    else for (const line of offline) process.stdout.write(`✘ ${line}\n`);
    if (online) {
      printTable(
        online.map((check) => ({
          subject: check.subject,
          version: `v${check.version}`,
          status: check.status,
          'vs latest': check.latest ?? '',
          'vs all versions': check.all ?? '',
          note: check.levelMismatch
            ? `registry level ${check.levelMismatch.registry ?? 'unset'}, catalogue ${check.levelMismatch.catalogue}`
            : '',
        })),
      );
    }
  }
  if (incompatible) process.exitCode = 1;
  return { offline, online };
}

export function registerSchemasCommands(program: Command): void {
  const schemas = program.command('schemas').description('Avro schemas (schemas/avro) and their registry subjects');
  schemas
    .command('register')
    .description("set each value subject's compatibility level and register the released versions it lacks; a second run changes nothing")
    .option('--catalogue <file>', 'a different catalogue file (default: schemas/topics/catalogue.yaml)')
    .action(async (options: CatalogueOption, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await schemasRegisterCommand(createContext(globals), { ...globals, ...options });
    });
  schemas
    .command('check')
    .description('check every local schema against its earlier versions (avsc) and against the running registry')
    .option('--offline', 'only the avsc check, no registry')
    .option('--catalogue <file>', 'a different catalogue file (default: schemas/topics/catalogue.yaml)')
    .action(async (options: CatalogueOption & { offline?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await schemasCheckCommand(createContext(globals), { ...globals, ...options });
    });
}
