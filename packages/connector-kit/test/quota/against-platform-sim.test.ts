// The quota ledger in front of the platform simulator, whose limits follow the documented ones
// (TikTok 600 requests per sliding minute per endpoint; YouTube daily units reset at midnight
// Pacific): with the ledger no call is refused for quota; without it the simulator refuses.
import assert from 'node:assert/strict';
import { Agent, fetch } from 'undici';
import { createLogger } from '@tributary/telemetry';
import { startPlatformSim } from '@tributary/platform-sim';
import type { PlatformSim } from '@tributary/platform-sim';
import type { QuotaCall } from '../../src/contracts.ts';
import { createQuotaLedger } from '../../src/quota/ledger.ts';
import type { QuotaPolicy } from '../../src/quota/ledger.ts';
import { dailyUnitsPolicy } from '../../src/quota/daily-units.ts';
import { retryAfterPolicy } from '../../src/quota/retry-after.ts';
import { slidingWindowPolicy } from '../../src/quota/sliding-window.ts';
import { TestClock } from './test-clock.ts';

const START = Date.parse('2026-11-20T12:00:00Z'); // 04:00 in Los Angeles (PST)

describe('connector-kit quota: against the platform simulator', () => {
  let sim: PlatformSim;
  let clock: TestClock;
  const dispatcher = new Agent({ connections: 32 });

  beforeEach(async () => {
    sim = await startPlatformSim({
      seed: 'quota-test',
      clock: { startTime: START, speed: 0 },
      accounts: { tiktok: 1, instagram: 1, youtube: 1 },
      knobs: { youtube: { dailyQuotaUnits: 20, rateLimitExceededProbability: 0 } },
    });
    clock = new TestClock(START);
  });
  afterEach(() => sim.close());
  after(() => dispatcher.close());

  async function advanceBoth(ms: number): Promise<void> {
    await sim.advance(ms);
    await clock.advance(ms);
  }

  function ledgerOf(platform: 'TIKTOK' | 'YOUTUBE', policies: QuotaPolicy[]) {
    return createQuotaLedger({ platform, policies, clock, logger: createLogger({ serviceName: 'quota-sim-test', level: 'warn' }) });
  }

  async function tiktokVideoList(token: string): Promise<number> {
    const response = await fetch(`${sim.baseUrls.tiktok}/v2/video/list/?fields=id`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ max_count: 1 }),
      dispatcher,
    });
    await response.text();
    return response.status;
  }

  it('TikTok: 650 concurrent video.list calls through the ledger get no 429; without it the 601st does', async () => {
    const token = sim.credentials().tiktok.accounts[0]!.accessToken;
    const ledger = ledgerOf('TIKTOK', [slidingWindowPolicy({ limit: 600, windowMs: 60_000, per: 'endpoint' }), retryAfterPolicy()]);
    const call: QuotaCall = { endpoint: 'video.list', credential: 'a', cost: 1, priority: 'fresh' };
    const statuses: number[] = [];
    const calls = Array.from({ length: 650 }, async () => {
      await ledger.acquire(call);
      const status = await tiktokVideoList(token);
      ledger.observe(call, { status, headers: {}, verdict: null });
      statuses.push(status);
    });
    while (statuses.length < 600) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(statuses.length, 600, 'the 50 beyond the window wait');
    await advanceBoth(60_000);
    await Promise.all(calls);
    assert.equal(statuses.filter((status) => status === 200).length, 650);

    // Control: the simulator does enforce the limit (the window is full again after the 50 above plus these).
    const unguarded = await Promise.all(Array.from({ length: 560 }, () => tiktokVideoList(token)));
    assert.equal(unguarded.filter((status) => status === 429).length, 10);
  });

  it('YouTube: a 20-unit day admits 20 calls, holds the rest without a 403 until midnight Pacific', async () => {
    const apiKey = sim.credentials().youtube.apiKey;
    const ledger = ledgerOf('YOUTUBE', [dailyUnitsPolicy({ limit: 20 })]);
    const call: QuotaCall = { endpoint: 'videos.list', cost: 1, priority: 'refresh' };
    const statuses: number[] = [];
    const calls = Array.from({ length: 25 }, async () => {
      await ledger.acquire(call);
      const response = await fetch(`${sim.baseUrls.youtube}/videos?part=statistics&id=none&key=${apiKey}`, { dispatcher });
      await response.text();
      statuses.push(response.status);
    });
    while (statuses.length < 20) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(statuses.length, 20);
    const midnightPacific = Date.parse('2026-11-21T08:00:00Z');
    assert.equal(ledger.health()[0]!.resetsAt, midnightPacific);
    assert.equal(sim.stats().youtubeQuota.resetsAt, midnightPacific, 'the simulator agrees on the reset');
    await advanceBoth(midnightPacific - START);
    await Promise.all(calls);
    assert.deepEqual([...new Set(statuses)], [200]);
    assert.equal(sim.stats().youtubeQuota.used, 5);
  });
});
