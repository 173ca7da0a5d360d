import assert from 'node:assert/strict';
import { isTributaryError, TributaryError } from '@tributary/errors';
import type { RegistryAdmin } from '@tributary/kafka';
import {
  candidateSubjectSpecs,
  checkCandidate,
  checkSubject,
  incompatibilities,
  jsonEqual,
  loadContract,
  registerSchemas,
  registerSubject,
} from '../src/index.ts';
import type { CompatibilityLevel, HistoryVersion, JsonObject, SubjectSpec } from '../src/index.ts';
import { catalogueYaml, field, record, tree } from './fixtures.ts';

/** A registry with the Confluent API's semantics as Apicurio implements them (normalised lookups). */
function fakeRegistry() {
  const subjects = new Map<string, { level?: string; versions: { schema: JsonObject; id: number }[] }>();
  const ids: JsonObject[] = [];
  const calls: string[] = [];
  const idOf = (schema: JsonObject): number => {
    const found = ids.findIndex((known) => jsonEqual(known, schema));
    if (found >= 0) return found + 1;
    ids.push(schema);
    return ids.length;
  };
  const entry = (subject: string) => {
    let value = subjects.get(subject);
    if (!value) subjects.set(subject, (value = { versions: [] }));
    return value;
  };
  const admin: RegistryAdmin = {
    url: 'fake',
    getCompatibility: async (subject) => subjects.get(subject)?.level,
    setCompatibility: async (subject, level) => {
      calls.push(`config ${subject} ${level}`);
      entry(subject).level = level;
    },
    listVersions: async (subject) => (subjects.get(subject)?.versions ?? []).map((_, i) => i + 1),
    lookup: async (subject, text) => {
      const versions = subjects.get(subject)?.versions ?? [];
      const at = versions.findIndex((version) => jsonEqual(version.schema, JSON.parse(text) as JsonObject));
      return at < 0 ? undefined : { subject, version: at + 1, id: versions[at]!.id };
    },
    register: async (subject, text) => {
      const schema = JSON.parse(text) as JsonObject;
      const target = entry(subject);
      const existing = target.versions.find((version) => jsonEqual(version.schema, schema));
      if (existing) return existing.id;
      const earlier = target.versions.map((version, i) => ({ version: i + 1, schema: version.schema }));
      if (
        incompatibilities(
          checkCandidate({ version: earlier.length + 1, schema }, earlier, (target.level ?? 'BACKWARD') as CompatibilityLevel),
        ).length > 0
      ) {
        throw new TributaryError('SCHEMA_INCOMPATIBLE', `incompatible ${subject}`, { failureType: 'config' });
      }
      calls.push(`register ${subject} ${String(schema.doc)}`);
      target.versions.push({ schema, id: idOf(schema) });
      return idOf(schema);
    },
    testCompatibility: async (subject, text, against) => {
      const versions = (subjects.get(subject)?.versions ?? []).map((version, i) => ({ version: i + 1, schema: version.schema }));
      const earlier = against === 'latest' ? versions.slice(-1) : versions;
      return (
        incompatibilities(checkCandidate({ version: 99, schema: JSON.parse(text) as JsonObject }, earlier, 'FULL_TRANSITIVE')).length === 0
      );
    },
  };
  return { admin, calls, subjects };
}

const thing = (doc: string, fields: object[]): JsonObject => record('Thing', fields, { namespace: 'io.t', doc }) as JsonObject;
const v1 = thing('v1', [field('id', 'string')]);
const v2 = thing('v2', [field('id', 'string'), field('n', ['null', 'long'], { default: null })]);
const v3 = thing('v3', [
  field('id', 'string'),
  field('n', ['null', 'long'], { default: null }),
  field('m', ['null', 'string'], { default: null }),
]);
const history = (...schemas: JsonObject[]): HistoryVersion[] =>
  schemas.map((schema, i) => ({ version: i + 1, path: `v${i + 1}.avsc`, text: JSON.stringify(schema), schema }));
const spec = (versions: HistoryVersion[], compatibility: CompatibilityLevel = 'FULL_TRANSITIVE'): SubjectSpec => ({
  subject: 't.things-value',
  topic: 't.things',
  schema: 'io.t.Thing',
  compatibility,
  versions,
});

