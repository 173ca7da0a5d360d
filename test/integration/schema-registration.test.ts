// `tributary schemas register|check` against the registry of the test stack (Apicurio 3.0.9's
// Confluent API locally): the subject's level is set before the first version, registration is
// idempotent, the canary's own registration coexists with it, and the registry's compatibility
// checks agree with the offline ones for the changes docs/adr/0010 and 0011 rely on. Subjects
// are unique per run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkCandidate,
  checkSchemas,
  checkSubject,
  contractPaths,
  incompatibilities,
  loadContract,
  registerSchemas,
  registerSubject,
  subjectSpecs,
} from '@tributary/catalog';
import type { EventContract, JsonObject, SubjectSpec } from '@tributary/catalog';
import { processEnvironment } from '@tributary/config';
import { isTributaryError } from '@tributary/errors';
import { createRegistryAdmin, createSchemaRegistry } from '@tributary/kafka';
import type { RegistryAdmin } from '@tributary/kafka';
import { uniqueName, useTestStack } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';

const CLI = fileURLToPath(new URL('../../packages/cli/src/main.ts', import.meta.url));

describe('tributary schemas register|check (integration)', function () {
  this.timeout(300_000);
  let stack: TestStack;
  let registry: RegistryAdmin;
  let dir: string;
  let catalogueFile: string;
  let contract: EventContract;
  const prefix = uniqueName('it-schemas');
  const postsSubject = `${prefix}.posts-value`;
  const canarySubject = `${prefix}.canary-value`;

  function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const child = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...processEnvironment(), ...stack.env, TRIBUTARY_LOG_LEVEL: 'warn' },
    });
    return { status: child.status, stdout: child.stdout, stderr: child.stderr };
  }

  const post = (): JsonObject =>
    structuredClone(contract.schemas.find((schema) => schema.fullName === 'io.tributary.social.Post')!.resolved);
  const evolving = (name: string, versions: JsonObject[]): SubjectSpec => ({
    subject: `${prefix}.${name}-value`,
    topic: `${prefix}.${name}`,
    schema: 'io.tributary.social.Post',
    compatibility: 'FULL_TRANSITIVE',
    versions: versions.map((schema, i) => ({ version: i + 1, path: `v${i + 1}`, text: JSON.stringify(schema), schema })),
  });
  const fields = (schema: JsonObject): JsonObject[] => schema.fields as JsonObject[];
  /** Released versions of Post (schemas/avro/history/social/post). */
  const postVersions = (): number => contract.schemas.find((schema) => schema.fullName === 'io.tributary.social.Post')!.history.length;
  const releases = (): number[] => Array.from({ length: postVersions() }, (_, i) => i + 1);

  before(async () => {
    stack = await useTestStack();
    registry = createRegistryAdmin(stack.registry);
    dir = mkdtempSync(join(tmpdir(), 'tributary-schemas-'));
    catalogueFile = join(dir, 'catalogue.yaml');
    writeFileSync(
      catalogueFile,
      `namespaces: [${prefix}.]
topics:
  - { name: ${prefix}.posts, description: d, owner: tests, key: k, partitions: 1, replicationFactor: broker-default,
      config: { cleanup.policy: delete, retention.ms: 60000 }, value: { subject: ${postsSubject}, schema: io.tributary.social.Post } }
  - { name: ${prefix}.canary, description: d, owner: tests, key: k, partitions: 1, replicationFactor: broker-default,
      config: { cleanup.policy: delete, retention.ms: 60000 }, value: { subject: ${canarySubject}, schema: io.tributary.system.Canary, compatibility: BACKWARD } }
`,
    );
    contract = loadContract({ ...contractPaths(), catalogueFile }, { requireAllTypesUsed: false });
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports subjects the registry does not have yet', async () => {
    const checks = await checkSchemas(registry, subjectSpecs(contract));
    assert.deepEqual(
      checks.map((check) => [check.subject, check.status]),
      [
        [postsSubject, 'not-registered'],
        [canarySubject, 'not-registered'],
      ],
    );
  });

  it('registers every subject with its compatibility level set first (schemas register)', async () => {
    const run = cli('schemas', 'register', '--catalogue', catalogueFile);
    assert.equal(run.status, 0, run.stderr);
    // Every released version of each schema, oldest first (schemas/avro/history).
    assert.match(run.stdout, new RegExp(`registered ${postVersions() + 1} schema versions`));
    assert.equal(await registry.getCompatibility(postsSubject), 'FULL_TRANSITIVE');
    assert.equal(await registry.getCompatibility(canarySubject), 'BACKWARD');
    assert.deepEqual(await registry.listVersions(postsSubject), releases());
  });

  it('is idempotent: registering again adds nothing', async () => {
    const results = await registerSchemas(registry, subjectSpecs(contract));
    assert.deepEqual(
      results.map((result) => [result.subject, result.registered.length, result.latest?.registryVersion]),
      [
        [postsSubject, 0, postVersions()],
        [canarySubject, 0, 1],
      ],
    );
    const run = cli('schemas', 'register', '--catalogue', catalogueFile);
    assert.match(run.stdout, /all 2 subjects already registered/);
    assert.deepEqual(await registry.listVersions(postsSubject), releases());
  });

  it('coexists with the canary registering its own schema file through the client (BACKWARD subject)', async () => {
    const text = readFileSync(join(contractPaths().root, 'schemas/avro/system/canary.avsc'), 'utf8');
    const released = contract.schemas.find((schema) => schema.fullName === 'io.tributary.system.Canary')!.history.at(-1)!;
    const id = await createSchemaRegistry(stack.registry).registerAvro(text, canarySubject);
    assert.ok(id > 0);
    // The same schema either way; the registry compares the client's (unnormalised) text, so a
    // file reformatted since its release adds a registry version with an identical schema.
    assert.equal((await registry.lookup(canarySubject, text))?.id, id);
    assert.deepEqual(await registry.listVersions(canarySubject), text === released.text ? [1] : [1, 2]);
  });

  it('checks every local schema against the registry (schemas check)', () => {
    const run = cli('--json', 'schemas', 'check', '--catalogue', catalogueFile);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { compatible: boolean; offline: string[]; registry: { subject: string; status: string }[] };
    assert.equal(report.compatible, true);
    assert.deepEqual(report.offline, []);
    assert.deepEqual(
      report.registry.map((check) => check.status),
      ['registered', 'registered'],
    );
  });

  describe('the registry agrees with the offline check', () => {
    const v1 = (): JsonObject => post();

    it('accepts an optional field with a default, a new enum symbol (enums have defaults) and a new platform slot', async () => {
      const spec = evolving('evolve', [v1()]);
      await registerSubject(registry, spec);
      const next = post();
      fields(next).push({ name: 'view_count_label', type: ['null', 'string'], default: null, doc: 'd' });
      const platform = (fields(next)[0]!.type as JsonObject).fields as JsonObject[];
      ((platform.find((field) => field.name === 'platform')!.type as JsonObject).symbols as string[]).push('BLUESKY');
      const extensions = fields(next).find((field) => field.name === 'extensions')!.type as JsonObject;
      (extensions.fields as JsonObject[]).push({
        name: 'bluesky',
        type: ['null', { type: 'record', name: 'BlueskyPostExtension', namespace: 'io.tributary.platforms.bluesky', doc: 'd', fields: [] }],
        default: null,
        doc: 'd',
      });
      const candidate = evolving('evolve', [v1(), next]);
      assert.deepEqual(incompatibilities(checkCandidate(candidate.versions[1]!, candidate.versions.slice(0, 1), 'FULL_TRANSITIVE')), []);
      assert.equal((await checkSubject(registry, candidate)).status, 'compatible');
      assert.deepEqual(
        (await registerSubject(registry, candidate)).registered.map((entry) => entry.version),
        [2],
      );
    });

    it('refuses a removed required field, and a new branch in a union of records', async () => {
      const spec = evolving('refuse', [v1()]);
      await registerSubject(registry, spec);
      const removed = post();
      removed.fields = fields(removed).filter((field) => field.name !== 'account_id');
      const withUnion = post();
      fields(withUnion).push({
        name: 'extra',
        type: ['null', { type: 'record', name: 'A', doc: 'd', fields: [] }, { type: 'record', name: 'B', doc: 'd', fields: [] }],
        default: null,
        doc: 'd',
      });
      const unionV2 = post();
      fields(unionV2).push({
        name: 'extra',
        type: [
          'null',
          { type: 'record', name: 'A', doc: 'd', fields: [] },
          { type: 'record', name: 'B', doc: 'd', fields: [] },
          { type: 'record', name: 'C', doc: 'd', fields: [] },
        ],
        default: null,
        doc: 'd',
      });
      assert.equal((await checkSubject(registry, evolving('refuse', [v1(), removed]))).status, 'incompatible');
      await assert.rejects(
        registerSubject(registry, evolving('refuse', [v1(), removed])),
        (error: unknown) => isTributaryError(error) && error.code === 'SCHEMA_INCOMPATIBLE',
      );

      await registerSubject(registry, evolving('union', [withUnion]));
      assert.equal((await checkSubject(registry, evolving('union', [withUnion, unionV2]))).status, 'incompatible');
    });

    it('answers versions/latest against the latest version only, so transitive verdicts use …/versions', async () => {
      const thing = (fieldsOf: object[]): JsonObject =>
        ({ type: 'record', name: 'Thing', namespace: 'io.t', doc: 'd', fields: fieldsOf }) as JsonObject;
      const a = thing([{ name: 'a', type: 'string', default: '', doc: 'd' }]);
      const b = thing([]);
      const c = thing([{ name: 'a', type: 'int', default: 0, doc: 'd' }]);
      const spec = { ...evolving('transitive', [a, b]), schema: 'io.t.Thing' };
      await registerSubject(registry, spec);
      const check = await checkSubject(registry, {
        ...spec,
        versions: [...spec.versions, { version: 3, path: 'v3', text: JSON.stringify(c), schema: c }],
      });
      assert.deepEqual([check.latest, check.all, check.status], [true, false, 'incompatible']);
    });

    it('reports true for a subject that does not exist (Confluent: 404), which is why check looks for the subject first', async () => {
      assert.equal(await registry.testCompatibility(`${prefix}.nothing-value`, JSON.stringify(v1()), 'latest'), true);
      assert.equal((await checkSubject(registry, evolving('nothing', [v1()]))).status, 'not-registered');
    });
  });
});
