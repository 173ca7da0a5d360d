// A throwaway contract tree (schemas/avro, schemas/topics, packages/events/src/generated) for
// tests that must not depend on the repository's own schemas.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { contractPaths } from '../src/index.ts';
import type { ContractPaths } from '../src/index.ts';

export interface Tree {
  paths: ContractPaths;
  write(path: string, content: string | object): void;
  remove(): void;
}

const repoCatalogueSchema = readFileSync(contractPaths().catalogueSchemaFile, 'utf8');

export function tree(files: Record<string, string | object> = {}): Tree {
  const root = mkdtempSync(join(tmpdir(), 'tributary-catalog-'));
  const write = (path: string, content: string | object): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  };
  write('schemas/topics/catalogue.schema.json', repoCatalogueSchema);
  for (const [path, content] of Object.entries(files)) write(path, content);
  return { paths: contractPaths(root), write, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** A catalogue with one Avro topic per schema name, in YAML. */
export function catalogueYaml(topics: { name: string; schema?: string; partitions?: number }[], namespaces = ['t.']): string {
  const lines = [`namespaces: [${namespaces.join(', ')}]`, 'topics:'];
  for (const topic of topics) {
    lines.push(
      `  - name: ${topic.name}`,
      '    description: test topic',
      '    owner: tests',
      '    key: test key',
      `    partitions: ${topic.partitions ?? 1}`,
      '    replicationFactor: broker-default',
      '    config: { cleanup.policy: delete, retention.ms: 3600000 }',
      ...(topic.schema
        ? ['    value:', `      subject: ${topic.name}-value`, `      schema: ${topic.schema}`]
        : ['    value: { bytes: raw }']),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function record(name: string, fields: object[], extra: object = {}): object {
  return { type: 'record', name, doc: `${name} doc.`, fields, ...extra };
}

export function field(name: string, type: unknown, extra: object = {}): object {
  return { name, type, doc: `${name} doc.`, ...extra };
}
