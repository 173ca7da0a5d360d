import assert from 'node:assert/strict';
import { slidingWindowPolicy } from '../../src/quota/sliding-window.ts';
import { settle } from './test-clock.ts';
import { setup } from './ledger-helpers.ts';

describe('connector-kit quota: sliding window (TikTok 600/min per endpoint)', () => {
  it('admits exactly the limit, then the next call exactly when the first leaves the window', async () => {
    const { clock, admitted, acquire, ledger } = setup('TIKTOK', [slidingWindowPolicy({ limit: 600, windowMs: 60_000, per: 'endpoint' })]);
    const start = clock.now();
    for (let i = 0; i < 605; i++) void acquire(`c${i}`, { endpoint: 'video.list' });
    await settle();
    assert.equal(admitted.length, 600, 'zero calls beyond the limit, even when all arrive at once');
    await clock.set(start + 59_999);
    assert.equal(admitted.length, 600);
    await clock.set(start + 60_000);
    assert.equal(admitted.length, 605);
    assert.ok(admitted.slice(600).every((entry) => entry.at === start + 60_000));
    assert.deepEqual(
      ledger.health().map(({ scope, used, limit }) => ({ scope, used, limit })),
      [{ scope: 'tiktok:video.list', used: 5, limit: 600 }],
    );
  });

  it('never admits more than the limit in any window under a staggered load', async () => {
    const limit = 10;
    const windowMs = 1_000;
    const { clock, admitted, acquire } = setup('TIKTOK', [slidingWindowPolicy({ limit, windowMs, per: 'endpoint' })]);
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const pending: Array<Promise<void>> = [];
    for (let step = 0; step < 200; step++) {
      const arrivals = Math.floor(random() * 4);
      for (let i = 0; i < arrivals; i++) pending.push(acquire(`s${step}-${i}`, { endpoint: 'video.query' }));
      await clock.advance(Math.floor(random() * 120));
    }
    await clock.advance(60 * windowMs);
    await Promise.all(pending);
    assert.equal(admitted.length, pending.length);
    const times = admitted.map((entry) => entry.at).sort((a, b) => a - b);
    let maxInWindow = 0;
    for (let i = 0; i < times.length; i++) {
      let j = i;
      while (j < times.length && times[j]! < times[i]! + windowMs) j++;
      maxInWindow = Math.max(maxInWindow, j - i);
    }
    assert.equal(maxInWindow, limit, 'the window is used fully but never overrun');
  });

  it('keeps separate windows per endpoint and credential', async () => {
    const { admitted, acquire, ledger } = setup('TIKTOK', [
      slidingWindowPolicy({ limit: 2, windowMs: 60_000, per: 'credential-endpoint', endpoints: ['video.list'] }),
    ]);
    for (const credential of ['a', 'b'])
      for (let i = 0; i < 3; i++) void acquire(`${credential}${i}`, { endpoint: 'video.list', credential });
    for (let i = 0; i < 5; i++) void acquire(`user${i}`, { endpoint: 'user.info', credential: 'a' });
    await settle();
    assert.deepEqual(admitted.map((entry) => entry.label).sort(), ['a0', 'a1', 'b0', 'b1', 'user0', 'user1', 'user2', 'user3', 'user4']);
    assert.equal(ledger.waiting(), 2);
  });
});
