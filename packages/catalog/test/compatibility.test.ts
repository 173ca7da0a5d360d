// The offline compatibility check must catch what the registry would refuse. Each negative case
// below is a change that breaks FULL_TRANSITIVE (docs/adr/0010).
import assert from 'node:assert/strict';
import { checkCandidate, checkHistory, directionsOf, incompatibilities, isTransitive, readProblems } from '../src/index.ts';
import type { CompatibilityLevel, SchemaVersion } from '../src/index.ts';

const post = (fields: object[]): SchemaVersion['schema'] => ({ type: 'record', name: 'Post', namespace: 'io.t', fields }) as never;
const id = { name: 'id', type: 'string' };
const likes = { name: 'likes', type: ['null', 'long'], default: null };

function verdicts(versions: SchemaVersion['schema'][], level: CompatibilityLevel = 'FULL_TRANSITIVE'): string[] {
  return incompatibilities(
    checkHistory(
      versions.map((schema, i) => ({ version: i + 1, schema })),
      level,
    ),
  ).map((finding) => `v${finding.version}/v${finding.against} ${finding.direction}`);
}

describe('catalog/compatibility', () => {
  it('maps levels to directions and transitivity', () => {
    assert.deepEqual(directionsOf('FULL_TRANSITIVE'), ['backward', 'forward']);
    assert.deepEqual(directionsOf('BACKWARD'), ['backward']);
    assert.deepEqual(directionsOf('FORWARD_TRANSITIVE'), ['forward']);
    assert.deepEqual(directionsOf('NONE'), []);
    assert.equal(isTransitive('FULL_TRANSITIVE'), true);
    assert.equal(isTransitive('FULL'), false);
  });

  it('accepts adding an optional field with a default, in both directions', () => {
    assert.deepEqual(verdicts([post([id]), post([id, likes])]), []);
  });

  it('accepts removing a field that had a default', () => {
    assert.deepEqual(verdicts([post([id, likes]), post([id])]), []);
  });

  describe('catches incompatible changes', () => {
    it('a removed field without a default: old readers cannot read new data (forward)', () => {
      assert.deepEqual(verdicts([post([id, { name: 'title', type: 'string' }]), post([id])]), ['v2/v1 forward']);
      assert.deepEqual(verdicts([post([id, { name: 'title', type: 'string' }]), post([id])], 'BACKWARD_TRANSITIVE'), []);
    });

    it('an added field without a default: new readers cannot read old data (backward)', () => {
      assert.deepEqual(verdicts([post([id]), post([id, { name: 'title', type: 'string' }])]), ['v2/v1 backward']);
    });

    it('a changed type', () => {
      assert.deepEqual(verdicts([post([id]), post([{ name: 'id', type: 'long' }])]), ['v2/v1 backward', 'v2/v1 forward']);
    });

    it('a new branch in a union of records (why extensions are slots, docs/adr/0011)', () => {
      const ext = (name: string): object => ({ type: 'record', name, fields: [] });
      const two = post([{ name: 'ext', type: ['null', ext('A'), ext('B')], default: null }]);
      const three = post([{ name: 'ext', type: ['null', ext('A'), ext('B'), ext('C')], default: null }]);
      assert.deepEqual(verdicts([two, three]), ['v2/v1 forward']);
    });

    it('a new enum symbol when the enum has no default; with a default it is compatible', () => {
      const platform = (symbols: string[], extra: object = {}): object => ({
        name: 'platform',
        type: { type: 'enum', name: 'Platform', symbols, ...extra },
      });
      assert.deepEqual(verdicts([post([platform(['UNKNOWN', 'TIKTOK'])]), post([platform(['UNKNOWN', 'TIKTOK', 'X'])])]), [
        'v2/v1 forward',
      ]);
      assert.deepEqual(
        verdicts([
          post([platform(['UNKNOWN', 'TIKTOK'], { default: 'UNKNOWN' })]),
          post([platform(['UNKNOWN', 'TIKTOK', 'X'], { default: 'UNKNOWN' })]),
        ]),
        [],
      );
    });

    it('a changed logical type, which avsc alone would accept (both are long)', () => {
      const at = (logicalType: string): object => ({ name: 'at', type: ['null', { type: 'long', logicalType }], default: null });
      const problems = readProblems(post([at('timestamp-millis')]), post([at('timestamp-micros')]));
      assert.deepEqual(problems, ['Post.at: logical type changes from timestamp-millis to timestamp-micros']);
      assert.deepEqual(verdicts([post([at('timestamp-millis')]), post([at('timestamp-micros')])]), ['v2/v1 backward', 'v2/v1 forward']);
    });

    it('a change compatible with the latest version but not with an older one (transitive)', () => {
      const v1 = post([{ name: 'a', type: 'string', default: '' }]);
      const v2 = post([]);
      const v3 = post([{ name: 'a', type: 'int', default: 0 }]);
      assert.deepEqual(verdicts([v1, v2, v3], 'FULL'), []);
      assert.deepEqual(verdicts([v1, v2, v3], 'FULL_TRANSITIVE'), ['v3/v1 backward', 'v3/v1 forward']);
    });
  });

  it('checks a candidate against all earlier versions, or only the latest for non-transitive levels', () => {
    const earlier = [1, 2, 3].map((version) => ({ version, schema: post([id]) }));
    assert.equal(checkCandidate({ version: 4, schema: post([id]) }, earlier, 'FULL_TRANSITIVE').length, 6);
    assert.equal(checkCandidate({ version: 4, schema: post([id]) }, earlier, 'BACKWARD').length, 1);
  });
});
