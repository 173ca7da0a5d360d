// Regenerates everything derived from the event contract (schemas/avro + schemas/topics):
//   - schemas/avro/history/<area>/<name>/v<N>.avsc when a schema changed (a new released version,
//     refused if it breaks the subject's compatibility level),
//   - schemas/avro/examples/**/<example>.avro.hex, the binary goldens of the example records,
//   - packages/events/src/generated/*.ts, the TypeScript types, schemas and topic constants.
// `--check` writes nothing and fails (exit 1) when anything is stale; CI runs that.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  checkCandidate,
  contractFiles,
  describeFinding,
  incompatibilities,
  loadContract,
  strayFiles,
  subjectSpecs,
} from '@tributary/catalog';
import type { GeneratedFile } from '@tributary/catalog';

const check = process.argv.includes('--check');
const contract = loadContract();
const root = contract.paths.root;

/** A version file in git's HEAD is released; one that is not may still be rewritten. */
function isCommitted(path: string): boolean {
  const git = spawnSync('git', ['cat-file', '-e', `HEAD:${path}`], { cwd: root, stdio: 'ignore' });
  return git.error !== undefined || git.status === 0; // no git at all: treat every version as released
}

const { files, history } = contractFiles(contract, check ? () => true : isCommitted);

// A new version must keep the subject's promise to every earlier version (docs/adr/0010).
const broken: string[] = [];
for (const update of history) {
  const schema = contract.schemas.find((candidate) => candidate.fullName === update.schema);
  if (!schema) continue;
  const earlier = schema.history.filter((version) => version.version < update.version);
  for (const spec of subjectSpecs(contract).filter((candidate) => candidate.schema === update.schema)) {
    const findings = incompatibilities(checkCandidate({ version: update.version, schema: schema.resolved }, earlier, spec.compatibility));
    broken.push(...findings.map((finding) => `${describeFinding(spec.subject, finding)} (${spec.compatibility})`));
  }
}
if (broken.length > 0) {
  process.stderr.write(`These schema changes break compatibility, so no version was recorded:\n  ${[...new Set(broken)].join('\n  ')}\n`);
  process.stderr.write('Evolve by adding optional fields with defaults, or enum symbols (enums have a default); see docs/adr/0010.\n');
  process.exit(1);
}

const stale = files.filter((file: GeneratedFile) => {
  const target = join(root, file.path);
  return !existsSync(target) || readFileSync(target, 'utf8') !== file.content;
});
const stray = strayFiles(contract, files);

if (check) {
  if (stale.length === 0 && stray.length === 0) {
    process.stdout.write(
      `Event contract is up to date (${contract.schemas.length} schemas, ${contract.catalogue.topics.length} topics).\n`,
    );
  } else {
    for (const update of history) process.stderr.write(`${update.schema} changed: its released versions end before ${update.path}\n`);
    for (const file of stale) process.stderr.write(`stale: ${file.path}\n`);
    for (const path of stray) process.stderr.write(`stray: ${path}\n`);
    process.stderr.write(
      'Generated event code is out of date: run `npm run generate:events` and commit the result (review the diff of goldens and history).\n',
    );
    process.exit(1);
  }
} else {
  for (const file of stale) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.content);
    process.stdout.write(`wrote ${file.path}\n`);
  }
  for (const path of stray) {
    rmSync(join(root, path));
    process.stdout.write(`removed ${path}\n`);
  }
  for (const update of history) {
    const what = { first: 'first version', next: 'new version', amend: 'rewrote the unreleased version' }[update.kind];
    process.stdout.write(`${update.schema}: ${what} v${update.version} (${update.path})\n`);
  }
  if (stale.length === 0 && stray.length === 0) process.stdout.write('Event contract was already up to date.\n');
}
