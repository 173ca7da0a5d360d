import assert from 'node:assert/strict';
import { SimClock } from '../../src/core/clock.ts';
import { nextZonedMidnight, startOfZonedDay, zonedDate } from '../../src/youtube/quota.ts';

describe('SimClock', () => {
  it('is frozen at speed 0 and fires due timers in order, each at its own instant', async () => {
    const clock = new SimClock({ startTime: 1_000, speed: 0 });
    const fired: [string, number][] = [];
    clock.schedule(3_000, () => {
      fired.push(['b', clock.now()]);
    });
    clock.schedule(2_000, () => {
      fired.push(['a', clock.now()]);
      clock.schedule(2_500, () => {
        fired.push(['a2', clock.now()]);
      });
    });
    clock.schedule(9_000, () => {
      fired.push(['late', clock.now()]);
    });
    assert.equal(clock.now(), 1_000);
    await clock.advance(2_500);
    assert.deepEqual(fired, [
      ['a', 2_000],
      ['a2', 2_500],
      ['b', 3_000],
    ]);
    assert.equal(clock.now(), 3_500);
    assert.equal(clock.pendingTimers(), 1);
    await clock.setTime(100);
    assert.equal(fired.length, 3, 'going back fires nothing');
    clock.close();
  });

  it('sleep resolves in simulated time', async () => {
    const clock = new SimClock({ startTime: 0, speed: 0 });
    let done = false;
    const sleeping = clock.sleep(500).then(() => (done = true));
    await clock.advance(499);
    assert.equal(done, false);
    await clock.advance(1);
    await sleeping;
    assert.equal(done, true);
    clock.close();
  });
});

describe('Pacific calendar days', () => {
  const zone = 'America/Los_Angeles';
  it('finds midnight in PST and PDT, and across the November DST change', () => {
    assert.equal(startOfZonedDay('2026-11-21', zone), Date.parse('2026-11-21T08:00:00Z'));
    assert.equal(startOfZonedDay('2026-07-04', zone), Date.parse('2026-07-04T07:00:00Z'));
    // DST ends 1 Nov 2026 at 02:00 PDT: that day is 25 hours long.
    assert.equal(nextZonedMidnight(Date.parse('2026-11-01T12:00:00Z'), zone), Date.parse('2026-11-02T08:00:00Z'));
    assert.equal(nextZonedMidnight(Date.parse('2026-10-31T12:00:00Z'), zone), Date.parse('2026-11-01T07:00:00Z'));
    assert.equal(zonedDate(Date.parse('2026-11-21T07:59:59Z'), zone), '2026-11-20');
  });
});
