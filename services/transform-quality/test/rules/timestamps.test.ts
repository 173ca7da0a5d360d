// Unit readings of timestamps (seconds, microseconds, nanoseconds) and the launch dates.
import assert from 'node:assert/strict';
import { PLATFORM_LAUNCH_MS, unitSuspicion } from '../../src/index.ts';

const COLLECTED = Date.UTC(2026, 10, 23, 10);

describe('timestamp units', () => {
  it('accepts milliseconds between 2003 and the ceiling', () => {
    assert.equal(unitSuspicion(Date.UTC(2020, 0, 1), COLLECTED), undefined);
    assert.equal(unitSuspicion(COLLECTED, COLLECTED), undefined);
  });

  it('reads seconds, microseconds and nanoseconds of a plausible time', () => {
    const ms = Date.UTC(2025, 5, 1);
    assert.equal(unitSuspicion(ms / 1000, COLLECTED), 'seconds');
    assert.equal(unitSuspicion(ms * 1000, COLLECTED), 'microseconds');
    assert.equal(unitSuspicion(ms * 1_000_000, COLLECTED), 'nanoseconds');
  });

  it('gives no reading for times that are wrong in another way (0, negative, the far future in milliseconds)', () => {
    assert.equal(unitSuspicion(0, COLLECTED), undefined);
    assert.equal(unitSuspicion(-1, COLLECTED), undefined);
    assert.equal(unitSuspicion(COLLECTED + 86_400_000, COLLECTED), undefined, 'a day late is "in the future", not a unit bug');
  });

  it('knows when each platform started, earliest first', () => {
    assert.ok(PLATFORM_LAUNCH_MS.YOUTUBE < PLATFORM_LAUNCH_MS.INSTAGRAM && PLATFORM_LAUNCH_MS.INSTAGRAM < PLATFORM_LAUNCH_MS.TIKTOK);
    for (const launch of Object.values(PLATFORM_LAUNCH_MS)) assert.ok(launch >= PLATFORM_LAUNCH_MS.UNKNOWN);
  });
});
