// Where the event contract lives in the repository. Everything in this package takes these paths
// as an argument, so tests can point it at a temporary tree.
import { join } from 'node:path';
import { repoRoot } from '@tributary/config';

export interface ContractPaths {
  /** Repository root; every other path is inside it. */
  root: string;
  /** Avro sources: one named type per .avsc file (schemas/avro). */
  avroDir: string;
  /** Released versions, resolved and frozen: <historyDir>/<area>/<name>/v<N>.avsc. */
  historyDir: string;
  /** Golden example records: <examplesDir>/<area>/<name>/<example>.json (+ .avro.hex). */
  examplesDir: string;
  /** The topic catalogue and its JSON schema. */
  catalogueFile: string;
  catalogueSchemaFile: string;
  /** Where generated TypeScript goes (packages/events/src/generated). */
  generatedDir: string;
}

export function contractPaths(root: string = repoRoot()): ContractPaths {
  return {
    root,
    avroDir: join(root, 'schemas/avro'),
    historyDir: join(root, 'schemas/avro/history'),
    examplesDir: join(root, 'schemas/avro/examples'),
    catalogueFile: join(root, 'schemas/topics/catalogue.yaml'),
    catalogueSchemaFile: join(root, 'schemas/topics/catalogue.schema.json'),
    generatedDir: join(root, 'packages/events/src/generated'),
  };
}
