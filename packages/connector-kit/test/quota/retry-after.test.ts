import assert from 'node:assert/strict';
import type { QuotaCall } from '../../src/contracts.ts';
import { parseRetryAfter, retryAfterPolicy } from '../../src/quota/retry-after.ts';
import { settle } from './test-clock.ts';
import { setup } from './ledger-helpers.ts';

const call = (endpoint: string, credential?: string): QuotaCall => ({
  endpoint,
  cost: 1,
  priority: 'fresh',
  ...(credential ? { credential } : {}),
});

describe('connector-kit quota: Retry-After and 429 backoff', () => {
  it('parses delta seconds and HTTP-dates', () => {
    const now = Date.parse('2026-11-24T00:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('Tue, 24 Nov 2026 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Mon, 23 Nov 2026 00:00:30 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(undefined, now), null);
  });

  it('pauses only that endpoint and credential until Retry-After', async () => {
    const { clock, ledger, admitted, acquire } = setup('X', [retryAfterPolicy()]);
    const start = clock.now();
    ledger.observe(call('tweets.lookup', 'a'), {
      status: 429,
      headers: { 'retry-after': '15' },
      verdict: { kind: 'throttled', code: '429', message: 'Too Many Requests' },
    });
    void acquire('a-same', call('tweets.lookup', 'a'));
    void acquire('b-same', call('tweets.lookup', 'b'));
    void acquire('a-other', call('users.lookup', 'a'));
    await settle();
    assert.deepEqual(admitted.map((entry) => entry.label).sort(), ['a-other', 'b-same']);
    await clock.set(start + 14_999);
    assert.equal(admitted.length, 2);
    await clock.set(start + 15_000);
    assert.deepEqual(admitted.at(-1), { label: 'a-same', at: start + 15_000 });

    ledger.observe(call('tweets.lookup', 'a'), {
      status: 429,
      headers: { 'retry-after': new Date(start + 75_000).toUTCString() },
      verdict: { kind: 'throttled', code: '429', message: 'x' },
    });
    assert.equal(ledger.health()[0]!.pausedUntil, start + 75_000);
    ledger.observe(call('tweets.lookup', 'a'), {
      status: 429,
      headers: {},
      verdict: { kind: 'throttled', code: '429', message: 'x', retryAfterMs: 90_000 },
    });
    assert.equal(ledger.health()[0]!.pausedUntil, start + 15_000 + 90_000, "the verdict's retryAfterMs wins over the header");
  });

  it('backs off exponentially on 429s without headers and starts over after a success', async () => {
    const { clock, ledger } = setup('TIKTOK', [retryAfterPolicy({ initialBackoffMs: 1_000, maxBackoffMs: 4_000 })]);
    const pausedFor = () => ledger.health()[0]!.pausedUntil! - clock.now();
    const throttled = { status: 429, headers: {}, verdict: null };
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      ledger.observe(call('video.list', 'a'), throttled);
      waits.push(pausedFor());
      await clock.advance(pausedFor());
    }
    assert.deepEqual(waits, [1_000, 2_000, 4_000, 4_000]);
    ledger.observe(call('video.list', 'a'), { status: 200, headers: {}, verdict: null });
    ledger.observe(call('video.list', 'a'), throttled);
    assert.equal(pausedFor(), 1_000);
    await settle();
  });
});
