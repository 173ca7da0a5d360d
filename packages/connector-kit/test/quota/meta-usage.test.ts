import assert from 'node:assert/strict';
import type { QuotaCall } from '../../src/contracts.ts';
import { metaUsagePolicy } from '../../src/quota/meta-usage.ts';
import { settle } from './test-clock.ts';
import { setup } from './ledger-helpers.ts';

const MINUTE = 60_000;
const call = (credential: string, endpoint = 'media.insights'): QuotaCall => ({ endpoint, credential, cost: 1, priority: 'fresh' });
const buc = (id: string, percent: number, regainMinutes: number) =>
  JSON.stringify({
    [id]: [
      { type: 'instagram', call_count: percent, total_cputime: 10, total_time: 12, estimated_time_to_regain_access: regainMinutes },
      { type: 'pages', call_count: 1, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 0 },
    ],
  });

describe('connector-kit quota: Meta usage headers', () => {
  it('pauses a business at the threshold until estimated_time_to_regain_access, before Meta refuses; other credentials go on', async () => {
    const { clock, ledger, admitted, acquire, logMessages } = setup('INSTAGRAM', [metaUsagePolicy({ pauseAtPercent: 95 })]);
    // Low volume: no headers, nothing learned, nothing paused.
    ledger.observe(call('alice'), { status: 200, headers: {}, verdict: null });
    ledger.observe(call('alice'), { status: 200, headers: { 'x-business-use-case-usage': buc('1784', 94, 0) }, verdict: null });
    ledger.observe(call('bob'), { status: 200, headers: { 'x-business-use-case-usage': buc('9999', 20, 0) }, verdict: null });
    await acquire('alice-below', call('alice'));
    assert.equal(admitted.length, 1, '94% is below the threshold');

    const start = clock.now();
    ledger.observe(call('alice'), { status: 200, headers: { 'x-business-use-case-usage': buc('1784', 95, 7) }, verdict: null });
    void acquire('alice-paused', call('alice'));
    void acquire('bob', call('bob'));
    await settle();
    assert.deepEqual(
      admitted.map((entry) => entry.label),
      ['alice-below', 'bob'],
    );
    const health = ledger.health().find((entry) => entry.scope === 'instagram:buc:1784');
    assert.deepEqual(health, { scope: 'instagram:buc:1784', used: 95, limit: 100, resetsAt: null, pausedUntil: start + 7 * MINUTE });

    await clock.set(start + 7 * MINUTE - 1);
    assert.equal(admitted.length, 2);
    await clock.set(start + 7 * MINUTE);
    assert.deepEqual(admitted.at(-1), { label: 'alice-paused', at: start + 7 * MINUTE });
    assert.deepEqual(logMessages(), ['Quota scope paused', 'Quota scope resumed']);
  });

  it('pauses every call when X-App-Usage reaches the threshold, with a doubling backoff while it stays there', async () => {
    const { clock, ledger, admitted, acquire } = setup('INSTAGRAM', [metaUsagePolicy({ pauseAtPercent: 95, backoffMs: MINUTE })]);
    const start = clock.now();
    ledger.observe(call('alice'), {
      status: 200,
      headers: { 'x-app-usage': '{"call_count":12,"total_cputime":97,"total_time":40}' },
      verdict: null,
    });
    void acquire('bob', call('bob'));
    await settle();
    assert.equal(admitted.length, 0, 'the app budget is shared by all credentials');
    await clock.set(start + MINUTE);
    assert.equal(admitted.length, 1);
    ledger.observe(call('bob'), {
      status: 200,
      headers: { 'x-app-usage': '{"call_count":12,"total_cputime":96,"total_time":40}' },
      verdict: null,
    });
    assert.equal(
      ledger.health().find((entry) => entry.scope === 'instagram:app-usage')!.pausedUntil,
      start + 3 * MINUTE,
      'second pause: 2 min',
    );
    await clock.set(start + 3 * MINUTE);
    ledger.observe(call('bob'), {
      status: 200,
      headers: { 'x-app-usage': '{"call_count":50,"total_cputime":50,"total_time":50}' },
      verdict: null,
    });
    ledger.observe(call('bob'), {
      status: 200,
      headers: { 'x-app-usage': '{"call_count":99,"total_cputime":0,"total_time":0}' },
      verdict: null,
    });
    assert.equal(
      ledger.health().find((entry) => entry.scope === 'instagram:app-usage')!.pausedUntil,
      start + 4 * MINUTE,
      'backoff reset after a report below',
    );
  });

  it('pauses on throttle codes: 17 the user, 4 the app, 80002 the business; garbled headers are ignored', async () => {
    const { clock, ledger, admitted, acquire } = setup('INSTAGRAM', [metaUsagePolicy({ backoffMs: MINUTE })]);
    const start = clock.now();
    ledger.observe(call('alice'), {
      status: 200,
      headers: { 'x-business-use-case-usage': buc('1784', 10, 0), 'x-app-usage': '{not json' },
      verdict: null,
    });
    ledger.observe(call('alice'), {
      status: 400,
      headers: {},
      verdict: { kind: 'throttled', code: '17', message: 'User request limit reached', retryAfterMs: 30_000 },
    });
    void acquire('alice', call('alice'));
    void acquire('bob', call('bob'));
    await settle();
    assert.deepEqual(
      admitted.map((entry) => entry.label),
      ['bob'],
    );
    await clock.set(start + 30_000);
    assert.equal(admitted.length, 2);

    ledger.observe(call('alice'), { status: 400, headers: {}, verdict: { kind: 'throttled', code: '80002', message: 'BUC' } });
    assert.equal(ledger.health().find((entry) => entry.scope === 'instagram:buc:1784')!.pausedUntil, clock.now() + MINUTE);
    ledger.observe(call('bob'), { status: 400, headers: {}, verdict: { kind: 'throttled', code: '4', message: 'App limit' } });
    void acquire('carol', call('carol'));
    await settle();
    assert.equal(admitted.length, 2, 'code 4 pauses the whole app');
    await clock.advance(MINUTE);
    assert.equal(admitted.length, 3);
  });
});
