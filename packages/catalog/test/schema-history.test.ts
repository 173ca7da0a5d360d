// The repository's own history: every released version of every subject is compatible with every
// earlier one as its subject's level requires, and the newest version is what the sources say.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isTributaryError } from '@tributary/errors';
import {
  checkSubjectHistory,
  describeFinding,
  historyDirFor,
  historyUpdate,
  isReleased,
  loadContract,
  readHistory,
  subjectSpecs,
  versionPath,
} from '../src/index.ts';
import type { EventSchema } from '../src/index.ts';
import { catalogueYaml, field, record, tree } from './fixtures.ts';

describe('catalog/schema-history', () => {
  const contract = loadContract();

  it('keeps every released version of every schema a topic carries', () => {
    for (const schema of contract.schemas) {
      assert.ok(schema.history.length >= 1, `${schema.fullName} has no released version in ${historyDirFor(schema.source.path)}`);
      assert.ok(isReleased(schema), `${schema.source.path} changed since v${schema.history.at(-1)?.version}: run npm run generate:events`);
    }
  });

  it('every version is compatible with every earlier one, as its subject requires (FULL_TRANSITIVE unless the catalogue says otherwise)', () => {
    const problems = subjectSpecs(contract).flatMap((spec) =>
      checkSubjectHistory(spec).map((finding) => describeFinding(spec.subject, finding)),
    );
    assert.deepEqual(problems, []);
    assert.ok(subjectSpecs(contract).filter((spec) => spec.compatibility === 'FULL_TRANSITIVE').length >= 20);
  });

  it('catches an incompatible version in a history (a field removed without default)', () => {
    const t = tree();
    try {
      t.write(
        'schemas/avro/history/a/thing/v1.avsc',
        record('Thing', [field('id', 'string'), field('title', 'string')], { namespace: 'io.t' }),
      );
      t.write('schemas/avro/history/a/thing/v2.avsc', record('Thing', [field('id', 'string')], { namespace: 'io.t' }));
      const versions = readHistory(t.paths, 'schemas/avro/a/thing.avsc');
      const findings = checkSubjectHistory({
        subject: 't.thing-value',
        topic: 't.thing',
        schema: 'io.t.Thing',
        compatibility: 'FULL_TRANSITIVE',
        versions,
      });
      assert.equal(findings.length, 1);
      assert.match(describeFinding('t.thing-value', findings[0]!), /v1 cannot read v2 data/);
    } finally {
      t.remove();
    }
  });

  it('refuses a history with a gap', () => {
    const t = tree();
    try {
      t.write('schemas/avro/history/a/thing/v1.avsc', record('Thing', [], { namespace: 'io.t' }));
      t.write('schemas/avro/history/a/thing/v3.avsc', record('Thing', [], { namespace: 'io.t' }));
      assert.throws(
        () => readHistory(t.paths, 'schemas/avro/a/thing.avsc'),
        (error: unknown) => isTributaryError(error) && /skips a version/.test(error.message),
      );
    } finally {
      t.remove();
    }
  });

  describe('recording a new version', () => {
    const thing = (fields: object[]): object => record('Thing', fields, { namespace: 'io.t' });
    let schema: EventSchema;
    const setup = (history: object[]): (() => void) => {
      const t = tree({
        'schemas/avro/a/thing.avsc': thing([field('id', 'string'), field('n', ['null', 'long'], { default: null })]),
        'schemas/topics/catalogue.yaml': catalogueYaml([{ name: 't.things', schema: 'io.t.Thing' }]),
      });
      history.forEach((version, i) => t.write(versionPath('schemas/avro/a/thing.avsc', i + 1), version));
      const loaded = loadContract(t.paths).schemas[0];
      assert.ok(loaded);
      schema = loaded;
      return t.remove;
    };

    it('writes v1 for a new schema, verbatim when it refers to no other file', () => {
      const remove = setup([]);
      try {
        const next = historyUpdate(schema, () => true);
        assert.equal(next?.update.kind, 'first');
        assert.equal(next?.file.path, 'schemas/avro/history/a/thing/v1.avsc');
        assert.equal(next?.file.content, schema.source.text);
      } finally {
        remove();
      }
    });

    it('writes the next version when the newest is released (committed), and rewrites it while it is not', () => {
      const remove = setup([thing([field('id', 'string')])]);
      try {
        assert.deepEqual(historyUpdate(schema, () => true)?.update, {
          schema: 'io.t.Thing',
          path: 'schemas/avro/history/a/thing/v2.avsc',
          version: 2,
          kind: 'next',
        });
        assert.deepEqual(historyUpdate(schema, () => false)?.update, {
          schema: 'io.t.Thing',
          path: 'schemas/avro/history/a/thing/v1.avsc',
          version: 1,
          kind: 'amend',
        });
      } finally {
        remove();
      }
    });

    it('records no version for a file that was only reformatted', () => {
      const remove = setup([thing([field('id', 'string'), field('n', ['null', 'long'], { default: null })])]);
      try {
        const reformatted = { ...schema, source: { ...schema.source, text: JSON.stringify(JSON.parse(schema.source.text)) } };
        assert.equal(
          historyUpdate(reformatted, () => true),
          undefined,
        );
      } finally {
        remove();
      }
    });

    it('writes nothing when the newest version equals the source', () => {
      const remove = setup([thing([field('id', 'string'), field('n', ['null', 'long'], { default: null })])]);
      try {
        assert.equal(
          historyUpdate(schema, () => true),
          undefined,
        );
      } finally {
        remove();
      }
    });
  });

  it('stores history next to the sources it belongs to', () => {
    assert.equal(historyDirFor('schemas/avro/social/post.avsc'), 'schemas/avro/history/social/post');
    assert.ok(existsSync(join(contract.paths.root, 'schemas/avro/history/social/post/v1.avsc')));
  });
});
