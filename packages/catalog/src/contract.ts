// The event contract as one checked whole: the topic catalogue, the Avro sources, and for every
// schema a topic carries its resolved (self-contained) form and its released versions.
// Everything that reads schemas — the generator, the CLI, the tests — starts here.
import { ConfigError } from '@tributary/errors';
import { loadAvroSources, referencedTypes, resolveSchema, schemaRuleViolations } from './avro-sources.ts';
import type { AvroSource } from './avro-sources.ts';
import { jsonEqual } from './json.ts';
import type { JsonObject } from './json.ts';
import { contractPaths } from './paths.ts';
import type { ContractPaths } from './paths.ts';
import { readHistory } from './schema-history.ts';
import type { HistoryVersion } from './schema-history.ts';
import { avroTopics, loadCatalogue } from './topic-catalogue.ts';
import type { TopicCatalogue } from './topic-catalogue.ts';

export interface EventSchema {
  fullName: string;
  /** The record's short name, used for the TypeScript type. */
  typeName: string;
  source: AvroSource;
  /** The schema with every referenced type inlined. */
  resolved: JsonObject;
  /** True when the source file refers to no other file (it is released verbatim). */
  selfContained: boolean;
  /** Released versions, oldest first. */
  history: HistoryVersion[];
  /** Topics whose values use this schema. */
  topics: string[];
}

export interface EventContract {
  paths: ContractPaths;
  catalogue: TopicCatalogue;
  sources: ReadonlyMap<string, AvroSource>;
  /** Top-level schemas (those a topic carries), by full name. */
  schemas: EventSchema[];
}

/** Named types reachable from `roots`, including the roots. */
function reachable(roots: readonly string[], sources: ReadonlyMap<string, AvroSource>): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots];
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    if (seen.has(name)) continue;
    seen.add(name);
    const source = sources.get(name);
    if (source) queue.push(...referencedTypes(source.definition));
  }
  return seen;
}

export interface LoadContractOptions {
  /**
   * Fail when a file in schemas/avro is not used by any topic (default true). Off when a
   * different catalogue (a subset, a test's) is loaded.
   */
  requireAllTypesUsed?: boolean;
}

export function loadContract(paths: ContractPaths = contractPaths(), options: LoadContractOptions = {}): EventContract {
  const catalogue = loadCatalogue(paths);
  const sources = loadAvroSources(paths);
  const problems: string[] = [];

  const topicsBySchema = new Map<string, string[]>();
  for (const topic of avroTopics(catalogue)) {
    topicsBySchema.set(topic.value.schema, [...(topicsBySchema.get(topic.value.schema) ?? []), topic.name]);
    if (!sources.has(topic.value.schema))
      problems.push(`${topic.name}: value schema ${topic.value.schema} is not defined by any file in schemas/avro`);
  }

  if (options.requireAllTypesUsed ?? true) {
    const used = reachable([...topicsBySchema.keys()], sources);
    for (const source of sources.values()) {
      if (!used.has(source.fullName)) problems.push(`${source.path}: ${source.fullName} is not used by any topic's value schema`);
    }
  }

  const schemas: EventSchema[] = [];
  for (const [fullName, topics] of [...topicsBySchema.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const source = sources.get(fullName);
    if (!source) continue;
    let resolved: JsonObject;
    try {
      resolved = resolveSchema(fullName, sources);
    } catch (error) {
      problems.push(`${source.path}: ${(error as Error).message}`);
      continue;
    }
    for (const violation of schemaRuleViolations(resolved)) problems.push(`${source.path}: ${violation}`);
    schemas.push({
      fullName,
      typeName: String(resolved.name),
      source,
      resolved,
      selfContained: referencedTypes(source.definition).length === 0,
      history: readHistory(paths, source.path),
      topics: [...topics].sort(),
    });
  }

  const typeNames = new Map<string, string>();
  for (const source of sources.values()) {
    const short = String(source.definition.name).split('.').pop() ?? '';
    const other = typeNames.get(short);
    if (other) problems.push(`${source.fullName} and ${other} share the short name ${short}; generated TypeScript types need unique names`);
    typeNames.set(short, source.fullName);
  }

  if (problems.length > 0) {
    throw new ConfigError(
      'SCHEMAS_INVALID',
      `The event contract has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`,
      {
        hint: 'Schema rules: docs/adr/0011; topic rules: docs/adr/0012.',
        details: { problems },
      },
    );
  }
  return { paths, catalogue, sources, schemas };
}

/** The newest released version, or undefined before the first release. */
export function latestVersion(schema: EventSchema): HistoryVersion | undefined {
  return schema.history.at(-1);
}

/** True when the newest released version is the source's schema (formatting aside). */
export function isReleased(schema: EventSchema): boolean {
  const latest = latestVersion(schema);
  return latest !== undefined && jsonEqual(latest.schema, schema.resolved);
}
