// Content of one account over simulated time: `historyCount` items spread over the `historyMs`
// before the start, then new items arriving at `newPerDay` on average (exponential gaps), generated
// lazily as the clock moves. Publish instants are whole, distinct seconds, newest-first ordering is
// total, and each item's attributes come from its own seeded stream, so the same seed gives the
// same content whatever the order of calls.
import { SeededRandom } from './random.ts';

export interface TimelineOptions {
  /** Labels of this account's streams (seed, platform, account index). */
  labels: (string | number)[];
  startTime: number;
  historyMs: number;
  historyCount: number;
  newPerDay: number;
}

const DAY = 86_400_000;

export class Timeline<T extends { publishedAt: number }> {
  readonly #options: TimelineOptions;
  readonly #make: (random: SeededRandom, index: number, publishedAt: number) => T;
  readonly #arrivals: SeededRandom;
  #items: T[] = [];
  #generatedUntil: number;

  constructor(options: TimelineOptions, make: (random: SeededRandom, index: number, publishedAt: number) => T) {
    this.#options = options;
    this.#make = make;
    this.#arrivals = new SeededRandom(...options.labels, 'arrivals');
    const history = new SeededRandom(...options.labels, 'history');
    const startSecond = Math.floor(options.startTime / 1000);
    const seconds = new Set<number>();
    while (seconds.size < options.historyCount) seconds.add(startSecond - 1 - Math.floor(history.next() * (options.historyMs / 1000)));
    for (const second of [...seconds].sort((a, b) => a - b)) this.#push(second * 1000);
    this.#generatedUntil = startSecond * 1000;
  }

  /** Items published at or before `time`, oldest first. */
  publishedBy(time: number): T[] {
    this.#generate(time);
    return this.#items.filter((item) => item.publishedAt <= time);
  }

  /** Items published in (from, to]. */
  publishedBetween(from: number, to: number): T[] {
    this.#generate(to);
    return this.#items.filter((item) => item.publishedAt > from && item.publishedAt <= to);
  }

  #push(publishedAt: number): void {
    const index = this.#items.length;
    this.#items.push(this.#make(new SeededRandom(...this.#options.labels, 'item', index), index, publishedAt));
  }

  #generate(until: number): void {
    if (this.#options.newPerDay <= 0) return;
    while (this.#generatedUntil < until) {
      const gap = Math.max(1000, Math.round(this.#arrivals.exponential(DAY / this.#options.newPerDay) / 1000) * 1000);
      this.#generatedUntil += gap;
      this.#push(this.#generatedUntil);
    }
  }
}
