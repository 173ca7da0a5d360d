// Seeded randomness: every generated value comes from a stream derived from (seed, labels), so the
// same seed gives the same accounts, posts and captions regardless of the order of API calls.
// mulberry32: 32-bit state, good enough for test data, tiny and dependency-free.

/** FNV-1a over the labels' text: a 32-bit stream seed. */
function hashLabels(labels: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const char of labels.join('\u0000')) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export class SeededRandom {
  #state: number;

  constructor(...labels: (string | number)[]) {
    this.#state = hashLabels(labels);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  float(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('pick() from an empty list');
    return item;
  }

  /** Exponentially distributed with the given mean (inter-arrival times). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** `length` decimal digits, first digit from `firstDigits` (ids longer than 2^53 stay exact as strings). */
  digits(length: number, firstDigits = '123456789'): string {
    let text = firstDigits[Math.floor(this.next() * firstDigits.length)] ?? '1';
    while (text.length < length) text += String(Math.floor(this.next() * 10));
    return text;
  }

  /** Characters from an alphabet (tokens, YouTube ids). */
  string(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
    let text = '';
    for (let i = 0; i < length; i++) text += alphabet[Math.floor(this.next() * alphabet.length)];
    return text;
  }
}
