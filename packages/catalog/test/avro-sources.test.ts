import assert from 'node:assert/strict';
import { isTributaryError } from '@tributary/errors';
import { contractPaths, loadAvroSources, referencedTypes, resolveSchema, schemaRuleViolations } from '../src/index.ts';
import { field, record, tree } from './fixtures.ts';

describe('catalog/avro-sources', () => {
  it('inlines a referenced type at its first use and refers to it by full name afterwards', () => {
    const t = tree({
      'schemas/avro/common/id.avsc': record('Id', [field('value', 'string')], { namespace: 'io.t.common' }),
      'schemas/avro/app/pair.avsc': record(
        'Pair',
        [field('left', 'io.t.common.Id'), field('right', 'io.t.common.Id'), field('maybe', ['null', 'io.t.common.Id'], { default: null })],
        {
          namespace: 'io.t.app',
        },
      ),
    });
    try {
      const sources = loadAvroSources(t.paths);
      assert.deepEqual([...sources.keys()].sort(), ['io.t.app.Pair', 'io.t.common.Id']);
      assert.deepEqual(referencedTypes(sources.get('io.t.app.Pair')!.definition), ['io.t.common.Id']);
      const resolved = resolveSchema('io.t.app.Pair', sources) as { fields: { type: unknown }[] };
      assert.deepEqual(resolved.fields[0]?.type, {
        type: 'record',
        name: 'Id',
        namespace: 'io.t.common',
        doc: 'Id doc.',
        fields: [{ name: 'value', type: 'string', doc: 'value doc.' }],
      });
      assert.equal(resolved.fields[1]?.type, 'io.t.common.Id');
      assert.deepEqual(resolved.fields[2]?.type, ['null', 'io.t.common.Id']);
    } finally {
      t.remove();
    }
  });

  it('qualifies short references with the enclosing namespace', () => {
    const t = tree({
      'schemas/avro/a/kind.avsc': {
        type: 'enum',
        name: 'Kind',
        namespace: 'io.t',
        doc: 'd',
        symbols: ['UNKNOWN', 'A'],
        default: 'UNKNOWN',
      },
      'schemas/avro/a/thing.avsc': record('Thing', [field('kind', 'Kind')], { namespace: 'io.t' }),
    });
    try {
      const resolved = resolveSchema('io.t.Thing', loadAvroSources(t.paths)) as { fields: { type: { name: string } }[] };
      assert.equal(resolved.fields[0]?.type.name, 'Kind');
    } finally {
      t.remove();
    }
  });

  it('names the file and the missing type when a reference does not resolve', () => {
    const t = tree({ 'schemas/avro/a/thing.avsc': record('Thing', [field('other', 'io.t.Missing')], { namespace: 'io.t' }) });
    try {
      assert.throws(
        () => resolveSchema('io.t.Thing', loadAvroSources(t.paths)),
        (error: unknown) =>
          isTributaryError(error) &&
          error.code === 'SCHEMA_UNKNOWN_TYPE' &&
          /io\.t\.Thing\.other refers to io\.t\.Missing/.test(error.message),
      );
    } finally {
      t.remove();
    }
  });

  it('refuses two files defining the same type, and files that are not one named type', () => {
    const twice = tree({
      'schemas/avro/a/one.avsc': record('X', [], { namespace: 'io.t' }),
      'schemas/avro/b/two.avsc': record('X', [], { namespace: 'io.t' }),
    });
    const bare = tree({ 'schemas/avro/a/one.avsc': '"string"' });
    try {
      assert.throws(
        () => loadAvroSources(twice.paths),
        (error: unknown) => isTributaryError(error) && error.code === 'SCHEMA_DUPLICATE_TYPE',
      );
      assert.throws(
        () => loadAvroSources(bare.paths),
        (error: unknown) => isTributaryError(error) && error.code === 'SCHEMA_SOURCE_INVALID',
      );
    } finally {
      twice.remove();
      bare.remove();
    }
  });

  it('skips history/ and examples/, which hold derived files', () => {
    const t = tree({
      'schemas/avro/a/x.avsc': record('X', [], { namespace: 'io.t' }),
      'schemas/avro/history/a/x/v1.avsc': record('X', [], { namespace: 'io.t' }),
      'schemas/avro/examples/a/x/e.json': {},
    });
    try {
      assert.deepEqual([...loadAvroSources(t.paths).keys()], ['io.t.X']);
    } finally {
      t.remove();
    }
  });

  describe('house rules (docs/adr/0011)', () => {
    const violations = (fields: object[], extra: object = {}): string[] =>
      schemaRuleViolations({ ...record('R', fields), namespace: 'io.t', ...extra } as never);

    it('accepts optional values written as ["null", T] with default null', () => {
      assert.deepEqual(
        violations([field('a', ['null', 'string'], { default: null }), field('b', { type: 'array', items: 'string' }, { default: [] })]),
        [],
      );
    });

    it('refuses unions of alternatives, optional fields without default null, and T-first nullables', () => {
      assert.match(violations([field('a', ['null', 'string', 'long'], { default: null })]).join(), /unions must be \["null", T\]/);
      assert.match(violations([field('a', ['string', 'null'], { default: 'x' })]).join(), /unions must be \["null", T\]/);
      assert.match(violations([field('a', ['null', 'string'])]).join(), /needs "default": null/);
    });

    it('refuses enums without a default symbol, undocumented records and fields, and non-snake_case names', () => {
      const problems = violations([
        field('kind', { type: 'enum', name: 'K', doc: 'd', symbols: ['A'] }),
        { name: 'noDoc', type: 'string' },
      ]).join('\n');
      assert.match(problems, /K: enums need a default symbol/);
      assert.match(problems, /R\.noDoc: field names are snake_case/);
      assert.match(problems, /R\.noDoc: fields need a doc/);
      assert.match(violations([], { doc: '' }).join(), /records need a doc/);
    });

    it('allows only timestamp-millis as a logical type', () => {
      assert.match(violations([field('t', { type: 'long', logicalType: 'timestamp-micros' })]).join(), /timestamp-micros/);
      assert.deepEqual(violations([field('t', { type: 'long', logicalType: 'timestamp-millis' })]), []);
    });
  });

  it('loads and resolves every schema in the repository', () => {
    const sources = loadAvroSources(contractPaths());
    assert.ok(sources.size > 10);
    for (const name of sources.keys()) assert.doesNotThrow(() => resolveSchema(name, sources), name);
  });
});