describe('catalog/schema-registration', () => {
  it('sets the compatibility level first, then registers every released version in order', async () => {
    const { admin, calls } = fakeRegistry();
    const result = await registerSubject(admin, spec(history(v1, v2, v3)));
    assert.deepEqual(calls, [
      'config t.things-value FULL_TRANSITIVE',
      'register t.things-value v1',
      'register t.things-value v2',
      'register t.things-value v3',
    ]);
    assert.deepEqual(result.compatibility, { before: undefined, after: 'FULL_TRANSITIVE' });
    assert.deepEqual(
      result.registered.map((entry) => entry.version),
      [1, 2, 3],
    );
    assert.deepEqual(result.latest, { version: 3, id: 3, registryVersion: 3 });
  });

  it('changes nothing when run again', async () => {
    const { admin, calls } = fakeRegistry();
    await registerSchemas(admin, [spec(history(v1, v2))]);
    calls.length = 0;
    const [again] = await registerSchemas(admin, [spec(history(v1, v2))]);
    assert.deepEqual(calls, []);
    assert.deepEqual(again?.registered, []);
    assert.equal(again?.latest?.registryVersion, 2);
  });

  it('registers only the versions the registry lacks', async () => {
    const { admin, calls } = fakeRegistry();
    await registerSubject(admin, spec(history(v1)));
    calls.length = 0;
    await registerSubject(admin, spec(history(v1, v2, v3)));
    assert.deepEqual(calls, ['register t.things-value v2', 'register t.things-value v3']);
  });

  it('corrects a level the registry has wrong (Apicurio reports NONE for subjects created without config)', async () => {
    const { admin, calls, subjects } = fakeRegistry();
    subjects.set('t.things-value', { level: 'NONE', versions: [] });
    const result = await registerSubject(admin, spec(history(v1)));
    assert.deepEqual(result.compatibility, { before: 'NONE', after: 'FULL_TRANSITIVE' });
    assert.equal(calls[0], 'config t.things-value FULL_TRANSITIVE');
  });

  it('adds only the newest version to a subject whose versions are none of ours, and lets the registry judge it', async () => {
    const { admin, calls, subjects } = fakeRegistry();
    subjects.set('t.things-value', { level: 'FULL_TRANSITIVE', versions: [{ schema: thing('foreign', [field('id', 'string')]), id: 50 }] });
    await registerSubject(admin, spec(history(v1, v2)));
    assert.deepEqual(calls, ['register t.things-value v2']);
  });

  it('surfaces the registry refusing an incompatible version', async () => {
    const { admin } = fakeRegistry();
    await registerSubject(admin, spec(history(v1)));
    const broken = thing('broken', [field('id', 'long')]);
    await assert.rejects(
      registerSubject(admin, spec(history(v1, broken))),
      (error: unknown) => isTributaryError(error) && error.code === 'SCHEMA_INCOMPATIBLE',
    );
  });

  describe('check', () => {
    it('reports not-registered, registered, compatible and incompatible', async () => {
      const { admin } = fakeRegistry();
      assert.equal((await checkSubject(admin, spec(history(v1)))).status, 'not-registered');
      await registerSubject(admin, spec(history(v1)));
      const registered = await checkSubject(admin, spec(history(v1)));
      assert.deepEqual(registered, { subject: 't.things-value', version: 1, status: 'registered', latest: true, all: true });
      assert.deepEqual(await checkSubject(admin, spec(history(v1, v2))), {
        subject: 't.things-value',
        version: 2,
        status: 'compatible',
        latest: true,
        all: true,
      });
      const broken = await checkSubject(admin, spec(history(v1, thing('broken', [field('id', 'long')]))));
      assert.equal(broken.status, 'incompatible');
    });

    it('judges transitive levels by the all-versions check, since versions/latest compares with the latest only', async () => {
      const { admin } = fakeRegistry();
      const a = thing('a', [field('a', 'string', { default: '' })]);
      const b = thing('b', []);
      const c = thing('c', [field('a', 'int', { default: 0 })]);
      await registerSubject(admin, spec(history(a, b), 'FULL'));
      const check = await checkSubject(admin, spec(history(a, b, c)));
      assert.deepEqual([check.latest, check.all, check.status], [true, false, 'incompatible']);
    });

    it('points out a compatibility level that differs from the catalogue', async () => {
      const { admin, subjects } = fakeRegistry();
      await registerSubject(admin, spec(history(v1)));
      subjects.get('t.things-value')!.level = 'BACKWARD';
      assert.deepEqual((await checkSubject(admin, spec(history(v1)))).levelMismatch, {
        registry: 'BACKWARD',
        catalogue: 'FULL_TRANSITIVE',
      });
    });
  });

  it('checks an unreleased source change as the candidate next version', () => {
    const t = tree({
      'schemas/avro/a/thing.avsc': v2,
      'schemas/avro/history/a/thing/v1.avsc': v1,
      'schemas/topics/catalogue.yaml': catalogueYaml([{ name: 't.things', schema: 'io.t.Thing' }]),
    });
    try {
      const [candidate] = candidateSubjectSpecs(loadContract(t.paths));
      assert.deepEqual(
        candidate?.versions.map((version) => version.version),
        [1, 2],
      );
      assert.equal(candidate?.versions[1]?.path, 'schemas/avro/a/thing.avsc (unreleased)');
    } finally {
      t.remove();
    }
  });
});
