import assert from 'node:assert/strict';
import { ManualClock, systemClock } from '../src/clock.ts';

describe('ManualClock', () => {
  it('resolves a sleep only when time passes its deadline, in deadline order', async () => {
    const clock = new ManualClock(1_000);
    const woke: string[] = [];
    const late = clock.sleep(500).then(() => woke.push('late'));
    const early = clock.sleep(100).then(() => woke.push('early'));
    clock.advance(99);
    await Promise.resolve();
    assert.deepEqual(woke, []);
    clock.advance(1);
    await early;
    assert.deepEqual(woke, ['early']);
    assert.equal(clock.pendingSleeps, 1);
    clock.set(1_500);
    await late;
    assert.deepEqual(woke, ['early', 'late']);
    assert.equal(clock.now(), 1_500);
  });

  it('rejects a sleep with the abort reason and forgets it', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort(new Error('stop'));
    await assert.rejects(sleeping, /stop/);
    assert.equal(clock.pendingSleeps, 0);
  });

  it('refuses to move backwards', () => {
    const clock = new ManualClock(10);
    assert.throws(() => clock.set(9), RangeError);
    assert.throws(() => clock.advance(-1), RangeError);
  });

  it('advanceAsync fires sleeps scheduled by code that an earlier sleep woke', async () => {
    const clock = new ManualClock(0);
    const times: number[] = [];
    const chain = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(10);
        times.push(clock.now());
      }
    })();
    await clock.advanceAsync(30);
    await chain;
    assert.deepEqual(times, [10, 20, 30]);
  });

  it('runUntilSettled jumps to each pending deadline until the promise settles', async () => {
    const clock = new ManualClock(0);
    const work = (async () => {
      await clock.sleep(60_000);
      await clock.sleep(3_600_000);
      return clock.now();
    })();
    assert.equal(await clock.runUntilSettled(work), 3_660_000);
  });

  it('runUntilIdle fires every pending sleep and reports the time moved', async () => {
    const clock = new ManualClock(0);
    let done = 0;
    void clock.sleep(5).then(() => done++);
    void clock.sleep(50).then(() => done++);
    assert.equal(await clock.runUntilIdle(), 50);
    assert.equal(done, 2);
  });

  it('whenSleeping resolves once the code under test waits', async () => {
    const clock = new ManualClock(0);
    const waiting = clock.whenSleeping(2);
    void clock.sleep(1);
    let resolved = false;
    void waiting.then(() => (resolved = true));
    await Promise.resolve();
    assert.equal(resolved, false);
    void clock.sleep(2);
    await waiting;
    assert.equal(clock.pendingSleeps, 2);
  });
});

describe('systemClock', () => {
  it('sleeps on real timers and honours an abort', async () => {
    const before = systemClock.now();
    await systemClock.sleep(2);
    assert.ok(systemClock.now() >= before);
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort(new Error('aborted'));
    await assert.rejects(sleeping, /aborted/);
  });
});
