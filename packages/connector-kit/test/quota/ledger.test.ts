import assert from 'node:assert/strict';
import type { QuotaCall, RequestPriority } from '../../src/contracts.ts';
import { dailyUnitsPolicy } from '../../src/quota/daily-units.ts';
import { retryAfterPolicy } from '../../src/quota/retry-after.ts';
import { slidingWindowPolicy } from '../../src/quota/sliding-window.ts';
import { settle } from './test-clock.ts';
import { setup } from './ledger-helpers.ts';

const at = (priority: RequestPriority, endpoint = 'video.list', credential?: string): Partial<QuotaCall> & { endpoint: string } => ({
  endpoint,
  priority,
  ...(credential === undefined ? {} : { credential }),
});

describe('connector-kit quota: ledger', () => {
  it('serves waiters by priority, FIFO within a priority', async () => {
    const { clock, admitted, acquire } = setup('TIKTOK', [slidingWindowPolicy({ limit: 1, windowMs: 1_000, per: 'endpoint' })]);
    await acquire('holder', at('fresh'));
    for (const [label, priority] of [
      ['backfill-1', 'backfill'],
      ['refresh-1', 'refresh'],
      ['fresh-1', 'fresh'],
      ['backfill-2', 'backfill'],
      ['ephemeral-1', 'ephemeral'],
      ['fresh-2', 'fresh'],
    ] as const) {
      void acquire(label, at(priority));
    }
    for (let i = 0; i < 6; i++) await clock.advance(1_000);
    assert.deepEqual(
      admitted.map((entry) => entry.label),
      ['holder', 'ephemeral-1', 'fresh-1', 'fresh-2', 'refresh-1', 'backfill-1', 'backfill-2'],
    );
    assert.deepEqual(
      admitted.map((entry) => entry.at - admitted[0]!.at),
      [0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000],
    );
  });

  it('a blocked scope holds only its own calls: a backfill call elsewhere goes while an ephemeral one waits', async () => {
    const { admitted, acquire, ledger } = setup('X', [retryAfterPolicy()]);
    ledger.observe(
      { endpoint: 'stories', credential: 'a', cost: 1, priority: 'ephemeral' },
      { status: 429, headers: { 'retry-after': '60' }, verdict: null },
    );
    void acquire('ephemeral-stories', at('ephemeral', 'stories', 'a'));
    void acquire('backfill-media', at('backfill', 'media', 'a'));
    await settle();
    assert.deepEqual(
      admitted.map((entry) => entry.label),
      ['backfill-media'],
    );
  });

  it('a higher-priority call that does not fit is not overtaken by a cheaper one in the same scope', async () => {
    const { clock, admitted, acquire } = setup(
      'YOUTUBE',
      [dailyUnitsPolicy({ limit: 100, costs: { 'captions.list': 50 } })],
      '2026-07-15T12:00:00Z',
    );
    for (let i = 0; i < 60; i++) void acquire(`v${i}`, at('refresh', 'videos.list'));
    await settle();
    void acquire('captions', at('fresh', 'captions.list'));
    void acquire('cheap-backfill', at('backfill', 'videos.list'));
    await settle();
    assert.equal(admitted.length, 60);
    await clock.set(Date.parse('2026-07-16T07:00:00Z'));
    assert.deepEqual(
      admitted.slice(60).map((entry) => entry.label),
      ['captions', 'cheap-backfill'],
    );
  });

  it('an abort while waiting rejects with the reason, reserves nothing, and lets the next waiter through', async () => {
    const { clock, admitted, rejected, acquire, ledger } = setup('TIKTOK', [
      slidingWindowPolicy({ limit: 1, windowMs: 1_000, per: 'endpoint' }),
    ]);
    await acquire('holder', at('fresh'));
    const controller = new AbortController();
    void acquire('aborted', at('ephemeral'), controller.signal);
    void acquire('next', at('backfill'));
    await settle();
    controller.abort(new Error('run cancelled'));
    await settle();
    assert.deepEqual(
      rejected.map((entry) => [entry.label, (entry.reason as Error).message]),
      [['aborted', 'run cancelled']],
    );
    assert.equal(ledger.waiting(), 1);
    await clock.advance(1_000);
    assert.deepEqual(
      admitted.map((entry) => entry.label),
      ['holder', 'next'],
    );
    const already = new AbortController();
    already.abort(new Error('too late'));
    await acquire('late', at('fresh'), already.signal);
    assert.equal((rejected.at(-1)!.reason as Error).message, 'too late');
    assert.equal(ledger.health()[0]!.used, 1);
  });

  it('composes policies: a call must fit every one; normal operation logs nothing', async () => {
    const { clock, admitted, acquire, lines } = setup('TIKTOK', [
      slidingWindowPolicy({ limit: 600, windowMs: 60_000, per: 'endpoint' }),
      slidingWindowPolicy({ limit: 1_000, windowMs: 60_000, per: 'app' }),
      retryAfterPolicy(),
    ]);
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < 700; i++) pending.push(acquire(`list${i}`, at('fresh', 'video.list')));
    for (let i = 0; i < 700; i++) pending.push(acquire(`query${i}`, at('fresh', 'video.query')));
    await settle();
    assert.equal(admitted.length, 1_000, 'the app window caps the two endpoint windows');
    assert.equal(admitted.filter((entry) => entry.label.startsWith('list')).length, 600);
    await clock.advance(60_000);
    assert.equal(admitted.length, 1_400);
    await Promise.all(pending);
    assert.deepEqual(lines, []);
  });
});
