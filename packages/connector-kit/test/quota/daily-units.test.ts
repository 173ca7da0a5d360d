import assert from 'node:assert/strict';
import { dailyUnitsPolicy } from '../../src/quota/daily-units.ts';
import { startOfNextDay } from '../../src/quota/time-zone.ts';
import { settle } from './test-clock.ts';
import { setup } from './ledger-helpers.ts';

const PT = 'America/Los_Angeles';
const iso = (ms: number) => new Date(ms).toISOString();

describe('connector-kit quota: daily units (YouTube, reset at midnight Pacific)', () => {
  it('computes the next midnight Pacific across both DST changes', () => {
    // Winter (PST, UTC-8) and summer (PDT, UTC-7).
    assert.equal(iso(startOfNextDay(Date.parse('2026-01-15T12:00:00Z'), PT)), '2026-01-16T08:00:00.000Z');
    assert.equal(iso(startOfNextDay(Date.parse('2026-07-15T12:00:00Z'), PT)), '2026-07-16T07:00:00.000Z');
    // Spring forward on Sunday 8 March 2026: that day has 23 hours.
    assert.equal(iso(startOfNextDay(Date.parse('2026-03-07T20:00:00-08:00'), PT)), '2026-03-08T08:00:00.000Z');
    assert.equal(iso(startOfNextDay(Date.parse('2026-03-08T03:30:00-07:00'), PT)), '2026-03-09T07:00:00.000Z');
    // Fall back on Sunday 1 November 2026: that day has 25 hours; 01:30 happens twice.
    assert.equal(iso(startOfNextDay(Date.parse('2026-10-31T23:59:59-07:00'), PT)), '2026-11-01T07:00:00.000Z');
    assert.equal(iso(startOfNextDay(Date.parse('2026-11-01T01:30:00-07:00'), PT)), '2026-11-02T08:00:00.000Z');
    assert.equal(iso(startOfNextDay(Date.parse('2026-11-01T01:30:00-08:00'), PT)), '2026-11-02T08:00:00.000Z');
    // Exactly at midnight: the next one.
    assert.equal(iso(startOfNextDay(Date.parse('2026-11-02T08:00:00Z'), PT)), '2026-11-03T08:00:00.000Z');
    assert.equal(iso(startOfNextDay(Date.parse('2026-11-02T07:59:59.999Z'), PT)), '2026-11-02T08:00:00.000Z');
  });

  it('reserves units before the call and admits nothing beyond the budget until midnight Pacific', async () => {
    const { clock, admitted, acquire, ledger, logMessages } = setup(
      'YOUTUBE',
      [dailyUnitsPolicy({ limit: 10_000, costs: { 'captions.list': 50 } })],
      '2026-03-07T22:00:00-08:00',
    );
    for (let i = 0; i < 199; i++) void acquire(`captions${i}`, { endpoint: 'captions.list' }); // 9,950 units
    for (let i = 0; i < 60; i++) void acquire(`video${i}`, { endpoint: 'videos.list' });
    await settle();
    assert.equal(admitted.length, 199 + 50);
    const [health] = ledger.health();
    assert.deepEqual(health, {
      scope: 'youtube:daily-units',
      used: 10_000,
      limit: 10_000,
      resetsAt: Date.parse('2026-03-08T08:00:00Z'),
      pausedUntil: null,
    });

    await clock.set(Date.parse('2026-03-08T07:59:59.999Z'));
    assert.equal(admitted.length, 249);
    await clock.set(Date.parse('2026-03-08T08:00:00Z'));
    assert.equal(admitted.length, 259);
    assert.equal(ledger.health()[0]!.used, 10);
    assert.equal(ledger.health()[0]!.resetsAt, Date.parse('2026-03-09T07:00:00Z'), 'the DST day is 23 h long');
    assert.deepEqual(
      logMessages(),
      ['Quota budget spent; calls wait for the reset', 'Quota budget reset'],
      'state changes only, once each',
    );
  });

  it('resets after a 25-hour day when the clocks fall back', async () => {
    const { clock, admitted, acquire, ledger } = setup('YOUTUBE', [dailyUnitsPolicy({ limit: 3 })], '2026-11-01T00:00:00-07:00');
    for (let i = 0; i < 4; i++) void acquire(`v${i}`, { endpoint: 'videos.list' });
    await settle();
    assert.equal(admitted.length, 3);
    assert.equal(ledger.health()[0]!.resetsAt, Date.parse('2026-11-02T08:00:00Z'));
    await clock.set(Date.parse('2026-11-02T07:00:00Z')); // 23:00 PST: 24 h later, still the same day
    assert.equal(admitted.length, 3);
    await clock.set(Date.parse('2026-11-02T08:00:00Z'));
    assert.deepEqual(admitted.at(-1), { label: 'v3', at: Date.parse('2026-11-02T08:00:00Z') });
  });

  it('a quotaExceeded verdict marks the budget spent until the reset even when the local count disagrees', async () => {
    const { clock, admitted, acquire, ledger, logMessages } = setup(
      'YOUTUBE',
      [dailyUnitsPolicy({ limit: 10_000 })],
      '2026-07-15T10:00:00-07:00',
    );
    await acquire('first', { endpoint: 'videos.list' });
    const resumeAt = Date.parse('2026-07-16T07:00:00Z');
    ledger.observe(
      { endpoint: 'videos.list', cost: 1, priority: 'fresh' },
      { status: 403, headers: {}, verdict: { kind: 'quota-exhausted', code: 'quotaExceeded', message: 'quota', resumeAt } },
    );
    void acquire('urgent', { endpoint: 'videos.list', priority: 'ephemeral' });
    await settle();
    assert.equal(admitted.length, 1);
    assert.deepEqual(ledger.health()[0], {
      scope: 'youtube:daily-units',
      used: 10_000,
      limit: 10_000,
      resetsAt: resumeAt,
      pausedUntil: resumeAt,
    });
    await clock.set(resumeAt - 1);
    assert.equal(admitted.length, 1);
    await clock.set(resumeAt);
    assert.deepEqual(admitted.at(-1), { label: 'urgent', at: resumeAt });
    assert.deepEqual(logMessages(), ['Quota scope paused', 'Quota scope resumed']);
  });

  it('refuses a call that costs more than the whole budget instead of waiting forever', async () => {
    const { rejected, acquire } = setup('YOUTUBE', [dailyUnitsPolicy({ limit: 100, costs: { 'captions.insert': 400 } })]);
    await acquire('big', { endpoint: 'captions.insert' });
    assert.equal((rejected[0]?.reason as { code?: string }).code, 'CONNECTOR_QUOTA_CALL_TOO_LARGE');
  });
});
