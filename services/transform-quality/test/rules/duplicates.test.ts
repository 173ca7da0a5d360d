// The duplicate memory is bounded: the oldest event ids are forgotten first.
import assert from 'node:assert/strict';
import { createDuplicateMemory } from '../../src/index.ts';
import { buildRecord } from '../golden-cases.ts';

function post(id: string, text: string) {
  return buildRecord({ input: 'tiktok-post', patch: { envelope: { entity_id: id }, text }, recomputeEventId: true });
}

describe('duplicate memory', () => {
  it('flags a conflict while the first copy is remembered, and forgets the oldest id beyond its capacity', () => {
    const memory = createDuplicateMemory(2);
    assert.deepEqual(memory.check(post('1', 'a')), []);
    assert.deepEqual(memory.check(post('2', 'a')), []);
    assert.deepEqual(
      memory.check(post('1', 'changed')).map((flag) => flag.code),
      ['DUPLICATE_CONFLICT'],
    );
    assert.deepEqual(memory.check(post('3', 'a')), []);
    assert.equal(memory.size, 2);
    assert.deepEqual(memory.check(post('1', 'changed again')), [], 'id 1 was forgotten: its new copy is a first copy');
    assert.deepEqual(
      memory.check(post('3', 'changed')).map((flag) => flag.code),
      ['DUPLICATE_CONFLICT'],
    );
  });
});
