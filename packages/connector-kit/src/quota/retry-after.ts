// Pauses an endpoint for one credential when the platform throttles it: until the verdict's
// retryAfterMs (the classifier's reading of Retry-After), else the Retry-After header itself
// (seconds or an HTTP-date), else exponential backoff for consecutive throttles (a TikTok 429
// carries no headers). A quota-exhausted verdict with a resume time pauses the same way. The
// backoff resets at the first response that is not throttled.
import type { QuotaCall } from '../contracts.ts';
import type { AttachedQuotaPolicy, QuotaPolicy, QuotaScopeHealth } from './ledger.ts';

export interface RetryAfterOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Milliseconds to wait from a Retry-After value (delta seconds or HTTP-date); null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function retryAfterPolicy(options: RetryAfterOptions = {}): QuotaPolicy {
  const initialBackoffMs = options.initialBackoffMs ?? 1_000;
  const maxBackoffMs = options.maxBackoffMs ?? 300_000;
  return {
    name: 'retry-after',
    attach({ prefix, pauses }): AttachedQuotaPolicy {
      const consecutive = new Map<string, number>();
      const scopeOf = (call: QuotaCall) => `${prefix}:throttle:${call.endpoint}|${call.credential ?? 'app'}`;
      return {
        scopes: (call) => [scopeOf(call)],
        check(call, now) {
          const scope = scopeOf(call);
          const until = pauses.pausedUntil(scope, now);
          return until === null ? null : { scope, until };
        },
        reserve: () => undefined,
        observe(call, { status, headers, verdict }, now) {
          const scope = scopeOf(call);
          const throttled = verdict?.kind === 'throttled' || (verdict === null && status === 429);
          if (verdict?.kind === 'quota-exhausted' && (verdict.resumeAt !== undefined || verdict.retryAfterMs !== undefined)) {
            pauses.pause(scope, verdict.resumeAt ?? now + verdict.retryAfterMs!, `quota exhausted: ${verdict.code}`, now);
            return;
          }
          if (!throttled) {
            if (status < 400) consecutive.delete(scope);
            return;
          }
          const count = (consecutive.get(scope) ?? 0) + 1;
          consecutive.set(scope, count);
          const waitMs =
            verdict?.retryAfterMs ??
            parseRetryAfter(headers['retry-after'], now) ??
            Math.min(maxBackoffMs, initialBackoffMs * 2 ** (count - 1));
          pauses.pause(scope, now + waitMs, `throttled: ${verdict?.code ?? `HTTP ${status}`}`, now);
        },
        health(now) {
          const entries: QuotaScopeHealth[] = [];
          for (const [scope, count] of consecutive) {
            const pausedUntil = pauses.pausedUntil(scope, now);
            if (pausedUntil !== null) entries.push({ scope, used: count, limit: 0, resetsAt: null, pausedUntil });
          }
          return entries;
        },
      };
    },
  };
}
