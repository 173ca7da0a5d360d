// Which deliveries this process has already persisted, so a platform retry or an attacker's replay
// inside the TTL is acknowledged without being persisted or processed again. Per process and in
// memory: after a restart, or on another replica, a duplicate is persisted again and absorbed
// downstream by its deterministic event_id (docs/adr/0013, 0020).

export interface ReplayCache {
  /** True when `key` was remembered less than the TTL ago. */
  has(key: string): boolean;
  remember(key: string): void;
  readonly size: number;
}

/** Bounded, with a TTL: when full the oldest entry goes first (Map insertion order); a hit does not extend the TTL, which counts from the persist. */
export function createReplayCache(options: { maxEntries: number; ttlMs: number; now: () => number }): ReplayCache {
  const expiries = new Map<string, number>();
  const evictExpired = (now: number): void => {
    for (const [key, expiresAt] of expiries) {
      if (expiresAt > now) break; // entries are in insertion order with one TTL, so the rest are younger
      expiries.delete(key);
    }
  };
  return {
    has(key) {
      const now = options.now();
      evictExpired(now);
      const expiresAt = expiries.get(key);
      return expiresAt !== undefined && expiresAt > now;
    },
    remember(key) {
      const now = options.now();
      evictExpired(now);
      expiries.delete(key);
      expiries.set(key, now + options.ttlMs);
      while (expiries.size > options.maxEntries) expiries.delete(expiries.keys().next().value!);
    },
    get size() {
      return expiries.size;
    },
  };
}
