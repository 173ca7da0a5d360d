// A controllable Clock for auth and quota tests (until src/clock.ts's ManualClock is used):
// time moves only through advance()/set(); sleepers wake in deadline order.
import type { Clock } from '../../src/contracts.ts';

interface Sleeper {
  wakeAt: number;
  resolve: () => void;
}

export class TestClock implements Clock {
  private time: number;
  private sleepers: Sleeper[] = [];
  /** Every sleep() duration requested, in order (to assert backoff without real waiting). */
  readonly sleeps: number[] = [];
  /** When set, sleep() moves time forward itself and resolves at once (for code that only backs off). */
  autoAdvance = false;

  constructor(start: number | string) {
    this.time = typeof start === 'string' ? Date.parse(start) : start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.autoAdvance) {
      this.time += Math.max(0, ms);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = { wakeAt: this.time + Math.max(0, ms), resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((other) => other !== sleeper);
          reject(signal.reason as Error);
        },
        { once: true },
      );
    });
  }

  /** Moves time forward by `ms`, waking sleepers in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    await this.set(this.time + ms);
  }

  async set(target: number): Promise<void> {
    for (;;) {
      await settle();
      const next = this.sleepers.filter((sleeper) => sleeper.wakeAt <= target).sort((a, b) => a.wakeAt - b.wakeAt)[0];
      if (next === undefined) break;
      this.time = Math.max(this.time, next.wakeAt);
      this.sleepers = this.sleepers.filter((sleeper) => sleeper !== next);
      next.resolve();
    }
    this.time = target;
    await settle();
  }

  pendingSleeps(): number {
    return this.sleepers.length;
  }
}

/** Lets pending promise continuations run (a few macrotask turns). */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}
