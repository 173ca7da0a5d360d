// Time for the kit. Every wait in the request pipeline (backoff, quota pauses, circuit breaker
// half-open delays) goes through a Clock, so tests move time instead of sleeping. Network
// timeouts are the exception: a hung socket is real time, so undici's own timers bound it.
import { setImmediate as nextMacrotask, setTimeout as realDelay } from 'node:timers/promises';
import type { Clock } from './contracts.ts';

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Wall-clock time and real timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortReason(signal!));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

interface PendingSleep {
  deadline: number;
  order: number;
  resolve: () => void;
}

/**
 * A clock that moves only when a test moves it. `sleep` resolves when `advance`/`set` passes its
 * deadline (timers fire in deadline order, ties in call order). The async helpers yield to the
 * event loop between steps, so code woken by one timer can schedule the next before time moves on.
 */
export class ManualClock implements Clock {
  private current: number;
  private sequence = 0;
  private readonly pending = new Set<PendingSleep>();
  private readonly sleepWaiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(startAt = Date.UTC(2026, 0, 1)) {
    this.current = startAt;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const entry: PendingSleep = {
        deadline: this.current + ms,
        order: this.sequence++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.pending.delete(entry);
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.add(entry);
      this.notifySleepWaiters();
    });
  }

  /** Number of sleeps not yet resolved. */
  get pendingSleeps(): number {
    return this.pending.size;
  }

  /** Deadline of the earliest pending sleep, or null. */
  nextDeadline(): number | null {
    const next = this.earliest();
    return next ? next.deadline : null;
  }

  /** Moves time forward and fires every sleep whose deadline has passed (synchronously). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('ManualClock cannot move backwards');
    this.set(this.current + ms);
  }

  /** Jumps to an absolute time (never backwards) and fires the sleeps that are due. */
  set(epochMs: number): void {
    if (epochMs < this.current) throw new RangeError('ManualClock cannot move backwards');
    this.current = epochMs;
    for (let due = this.earliest(); due && due.deadline <= this.current; due = this.earliest()) {
      this.pending.delete(due);
      due.resolve();
    }
  }

  /** Advances by `ms` in steps, one due timer at a time, letting woken code run in between. */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (let due = this.earliest(); due && due.deadline <= target; due = this.earliest()) {
      this.set(due.deadline);
      await settle();
    }
    this.set(target);
    await settle();
  }

  /** Fires pending sleeps (moving time to each deadline) until none is left; returns the time moved. */
  async runUntilIdle(maxSteps = 10_000): Promise<number> {
    const start = this.current;
    await settle();
    for (let steps = 0; this.pending.size > 0; steps++) {
      if (steps >= maxSteps) throw new Error(`ManualClock.runUntilIdle: still ${this.pending.size} sleeps after ${maxSteps} steps`);
      this.set(this.earliest()!.deadline);
      await settle();
    }
    return this.current - start;
  }

  /**
   * Drives time until `promise` settles: whenever nothing else can make progress it jumps to the
   * next pending sleep; while no sleep is pending (e.g. a socket is busy) it waits for real I/O.
   */
  async runUntilSettled<T>(promise: Promise<T>, maxSteps = 10_000): Promise<T> {
    let settled = false;
    const observed = promise.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    for (let steps = 0; !settled; steps++) {
      if (steps >= maxSteps) throw new Error(`ManualClock.runUntilSettled: not settled after ${maxSteps} steps`);
      await settle();
      if (settled) break;
      const next = this.earliest();
      if (next) this.set(next.deadline);
      else await realDelay(1);
    }
    await observed;
    return promise;
  }

  /** Resolves once at least `count` sleeps are pending (the code under test is waiting). */
  whenSleeping(count = 1): Promise<void> {
    if (this.pending.size >= count) return Promise.resolve();
    return new Promise((resolve) => this.sleepWaiters.push({ count, resolve }));
  }

  private notifySleepWaiters(): void {
    for (let i = this.sleepWaiters.length - 1; i >= 0; i--) {
      const waiter = this.sleepWaiters[i]!;
      if (this.pending.size >= waiter.count) {
        this.sleepWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private earliest(): PendingSleep | undefined {
    let best: PendingSleep | undefined;
    for (const entry of this.pending) {
      if (!best || entry.deadline < best.deadline || (entry.deadline === best.deadline && entry.order < best.order)) best = entry;
    }
    return best;
  }
}

/** Lets promise chains and already-queued I/O callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await nextMacrotask();
}
