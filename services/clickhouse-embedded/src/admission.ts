// Admission control for engine work: at most `maxRunning` queries run at once (each holds one
// libuv pool thread inside chdb), up to `maxQueued` more wait in arrival order, and anything
// beyond that is refused at once so the caller can answer 503 instead of piling up memory.

export interface AdmissionLimits {
  maxRunning: number;
  maxQueued: number;
}

export class AdmissionRefused extends Error {
  readonly running: number;
  readonly queued: number;

  constructor(running: number, queued: number) {
    super(`${running} queries are running and ${queued} are queued`);
    this.running = running;
    this.queued = queued;
  }
}

interface Waiter {
  grant: (release: () => void) => void;
  reject: (error: unknown) => void;
}

export class Admission {
  readonly #limits: AdmissionLimits;
  readonly #queue: Waiter[] = [];
  #running = 0;

  constructor(limits: AdmissionLimits) {
    this.#limits = limits;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Resolves with a release function once a slot is free; rejects with AdmissionRefused when the queue is full. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#running < this.#limits.maxRunning && this.#queue.length === 0) {
      this.#running++;
      return Promise.resolve(this.#releaser());
    }
    if (this.#queue.length >= this.#limits.maxQueued) return Promise.reject(new AdmissionRefused(this.#running, this.#queue.length));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, reject };
      this.#queue.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const index = this.#queue.indexOf(waiter);
          if (index >= 0) {
            this.#queue.splice(index, 1);
            reject(signal.reason);
          }
        },
        { once: true },
      );
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) next.grant(this.#releaser());
      else this.#running--;
    };
  }
}
