import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isTributaryError } from '@tributary/errors';
import { avroTopics, catalogueShapeProblems, contractPaths, loadCatalogue, loadContract, parseCatalogue } from '../src/index.ts';
import { catalogueYaml } from './fixtures.ts';

const jsonSchema = JSON.parse(readFileSync(contractPaths().catalogueSchemaFile, 'utf8')) as object;

function problemsOf(yaml: string): string[] {
  try {
    parseCatalogue(yaml, jsonSchema, 'test');
    return [];
  } catch (error) {
    assert.ok(isTributaryError(error) && error.code === 'CATALOGUE_INVALID', String(error));
    return error.details.problems as string[];
  }
}

const valid = catalogueYaml([{ name: 't.things', schema: 'io.t.Thing' }, { name: 't.dlq' }]);

describe('catalog/topic-catalogue', () => {
  describe('the repository catalogue', () => {
    const catalogue = loadCatalogue(contractPaths());

    it('has the right shape and follows the naming rules', () => {
      assert.ok(catalogue.topics.length > 0);
      for (const topic of catalogue.topics)
        assert.match(topic.name, /^(social\.(raw|enriched|curated|quarantine)\.[a-z-]+|dlq\.[a-z-]+|tributary\.[a-z-]+)$/);
    });

    it('declares raw, enriched, curated, quarantine, dead-letter, compacted collector-state and canary topics', () => {
      const names = catalogue.topics.map((topic) => topic.name);
      for (const prefix of ['social.raw.', 'social.enriched.', 'social.curated.', 'social.quarantine.', 'dlq.'])
        assert.ok(
          names.some((name) => name.startsWith(prefix)),
          prefix,
        );
      const state = catalogue.topics.find((topic) => topic.name === 'tributary.collector-state');
      assert.equal(state?.config['cleanup.policy'], 'compact');
      const canary = catalogue.topics.find((topic) => topic.name === 'tributary.canary');
      assert.deepEqual(canary?.value, {
        kind: 'avro',
        subject: 'tributary.canary-value',
        schema: 'io.tributary.system.Canary',
        compatibility: 'BACKWARD',
      });
    });

    it('gives every value subject a schema defined in schemas/avro, and every other topic raw bytes', () => {
      const contract = loadContract();
      const defined = new Set(contract.schemas.map((schema) => schema.fullName));
      for (const topic of avroTopics(catalogue)) assert.ok(defined.has(topic.value.schema), `${topic.name}: ${topic.value.schema}`);
      for (const topic of catalogue.topics.filter((entry) => entry.value.kind === 'bytes')) assert.match(topic.name, /^dlq\./);
    });

    it('defaults value subjects to FULL_TRANSITIVE', () => {
      assert.ok(
        avroTopics(catalogue)
          .filter((topic) => topic.name !== 'tributary.canary')
          .every((topic) => topic.value.compatibility === 'FULL_TRANSITIVE'),
      );
    });
  });

  it('accepts a minimal catalogue and normalises config values to strings', () => {
    const catalogue = parseCatalogue(valid, jsonSchema);
    assert.deepEqual(catalogue.topics[0]?.config, { 'cleanup.policy': 'delete', 'retention.ms': '3600000' });
    assert.deepEqual(catalogue.topics[1]?.value, { kind: 'bytes', description: 'raw' });
  });

  describe('refuses a wrong shape, naming every problem', () => {
    it('missing required settings', () => {
      assert.deepEqual(problemsOf(valid.replaceAll('retention.ms: 3600000', 'segment.ms: 1')), [
        "/topics/0/config: must have required property 'retention.ms'",
        "/topics/1/config: must have required property 'retention.ms'",
      ]);
    });

    it('unknown config keys and top-level keys', () => {
      const problems = problemsOf(`${valid.replace('retention.ms: 3600000', 'retention.ms: 3600000, retention.bytes: 5')}extra: 1\n`);
      assert.ok(problems.includes('/topics/0/config: must NOT have additional properties (retention.bytes)'), problems.join('\n'));
      assert.ok(problems.includes('(top level): must NOT have additional properties (extra)'), problems.join('\n'));
    });

    it('names with underscores or capitals, zero partitions, a bad replication factor, an unknown cleanup policy', () => {
      const problems = problemsOf(
        valid
          .replace('name: t.things', 'name: t.Some_things')
          .replace('partitions: 1', 'partitions: 0')
          .replace('replicationFactor: broker-default', 'replicationFactor: cluster')
          .replace('cleanup.policy: delete', 'cleanup.policy: forever'),
      );
      assert.ok(problems.some((problem) => problem.startsWith('/topics/0/name: must match pattern')));
      assert.ok(problems.includes('/topics/0/partitions: must be >= 1'));
      assert.ok(problems.some((problem) => problem.startsWith('/topics/0/replicationFactor')));
      assert.ok(problems.some((problem) => problem.startsWith('/topics/0/config/cleanup.policy')));
    });

    it('duplicate YAML keys', () => {
      assert.throws(
        () => parseCatalogue(`${valid}namespaces: [x.]\n`, jsonSchema),
        (error: unknown) => isTributaryError(error) && /not valid YAML/.test(error.message),
      );
    });
  });

  describe('refuses what a JSON schema cannot say', () => {
    it('a subject that does not follow TopicNameStrategy', () => {
      assert.deepEqual(problemsOf(valid.replace('subject: t.things-value', 'subject: things')), [
        't.things: value subject must be t.things-value (TopicNameStrategy), not things',
      ]);
    });

    it('a topic outside the namespaces, and a topic declared twice', () => {
      const twice = catalogueYaml([
        { name: 't.things', schema: 'io.t.Thing' },
        { name: 't.things', schema: 'io.t.Thing' },
        { name: 'other.things' },
      ]);
      assert.deepEqual(problemsOf(twice), ['t.things: declared twice', 'other.things: not inside any namespace (t.)']);
    });
  });

  it('reports shape problems without throwing', () => {
    assert.deepEqual(catalogueShapeProblems({ namespaces: ['t.'], topics: [] }, jsonSchema), ['/topics: must NOT have fewer than 1 items']);
  });
});
