import assert from 'node:assert/strict';
import type { MetricPoint } from '@tributary/events';
import { delta, emptyHistory, historyKey, knownCounters, previousSnapshot, velocity, withSnapshot } from '../src/history.ts';

const point = (event_id: string, observed_at: number, views?: number): MetricPoint => ({
  event_id,
  observed_at,
  counters: views === undefined ? {} : { views },
  published_at: null,
  creator_followers: null,
});

describe('entity history', () => {
  it('names keys platform:kind:id:series', () => {
    assert.equal(historyKey('TIKTOK', 'POST', '7301', 'PERIOD'), 'TIKTOK:POST:7301:PERIOD');
  });

  it('keeps snapshots by observed_at whatever the arrival order, ties by event_id', () => {
    let snapshots: MetricPoint[] = [];
    for (const next of [point('c', 30), point('a', 10), point('b2', 20), point('b1', 20)]) snapshots = withSnapshot(snapshots, next, 16);
    assert.deepEqual(
      snapshots.map((p) => p.event_id),
      ['a', 'b1', 'b2', 'c'],
    );
  });

  it('keeps one point per event_id, the later observation', () => {
    let snapshots = withSnapshot([], point('a', 10, 1), 16);
    snapshots = withSnapshot(snapshots, point('a', 15, 2), 16);
    snapshots = withSnapshot(snapshots, point('a', 12, 3), 16);
    assert.deepEqual(snapshots, [point('a', 15, 2)]);
  });

  it('trims to the newest `depth` points', () => {
    let snapshots: MetricPoint[] = [];
    for (let i = 1; i <= 5; i += 1) snapshots = withSnapshot(snapshots, point(`e${i}`, i), 3);
    assert.deepEqual(
      snapshots.map((p) => p.event_id),
      ['e3', 'e4', 'e5'],
    );
  });

  it('finds the newest point strictly before, never the record itself', () => {
    const history = { ...emptyHistory('TIKTOK', 'POST', '1', 'LIFETIME'), snapshots: [point('a', 10), point('b', 20), point('c', 30)] };
    assert.equal(previousSnapshot(history, 'c', 30)?.event_id, 'b');
    assert.equal(previousSnapshot(history, 'x', 20)?.event_id, 'a'); // equal observed_at is not before
    assert.equal(previousSnapshot(history, 'a', 10), null);
    assert.equal(previousSnapshot(history, 'b', 25)?.event_id, 'a'); // b re-observed later: not its own previous
    assert.equal(previousSnapshot(undefined, 'a', 10), null);
  });

  it('computes deltas and velocities only from known values', () => {
    assert.equal(delta(5, 3), 2);
    assert.equal(delta(null, 3), null);
    assert.equal(delta(5, undefined), null);
    assert.equal(velocity(100, 0, 1_800_000, 3_600_000), 200);
    assert.equal(velocity(100, 0, 999, 3_600_000), null);
    assert.equal(velocity(null, 0, 3_600_000, 3_600_000), null);
    assert.deepEqual(knownCounters({ views: 0, likes: null, shares: undefined }), { views: 0 });
  });
});
