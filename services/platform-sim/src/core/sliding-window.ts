// Requests per sliding window, per key (TikTok: 600 per minute per endpoint), on simulated time.
export class SlidingWindowLimiter {
  readonly #windowMs: number;
  #hits = new Map<string, number[]>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Records a hit at `now` if fewer than `limit` hits fall in the window; false when over the limit. */
  tryHit(key: string, now: number, limit: number): boolean {
    const hits = (this.#hits.get(key) ?? []).filter((at) => at > now - this.#windowMs);
    const allowed = hits.length < limit;
    if (allowed) hits.push(now);
    this.#hits.set(key, hits);
    return allowed;
  }

  count(key: string, now: number): number {
    return (this.#hits.get(key) ?? []).filter((at) => at > now - this.#windowMs).length;
  }
}
