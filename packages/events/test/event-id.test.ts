import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isTributaryError } from '@tributary/errors';
import { EVENT_ID_TAG, computeEventId, contentVersion, entityKey, observation } from '../src/index.ts';
import type { EventIdentity } from '../src/index.ts';

const identity: EventIdentity = {
  platform: 'TIKTOK',
  entity_kind: 'POST',
  entity_id: '7301234567890123456',
  observation: 'metrics:1795413600000',
};

describe('events/event-id', () => {
  it('is SHA-256 over the tag and the four parts, each prefixed by its UTF-8 byte length (big-endian uint32)', () => {
    const hash = createHash('sha256');
    for (const part of [EVENT_ID_TAG, 'TIKTOK', 'POST', '7301234567890123456', 'metrics:1795413600000']) {
      const bytes = Buffer.from(part, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      hash.update(Buffer.concat([length, bytes]));
    }
    assert.equal(computeEventId(identity), hash.digest('hex'));
  });

  it('is pinned: changing the recipe would change every id (a golden value)', () => {
    assert.equal(computeEventId(identity), 'ca5fc28e2ce1b6cf0a2ed8bb6d9bb9132f62fb692c37caea5a14493de78486d1');
  });

  it('is the same for the same observation and different for anything else', () => {
    assert.equal(computeEventId({ ...identity }), computeEventId(identity));
    for (const change of [
      { platform: 'YOUTUBE' },
      { entity_kind: 'COMMENT' },
      { entity_id: '7301234567890123457' },
      { observation: 'metrics:1795413600001' },
    ] as const) {
      assert.notEqual(computeEventId({ ...identity, ...change }), computeEventId(identity), JSON.stringify(change));
    }
  });

  it('is unambiguous where plain concatenation is not', () => {
    assert.notEqual(
      computeEventId({ ...identity, entity_id: 'ab', observation: 'c' }),
      computeEventId({ ...identity, entity_id: 'a', observation: 'bc' }),
    );
  });

  it('keeps ids above 2^53 exact, because they are strings', () => {
    assert.notEqual(
      computeEventId({ ...identity, entity_id: '12345678901234567890' }),
      computeEventId({ ...identity, entity_id: String(Number('12345678901234567890')) }),
    );
  });

  it('refuses inputs whose bytes would be ambiguous or empty, as data errors', () => {
    for (const bad of [{ entity_id: '' }, { observation: '' }, { entity_id: 'a\ud800' }]) {
      assert.throws(
        () => computeEventId({ ...identity, ...bad }),
        (error: unknown) => isTributaryError(error) && error.code === 'EVENT_IDENTITY_INVALID' && error.failureType === 'data',
      );
    }
  });

  describe('observation', () => {
    it('builds one string per event kind', () => {
      assert.equal(observation.content('abc'), 'content:abc');
      assert.equal(observation.metrics(1795413600000), 'metrics:1795413600000');
      assert.equal(
        observation.metrics(1795413600000, { start: 1795219200000, end: 1795305600000 }),
        'metrics:1795413600000;period:1795219200000-1795305600000',
      );
      assert.equal(observation.deletion('AUTHORIZATION_REVOKED', 1795437000000), 'deletion:AUTHORIZATION_REVOKED:1795437000000');
      assert.equal(observation.deletion('ENTITY_DELETED', null), 'deletion:ENTITY_DELETED:-');
      assert.equal(observation.delivery('msg-1'), 'delivery:msg-1');
    });

    it('refuses timestamps that are not integer epoch milliseconds (e.g. seconds with a fraction)', () => {
      assert.throws(
        () => observation.metrics(1795413600.5),
        (error: unknown) => isTributaryError(error) && /epoch milliseconds/.test(error.message),
      );
      assert.throws(() => observation.metrics(-1));
    });
  });

  describe('contentVersion', () => {
    it('ignores key order and undefined values, and sees every content change', () => {
      const a = contentVersion({ title: 'x', text: 'y', hashtags: ['a', 'b'] });
      assert.equal(contentVersion({ hashtags: ['a', 'b'], text: 'y', title: 'x', extra: undefined }), a);
      assert.notEqual(contentVersion({ title: 'x', text: 'y', hashtags: ['b', 'a'] }), a);
      assert.notEqual(contentVersion({ title: 'x', text: 'y ', hashtags: ['a', 'b'] }), a);
      assert.match(a, /^[0-9a-f]{64}$/);
    });

    it('refuses values JSON cannot represent exactly', () => {
      assert.throws(
        () => contentVersion({ n: Number.NaN }),
        (error: unknown) => isTributaryError(error) && error.code === 'EVENT_IDENTITY_INVALID',
      );
    });
  });

  it('keys events by platform and entity id', () => {
    assert.equal(entityKey('INSTAGRAM', '17895695668004550'), 'INSTAGRAM:17895695668004550');
    assert.throws(() => entityKey('INSTAGRAM', ''));
  });
});
