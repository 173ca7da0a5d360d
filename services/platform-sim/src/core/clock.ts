// Simulated time. now() = the anchored simulated instant + wall time elapsed since the anchor ×
// speed (speed 0 freezes time: tests move it with advance/setTime). Timers are scheduled in
// simulated time; advance() fires due timers in order, with now() set to each timer's instant, so
// a webhook retry schedule of hours runs in one call. The shape is compatible with the connector
// kit's Clock (now, sleep).

export interface SimClockOptions {
  /** Simulated epoch milliseconds at start. */
  startTime: number;
  /** Simulated milliseconds per wall millisecond; 0 freezes the clock between advances. */
  speed: number;
  /** Wall-clock ticker period that fires due timers while speed > 0. */
  tickMs?: number;
}

interface Timer {
  id: number;
  at: number;
  run: () => void | Promise<void>;
}

export class SimClock {
  #anchorSim: number;
  #anchorWall: number;
  #speed: number;
  #timers: Timer[] = [];
  #nextId = 1;
  #running: Promise<void> | null = null;
  #ticker: NodeJS.Timeout | null = null;

  constructor(options: SimClockOptions) {
    this.#anchorSim = options.startTime;
    this.#anchorWall = performance.now();
    this.#speed = options.speed;
    if (options.speed > 0) {
      this.#ticker = setInterval(() => void this.#runDue(this.now()), options.tickMs ?? 200);
      this.#ticker.unref();
    }
  }

  now(): number {
    return Math.floor(this.#anchorSim + (performance.now() - this.#anchorWall) * this.#speed);
  }

  get speed(): number {
    return this.#speed;
  }

  /** Moves simulated time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    if (ms < 0) throw new RangeError('advance(ms) needs ms >= 0; use setTime to go back.');
    await this.setTime(this.now() + ms);
  }

  /** Jumps to simulated instant `time`. Forward jumps fire due timers in order; backward jumps fire none. */
  async setTime(time: number): Promise<void> {
    await this.#runDue(time);
    this.#anchor(time);
  }

  /** Runs `run` when simulated time reaches `at`. Returns a cancel function. */
  schedule(at: number, run: () => void | Promise<void>): () => void {
    const timer: Timer = { id: this.#nextId++, at, run };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Kit-compatible sleep in simulated time. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const cancel = this.schedule(this.now() + ms, resolve);
      signal?.addEventListener('abort', () => {
        cancel();
        reject(signal.reason as Error);
      });
    });
  }

  pendingTimers(): number {
    return this.#timers.length;
  }

  close(): void {
    if (this.#ticker) clearInterval(this.#ticker);
    this.#timers = [];
  }

  #anchor(time: number): void {
    this.#anchorSim = time;
    this.#anchorWall = performance.now();
  }

  async #runDue(target: number): Promise<void> {
    // One runner at a time: the wall ticker and an explicit advance must not interleave timers.
    while (this.#running) await this.#running;
    const run = (async () => {
      for (;;) {
        const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
        if (!due) break;
        this.#timers = this.#timers.filter((t) => t !== due);
        if (due.at > this.now()) this.#anchor(due.at);
        await due.run();
      }
    })();
    this.#running = run;
    try {
      await run;
    } finally {
      this.#running = null;
    }
  }
}
