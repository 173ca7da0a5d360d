// The kit's ManualClock with awaitable moves for auth and quota tests: advance()/set() step
// through due sleeps one at a time and let the woken code run before time moves on.
import { ManualClock } from '../../src/clock.ts';
import type { Clock } from '../../src/contracts.ts';

export class TestClock implements Clock {
  readonly manual: ManualClock;

  constructor(start: number | string) {
    this.manual = new ManualClock(typeof start === 'string' ? Date.parse(start) : start);
  }

  now(): number {
    return this.manual.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.manual.sleep(ms, signal);
  }

  advance(ms: number): Promise<void> {
    return this.manual.advanceAsync(ms);
  }

  set(target: number): Promise<void> {
    return this.manual.advanceAsync(target - this.manual.now());
  }
}

/** Lets pending promise continuations run (a few macrotask turns). */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}
