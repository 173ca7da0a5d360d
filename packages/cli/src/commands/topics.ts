// tributary topics apply [--dry-run] | topics list — make the Kafka cluster match the topic
// catalogue (schemas/topics/catalogue.yaml), or show how they compare. Topics are created and
// changed only here, never implicitly by producers (docs/adr/0012).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  applyTopics,
  contractPaths,
  formatPlan,
  loadCatalogue,
  parseCatalogue,
  planTopics,
  readExistingTopics,
  refusals,
} from '@tributary/catalog';
import type { TopicCatalogue, TopicPlan } from '@tributary/catalog';
import { connectTopicAdmin } from '@tributary/kafka';
import type { TopicAdmin } from '@tributary/kafka';
import { createContext } from '../context.ts';
import type { CliContext, GlobalOptions } from '../context.ts';
import { printJson, printStep, printTable } from '../output.ts';

export interface CatalogueOption {
  catalogue?: string;
}

export function readCatalogueOption(options: CatalogueOption): TopicCatalogue {
  const paths = contractPaths();
  if (!options.catalogue) return loadCatalogue(paths);
  const file = resolve(options.catalogue);
  return parseCatalogue(readFileSync(file, 'utf8'), JSON.parse(readFileSync(paths.catalogueSchemaFile, 'utf8')) as object, file);
}

async function withAdmin<T>(context: CliContext, run: (admin: TopicAdmin) => Promise<T>): Promise<T> {
  const admin = await connectTopicAdmin(context.config.values.kafka, context.logger);
  try {
    return await run(admin);
  } finally {
    await admin.close();
  }
}

async function currentPlan(admin: TopicAdmin, catalogue: TopicCatalogue): Promise<TopicPlan> {
  const existing = await readExistingTopics(admin, catalogue.topics, catalogue.namespaces);
  return planTopics(existing, catalogue.topics, catalogue.namespaces);
}

export async function topicsApplyCommand(
  context: CliContext,
  options: GlobalOptions & CatalogueOption & { dryRun?: boolean },
): Promise<TopicPlan> {
  const catalogue = readCatalogueOption(options);
  return withAdmin(context, async (admin) => {
    const plan = await currentPlan(admin, catalogue);
    const refused = refusals(plan).length > 0;
    const pending = plan.actions.some((action) => action.action === 'create' || action.action === 'update');
    if (options.json) {
      const applied = options.dryRun || refused ? undefined : await applyTopics(admin, plan);
      printJson({ dryRun: options.dryRun === true, plan, ...(applied ? { applied } : {}) });
    } else {
      for (const line of formatPlan(plan)) process.stdout.write(`${line}\n`);
      if (options.dryRun) {
        process.stdout.write(pending ? 'Dry run: nothing was changed.\n' : 'Dry run: the cluster already matches the catalogue.\n');
      } else if (!refused) {
        const applied = await applyTopics(admin, plan);
        if (!pending) printStep(`nothing to change: ${catalogue.topics.length} topics as declared`);
        else {
          printStep(
            `applied: ${applied.created.length} created, ${applied.partitionsAdded.length} with added partitions, ${applied.configured.length} reconfigured`,
          );
        }
      }
    }
    if (refused) {
      // Report and stop without applying anything (applyTopics would refuse the same way).
      process.stderr.write('Refused changes above: nothing was applied. Align the catalogue with the cluster, or migrate by hand.\n');
      process.exitCode = 1;
    }
    return plan;
  });
}

export async function topicsListCommand(context: CliContext, options: GlobalOptions & CatalogueOption): Promise<void> {
  const catalogue = readCatalogueOption(options);
  await withAdmin(context, async (admin) => {
    const existing = await readExistingTopics(admin, catalogue.topics, catalogue.namespaces);
    const plan = planTopics(existing, catalogue.topics, catalogue.namespaces);
    const byName = new Map(existing.map((topic) => [topic.name, topic]));
    const state = new Map(
      plan.actions.map((action) => [action.topic, { create: 'missing', update: 'differs', refuse: 'conflict', none: 'ok' }[action.action]]),
    );
    const rows = catalogue.topics.map((topic) => {
      const current = byName.get(topic.name);
      return {
        topic: topic.name,
        state: state.get(topic.name),
        partitions:
          current && current.partitions !== topic.partitions ? `${current.partitions} (want ${topic.partitions})` : topic.partitions,
        replication: current ? current.replicationFactor : topic.replicationFactor,
        'retention.ms': topic.config['retention.ms'],
        'cleanup.policy': topic.config['cleanup.policy'],
        value: topic.value.kind === 'avro' ? topic.value.subject : 'bytes',
        owner: topic.owner,
      };
    });
    const undeclared = plan.undeclared.map((name) => ({
      topic: name,
      state: 'undeclared',
      partitions: byName.get(name)?.partitions,
      owner: '(not in catalogue)',
    }));
    if (options.json) printJson([...rows, ...undeclared]);
    else
      printTable(
        [...rows, ...undeclared],
        ['topic', 'state', 'partitions', 'replication', 'retention.ms', 'cleanup.policy', 'value', 'owner'],
      );
  });
}

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description('Kafka topics, as declared in schemas/topics/catalogue.yaml');
  topics
    .command('apply')
    .description('create and update topics to match the catalogue; refuses unsafe changes; a second run changes nothing')
    .option('--dry-run', 'print the changes without making them')
    .option('--catalogue <file>', 'a different catalogue file (default: schemas/topics/catalogue.yaml)')
    .action(async (options: CatalogueOption & { dryRun?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await topicsApplyCommand(createContext(globals), { ...globals, ...options });
    });
  topics
    .command('list')
    .description('the catalogue next to the cluster: partitions, retention, cleanup policy, subject, owner, state')
    .option('--catalogue <file>', 'a different catalogue file (default: schemas/topics/catalogue.yaml)')
    .action(async (options: CatalogueOption, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await topicsListCommand(createContext(globals), { ...globals, ...options });
    });
}
