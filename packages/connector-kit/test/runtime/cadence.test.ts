// The polling curve as data: fresher and faster content is polled more often, within bounds.
import assert from 'node:assert/strict';
import { DEFAULT_CONTENT_CADENCE, pollIntervalMs, scaleDeclaration, velocityPerHour } from '../../src/runtime/cadence.ts';
import type { FanOutStreamDeclaration, SingleStreamDeclaration, SourceDeclaration } from '../../src/runtime/declarations.ts';
import type { CadenceCurve } from '../../src/runtime/cadence.ts';
import { EntityRegistry } from '../../src/runtime/entity-registry.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('connector-kit/runtime/cadence', () => {
  it('polls younger content more often: the interval never shrinks as content ages', () => {
    const ages = [0, 30 * MINUTE, 2 * HOUR, 12 * HOUR, 2 * DAY, 10 * DAY, 400 * DAY];
    const intervals = ages.map((age) => pollIntervalMs(DEFAULT_CONTENT_CADENCE, age));
    assert.deepEqual(intervals, [5 * MINUTE, 5 * MINUTE, 15 * MINUTE, 15 * MINUTE, HOUR, DAY, DAY]);
    for (let i = 1; i < intervals.length; i++) assert.ok(intervals[i]! >= intervals[i - 1]!);
  });

  it('polls faster-growing content more often at the same age, never below minIntervalMs', () => {
    const age = 2 * DAY;
    assert.equal(pollIntervalMs(DEFAULT_CONTENT_CADENCE, age, 0), HOUR);
    assert.equal(pollIntervalMs(DEFAULT_CONTENT_CADENCE, age, 150), 30 * MINUTE);
    assert.equal(pollIntervalMs(DEFAULT_CONTENT_CADENCE, age, 5_000), 15 * MINUTE);
    assert.equal(pollIntervalMs(DEFAULT_CONTENT_CADENCE, 0, 5_000), 2 * MINUTE, 'clamped to the minimum');
  });

  it('clamps to the declared bounds and takes the last step past the oldest age', () => {
    const curve: CadenceCurve = {
      byAge: [
        { maxAgeMs: HOUR, intervalMs: MINUTE },
        { maxAgeMs: DAY, intervalMs: 3 * DAY },
      ],
      minIntervalMs: 2 * MINUTE,
      maxIntervalMs: DAY,
    };
    assert.equal(pollIntervalMs(curve, 0), 2 * MINUTE);
    assert.equal(pollIntervalMs(curve, 2 * HOUR), DAY);
    assert.equal(pollIntervalMs(curve, 9 * DAY), DAY);
  });

  it('measures velocity as growth per hour; none on the first observation or a falling counter', () => {
    assert.equal(velocityPerHour(undefined, { count: 10, at: HOUR }), 0);
    assert.equal(velocityPerHour({ count: 100, at: 0 }, { count: 400, at: 30 * MINUTE }), 600);
    assert.equal(velocityPerHour({ count: 400, at: 0 }, { count: 100, at: HOUR }), 0);
    assert.equal(velocityPerHour({ count: 1, at: HOUR }, { count: 5, at: HOUR }), 0);
  });

  it('prioritises ephemeral content until it expires, then fresh, then refresh', () => {
    const now = 10 * DAY;
    assert.equal(EntityRegistry.priorityOf({ id: 's', publishedAt: now - HOUR, expiresAt: now + HOUR }, now), 'ephemeral');
    assert.equal(EntityRegistry.priorityOf({ id: 'y', publishedAt: now - HOUR }, now), 'fresh');
    assert.equal(EntityRegistry.priorityOf({ id: 'o', publishedAt: now - 2 * DAY }, now), 'refresh');
  });

  it('the registry drops entities past the tracking window or expired, and schedules by the curve', () => {
    const registry = new EntityRegistry();
    const now = 10 * DAY;
    const policy = { cadence: DEFAULT_CONTENT_CADENCE, trackingWindowMs: 7 * DAY, freshForMs: DAY };
    registry.register('posts', 'a', { id: 'young', publishedAt: now - 10 * MINUTE });
    registry.register('posts', 'a', { id: 'stale', publishedAt: now - 8 * DAY });
    registry.register('posts', 'a', { id: 'story', publishedAt: now - 25 * HOUR, expiresAt: now - HOUR });
    const due = registry.due('posts', 'a', now, policy);
    assert.deepEqual(
      due.map((tracked) => tracked.entity.id),
      ['young'],
    );
    registry.polled(due[0]!, now, policy, 100);
    assert.equal(registry.get('posts', 'a', 'young')!.nextPollAt, now + 5 * MINUTE);
    assert.equal(registry.due('posts', 'a', now + MINUTE, policy).length, 0);
    assert.equal(registry.size('posts'), 1);
  });

  it('scales every interval and collection slot of a declaration, keeping windows and a one-second floor', () => {
    const fanOut = {
      kind: 'fan-out',
      name: 'metrics',
      cadence: DEFAULT_CONTENT_CADENCE,
      trackingWindowMs: 30 * DAY,
    } as FanOutStreamDeclaration;
    const single = { kind: 'single', name: 'profile', everyMs: 10 * MINUTE, snapshotBucketMs: 10_000 } as SingleStreamDeclaration;
    const declaration: SourceDeclaration = { name: 'source-test', platform: 'TIKTOK', streams: [fanOut, single] };
    const scaled = scaleDeclaration(declaration, 0.05);
    const [metrics, profile] = scaled.streams as [FanOutStreamDeclaration, SingleStreamDeclaration];
    assert.equal(metrics.cadence.minIntervalMs, 6_000);
    assert.equal(metrics.cadence.byAge[0]!.intervalMs, 15_000);
    assert.equal(metrics.cadence.byAge.at(-1)!.maxAgeMs, Number.POSITIVE_INFINITY);
    assert.equal(metrics.trackingWindowMs, 30 * DAY);
    assert.equal(profile.everyMs, 30_000);
    assert.equal(profile.snapshotBucketMs, 1_000, 'floored at one second');
    assert.equal(scaleDeclaration(declaration, 1), declaration, 'scale 1 changes nothing');
    assert.equal(
      (declaration.streams[0] as FanOutStreamDeclaration).cadence.minIntervalMs,
      DEFAULT_CONTENT_CADENCE.minIntervalMs,
      'the input is not mutated',
    );
  });
});
