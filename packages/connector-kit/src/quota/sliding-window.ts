// At most `limit` requests in any `windowMs` (TikTok: 600 per 1-minute sliding window per
// endpoint, platform-apis.md §3). An exact sliding log: each admitted call's time is kept until
// it leaves the window, so the limit holds for every window, not only aligned ones. A call
// admitted at t counts while now < t + windowMs.
import type { QuotaCall } from '../contracts.ts';
import type { AttachedQuotaPolicy, QuotaPolicy, QuotaScopeHealth } from './ledger.ts';

export interface SlidingWindowOptions {
  limit: number;
  windowMs: number;
  /** Which calls share a window: each endpoint, each endpoint per credential, or the whole app. */
  per: 'endpoint' | 'credential-endpoint' | 'app';
  /** Only these endpoints are counted (all when omitted). */
  endpoints?: readonly string[];
}

interface Log {
  times: number[];
  head: number;
}

export function slidingWindowPolicy(options: SlidingWindowOptions): QuotaPolicy {
  const { limit, windowMs } = options;
  if (!Number.isSafeInteger(limit) || limit <= 0 || !(windowMs > 0))
    throw new RangeError('slidingWindowPolicy needs a positive limit and windowMs');
  const endpoints = options.endpoints === undefined ? null : new Set(options.endpoints);
  return {
    name: 'sliding-window',
    attach({ prefix }): AttachedQuotaPolicy {
      const logs = new Map<string, Log>();
      const scopeOf = (call: QuotaCall): string | null => {
        if (endpoints !== null && !endpoints.has(call.endpoint)) return null;
        if (options.per === 'app') return `${prefix}:app`;
        if (options.per === 'endpoint') return `${prefix}:${call.endpoint}`;
        return `${prefix}:${call.endpoint}|${call.credential ?? 'app'}`;
      };
      const prune = (log: Log, now: number) => {
        while (log.head < log.times.length && log.times[log.head]! + windowMs <= now) log.head++;
        if (log.head > 1024 && log.head * 2 > log.times.length) {
          log.times.splice(0, log.head);
          log.head = 0;
        }
        return log.times.length - log.head;
      };
      return {
        scopes: (call) => {
          const scope = scopeOf(call);
          return scope === null ? [] : [scope];
        },
        check(call, now) {
          const scope = scopeOf(call);
          const log = scope === null ? undefined : logs.get(scope);
          if (scope === null || log === undefined) return null;
          const used = prune(log, now);
          if (used < limit) return null;
          // The call fits once enough of the oldest entries have left the window.
          return { scope, until: log.times[log.head + used - limit]! + windowMs };
        },
        reserve(call, now) {
          const scope = scopeOf(call);
          if (scope === null) return;
          let log = logs.get(scope);
          if (log === undefined) logs.set(scope, (log = { times: [], head: 0 }));
          log.times.push(now);
        },
        observe: () => undefined,
        health(now) {
          return [...logs].map(([scope, log]): QuotaScopeHealth => {
            const used = prune(log, now);
            return { scope, used, limit, resetsAt: used === 0 ? null : log.times[log.head]! + windowMs, pausedUntil: null };
          });
        },
      };
    },
  };
}
