// Released versions of each top-level schema, kept in the repository: the resolved,
// self-contained schema of every version ever released, as
//   schemas/avro/history/<area>/<name>/v<N>.avsc   (for the source schemas/avro/<area>/<name>.avsc)
// A version file holds exactly the text that `tributary schemas register` sends to the registry.
// Released files are never edited: a changed schema becomes the next version (docs/adr/0010).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@tributary/errors';
import { isJsonObject } from './json.ts';
import type { JsonObject } from './json.ts';
import type { ContractPaths } from './paths.ts';

export interface HistoryVersion {
  version: number;
  /** Repository-relative path of the version file. */
  path: string;
  /** The file's text: what is registered. */
  text: string;
  schema: JsonObject;
}

const VERSION_FILE = /^v([1-9][0-9]*)\.avsc$/;

/** `schemas/avro/social/post.avsc` -> `schemas/avro/history/social/post` (repository-relative). */
export function historyDirFor(sourcePath: string): string {
  const inAvro = sourcePath.replace(/^schemas\/avro\//, '').replace(/\.avsc$/, '');
  return `schemas/avro/history/${inAvro}`;
}

export function versionPath(sourcePath: string, version: number): string {
  return `${historyDirFor(sourcePath)}/v${version}.avsc`;
}

/** The released versions of the schema defined in `sourcePath`, oldest first; versions are 1..N without gaps. */
export function readHistory(paths: ContractPaths, sourcePath: string): HistoryVersion[] {
  const dir = join(paths.root, historyDirFor(sourcePath));
  if (!existsSync(dir)) return [];
  const versions: HistoryVersion[] = [];
  for (const name of readdirSync(dir)) {
    const match = VERSION_FILE.exec(name);
    if (!match) {
      throw new ConfigError('SCHEMA_HISTORY_INVALID', `${historyDirFor(sourcePath)}/${name} is not a version file (v<N>.avsc).`, {
        details: { sourcePath },
      });
    }
    const path = `${historyDirFor(sourcePath)}/${name}`;
    const text = readFileSync(join(paths.root, path), 'utf8');
    const schema: unknown = JSON.parse(text);
    if (!isJsonObject(schema))
      throw new ConfigError('SCHEMA_HISTORY_INVALID', `${path} does not hold an Avro record.`, { details: { path } });
    versions.push({ version: Number(match[1]), path, text, schema });
  }
  versions.sort((a, b) => a.version - b.version);
  versions.forEach((entry, i) => {
    if (entry.version !== i + 1) {
      throw new ConfigError(
        'SCHEMA_HISTORY_INVALID',
        `${historyDirFor(sourcePath)} skips a version: expected v${i + 1}.avsc, found v${entry.version}.avsc.`,
        {
          details: { sourcePath },
        },
      );
    }
  });
  return versions;
}

/**
 * The text a new version file gets. A source without references is released verbatim, so a
 * registrant that sends the source file itself (the canary does) registers the very same text;
 * a resolved schema is pretty-printed.
 */
export function versionText(sourceText: string, resolved: JsonObject, selfContained: boolean): string {
  if (selfContained) return sourceText.endsWith('\n') ? sourceText : `${sourceText}\n`;
  return `${JSON.stringify(resolved, null, 2)}\n`;
}
