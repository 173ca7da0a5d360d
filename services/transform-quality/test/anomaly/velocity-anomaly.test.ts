// Velocity baselines: which velocities are judged, how samples are kept (bounded, deduplicated,
// ordered), and that judging a record again gives the same verdict and writes nothing.
import assert from 'node:assert/strict';
import type { VelocityBaseline } from '@tributary/events';
import { baselineKey, judgeVelocity, priorSamples, velocityObservations, withSample } from '../../src/index.ts';
import type { AnomalySettings, AssessedEvent, BaselineStore, VelocityObservation } from '../../src/index.ts';
import { buildRecord } from '../golden-cases.ts';

const SETTINGS: AnomalySettings = { windowSamples: 64, threshold: 3.5, minSamples: 8 };
const HOUR = 3_600_000;

function memoryStore(): BaselineStore & { map: Map<string, VelocityBaseline>; writes: number } {
  const map = new Map<string, VelocityBaseline>();
  const store = {
    map,
    writes: 0,
    get: (key: string) => map.get(key),
    set(key: string, value: VelocityBaseline | null) {
      store.writes += 1;
      if (value === null) map.delete(key);
      else map.set(key, value);
    },
  };
  return store;
}

/** TikTok post metrics of post `n`, observed n hours after the base, with views_per_hour `value`. */
function snapshot(n: number, value: number): AssessedEvent {
  const base = buildRecord({ input: 'tiktok-post-metrics' });
  return buildRecord({
    input: 'tiktok-post-metrics',
    patch: {
      envelope: { entity_id: `73000000000000${n}`, observed_at: base.event.envelope.observed_at + n * HOUR },
      enrichment: { views_per_hour: value, engagements_per_hour: null },
    },
    recomputeEventId: true,
  });
}

function observation(eventId: string, observedAt: number, value: number): VelocityObservation {
  return {
    platform: 'TIKTOK',
    accountId: 'acc',
    metric: 'views_per_hour',
    sample: { event_id: eventId, entity_id: 'post', observed_at: observedAt, value },
  };
}

describe('velocity baselines', () => {
  it('keys baselines by platform, account and metric', () => {
    assert.equal(baselineKey('INSTAGRAM', '17841405822304914', 'followers_per_day'), 'INSTAGRAM:17841405822304914:followers_per_day');
  });

  it('judges views and engagements per hour of lifetime post metrics by the owning account, followers per day by the account', () => {
    const post = velocityObservations(buildRecord({ input: 'tiktok-post-metrics' }));
    assert.deepEqual(
      post.map((o) => [o.accountId, o.metric, Math.round(o.sample.value)]),
      [
        ['-000abcDEFghiJKLmnoPQRstuVWXyz01', 'views_per_hour', 206],
        ['-000abcDEFghiJKLmnoPQRstuVWXyz01', 'engagements_per_hour', 19],
      ],
    );
    const account = velocityObservations(buildRecord({ input: 'tiktok-account-metrics' }));
    assert.deepEqual(
      account.map((o) => [o.accountId, o.metric, o.sample.value]),
      [['-000abcDEFghiJKLmnoPQRstuVWXyz01', 'followers_per_day', 120]],
    );
  });

  it('skips period aggregates, null velocities and snapshots without an account', () => {
    assert.deepEqual(
      velocityObservations(buildRecord({ input: 'youtube-short-daily-post-metrics', patch: { enrichment: { views_per_hour: 5 } } })),
      [],
    );
    assert.deepEqual(velocityObservations(buildRecord({ input: 'instagram-story-post-metrics' })), []);
    assert.deepEqual(velocityObservations(buildRecord({ input: 'tiktok-post-metrics', patch: { account_id: ' ' } })), []);
  });

  it('adds samples in observed_at order, replaces a sample of the same event and keeps the newest window', () => {
    let baseline: VelocityBaseline | undefined;
    for (const [id, at, value] of [
      ['c', 300, 3],
      ['a', 100, 1],
      ['b', 200, 2],
      ['a', 100, 10],
    ] as const) {
      baseline = withSample(baseline, observation(id, at, value), 2, 42);
    }
    assert.deepEqual(
      baseline!.samples.map((s) => [s.event_id, s.value]),
      [
        ['b', 2],
        ['c', 3],
      ],
    );
    assert.equal(baseline!.updated_at, 42);
    const wide = withSample(withSample(undefined, observation('a', 100, 1), 5, 0), observation('a', 100, 10), 5, 0);
    assert.deepEqual(
      wide.samples.map((s) => s.value),
      [10],
      'the same event_id is one sample',
    );
  });

  it('judges a sample only against samples observed strictly before it, never itself', () => {
    const baseline = [observation('a', 100, 1), observation('b', 200, 2), observation('c', 300, 3)].reduce<VelocityBaseline | undefined>(
      (acc, o) => withSample(acc, o, 10, 0),
      undefined,
    );
    assert.deepEqual(
      priorSamples(baseline, observation('b', 200, 2).sample).map((s) => s.event_id),
      ['a'],
    );
    assert.deepEqual(
      priorSamples(baseline, observation('x', 200, 2).sample).map((s) => s.event_id),
      ['a'],
      'equal observed_at is not before',
    );
  });

  it('flags a spike once the account has enough history, and a second pass over the same records gives the same verdicts and writes nothing', () => {
    const store = memoryStore();
    const values = [100, 110, 90, 105, 95, 100, 102, 98, 101, 99, 2000, 104];
    const records = values.map((value, n) => snapshot(n, value));
    const firstPass = records.map((record) => {
      const judgement = judgeVelocity(record, store, SETTINGS, () => 0);
      judgement.commit();
      return judgement.flags.map((flag) => flag.code);
    });
    assert.deepEqual(firstPass, [[], [], [], [], [], [], [], [], [], [], ['VELOCITY_ANOMALY'], []]);
    const writes = store.writes;
    const secondPass = records.map((record) => {
      const judgement = judgeVelocity(record, store, SETTINGS, () => 0);
      judgement.commit();
      return judgement.flags.map((flag) => flag.code);
    });
    assert.deepEqual(secondPass, firstPass);
    assert.equal(store.writes, writes, 'reprocessing stages no state');
    assert.equal(store.map.get(baselineKey('TIKTOK', '-000abcDEFghiJKLmnoPQRstuVWXyz01', 'views_per_hour'))!.samples.length, 12);
  });

  it('reports warming-up verdicts below minSamples and nothing is added before commit()', () => {
    const store = memoryStore();
    const judgement = judgeVelocity(snapshot(1, 100), store, SETTINGS, () => 0);
    assert.deepEqual(
      judgement.verdicts.map((v) => [v.metric, v.samples, v.score, v.anomalous]),
      [['views_per_hour', 0, undefined, false]],
    );
    assert.equal(store.map.size, 0);
    judgement.commit();
    assert.equal(store.map.size, 1);
  });
});
