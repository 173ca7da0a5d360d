import assert from 'node:assert/strict';
import { createReplayCache } from '../../src/webhooks/replay-cache.ts';

describe('webhook replay cache', () => {
  it('remembers a key for the TTL and forgets it after', () => {
    let now = 0;
    const cache = createReplayCache({ maxEntries: 10, ttlMs: 1000, now: () => now });
    cache.remember('a');
    now = 999;
    assert.equal(cache.has('a'), true);
    now = 1000;
    assert.equal(cache.has('a'), false);
    assert.equal(cache.size, 0, 'expired entries are dropped');
  });

  it('stays within its bound by dropping the oldest entries', () => {
    let now = 0;
    const cache = createReplayCache({ maxEntries: 3, ttlMs: 60_000, now: () => now });
    for (const key of ['a', 'b', 'c', 'd']) {
      cache.remember(key);
      now += 1;
    }
    assert.equal(cache.size, 3);
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((key) => cache.has(key)),
      [false, true, true, true],
    );
  });

  it('re-remembering a key moves it to the back and restarts its TTL', () => {
    let now = 0;
    const cache = createReplayCache({ maxEntries: 2, ttlMs: 100, now: () => now });
    cache.remember('a');
    cache.remember('b');
    now = 50;
    cache.remember('a');
    cache.remember('c'); // evicts b, the oldest
    assert.deepEqual(
      ['a', 'b', 'c'].map((key) => cache.has(key)),
      [true, false, true],
    );
    now = 120;
    assert.equal(cache.has('a'), true);
  });
});
