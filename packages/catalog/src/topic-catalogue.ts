// The topic catalogue (schemas/topics/catalogue.yaml): every Kafka topic Tributary uses, with its
// key, partitions, replication, configuration, value subject and owner. Its shape is checked
// against catalogue.schema.json (ajv); the rules a JSON schema cannot say are checked here.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '@tributary/errors';
import { DEFAULT_COMPATIBILITY } from './compatibility.ts';
import type { CompatibilityLevel } from './compatibility.ts';
import type { ContractPaths } from './paths.ts';

export type ReplicationFactor = number | 'broker-default';

export type TopicValue =
  { kind: 'avro'; subject: string; schema: string; compatibility: CompatibilityLevel } | { kind: 'bytes'; description: string };

export interface TopicSpec {
  name: string;
  description: string;
  owner: string;
  /** What the record key is and how it is encoded. */
  key: string;
  partitions: number;
  replicationFactor: ReplicationFactor;
  /** Kafka topic configuration by Kafka's own names; values as Kafka wants them (strings). */
  config: Record<string, string>;
  value: TopicValue;
}

export interface TopicCatalogue {
  /** Name prefixes that belong to Tributary. */
  namespaces: string[];
  topics: TopicSpec[];
}

interface RawTopic {
  name: string;
  description: string;
  owner: string;
  key: string;
  partitions: number;
  replicationFactor: ReplicationFactor;
  config: Record<string, string | number>;
  value: { subject: string; schema: string; compatibility?: CompatibilityLevel } | { bytes: string };
}

interface RawCatalogue {
  namespaces: string[];
  topics: RawTopic[];
}

function formatAjvError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(top level)' : error.instancePath;
  const extra =
    error.keyword === 'additionalProperties' ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})` : '';
  return `${where}: ${error.message ?? error.keyword}${extra}`;
}

/** Shape problems of a parsed catalogue document, by JSON pointer; empty when the shape is right. */
export function catalogueShapeProblems(document: unknown, jsonSchema: object): string[] {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(jsonSchema);
  if (validate(document)) return [];
  return (validate.errors ?? []).filter((error) => error.keyword !== 'oneOf' && error.keyword !== 'if').map(formatAjvError);
}

/** Rules beyond the shape: unique names, names inside the namespaces, TopicNameStrategy subjects. */
export function catalogueRuleProblems(catalogue: TopicCatalogue): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const topic of catalogue.topics) {
    if (seen.has(topic.name)) problems.push(`${topic.name}: declared twice`);
    seen.add(topic.name);
    if (!catalogue.namespaces.some((prefix) => topic.name.startsWith(prefix))) {
      problems.push(`${topic.name}: not inside any namespace (${catalogue.namespaces.join(', ')})`);
    }
    if (topic.value.kind === 'avro' && topic.value.subject !== `${topic.name}-value`) {
      problems.push(`${topic.name}: value subject must be ${topic.name}-value (TopicNameStrategy), not ${topic.value.subject}`);
    }
    const policy = topic.config['cleanup.policy'] ?? '';
    if (policy.includes('compact') && topic.value.kind === 'bytes') problems.push(`${topic.name}: a compacted topic needs a value schema`);
  }
  return problems;
}

function normalise(raw: RawCatalogue): TopicCatalogue {
  return {
    namespaces: [...raw.namespaces],
    topics: raw.topics.map((topic) => ({
      name: topic.name,
      description: topic.description,
      owner: topic.owner,
      key: topic.key,
      partitions: topic.partitions,
      replicationFactor: topic.replicationFactor,
      config: Object.fromEntries(Object.entries(topic.config).map(([name, value]) => [name, String(value)])),
      value:
        'bytes' in topic.value
          ? { kind: 'bytes', description: topic.value.bytes }
          : {
              kind: 'avro',
              subject: topic.value.subject,
              schema: topic.value.schema,
              compatibility: topic.value.compatibility ?? DEFAULT_COMPATIBILITY,
            },
    })),
  };
}

/** Parses and checks a catalogue; throws CATALOGUE_INVALID listing every problem. */
export function parseCatalogue(text: string, jsonSchema: object, source = 'catalogue'): TopicCatalogue {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw new ConfigError('CATALOGUE_INVALID', `${source} is not valid YAML: ${(error as Error).message}`, { details: { source } });
  }
  const shape = catalogueShapeProblems(document, jsonSchema);
  const catalogue = shape.length === 0 ? normalise(document as RawCatalogue) : undefined;
  const problems = catalogue ? catalogueRuleProblems(catalogue) : shape;
  if (!catalogue || problems.length > 0) {
    throw new ConfigError(
      'CATALOGUE_INVALID',
      `${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`,
      {
        hint: 'Fix the catalogue; its shape is schemas/topics/catalogue.schema.json and the naming rules are in docs/adr/0012.',
        details: { source, problems },
      },
    );
  }
  return catalogue;
}

export function loadCatalogue(paths: ContractPaths): TopicCatalogue {
  const jsonSchema = JSON.parse(readFileSync(paths.catalogueSchemaFile, 'utf8')) as object;
  return parseCatalogue(readFileSync(paths.catalogueFile, 'utf8'), jsonSchema, 'schemas/topics/catalogue.yaml');
}

export function avroTopics(catalogue: TopicCatalogue): (TopicSpec & { value: Extract<TopicValue, { kind: 'avro' }> })[] {
  return catalogue.topics.filter(
    (topic): topic is TopicSpec & { value: Extract<TopicValue, { kind: 'avro' }> } => topic.value.kind === 'avro',
  );
}
