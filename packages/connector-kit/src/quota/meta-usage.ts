// Meta Graph API budgets, driven by Meta's own usage headers (platform-apis.md §1):
//   X-App-Usage: {"call_count":N,"total_cputime":N,"total_time":N}, integer percentages of the
//     app's rolling-hour budget → scope `<platform>:app-usage`, blocks every call.
//   X-Business-Use-Case-Usage: {"<business id>":[{type, call_count, total_cputime, total_time,
//     estimated_time_to_regain_access (minutes)}]} → scope `<platform>:buc:<id>`, blocks the calls
//     of the credentials whose responses named that business id.
// At or above pauseAtPercent the scope pauses until estimated_time_to_regain_access (or a
// doubling backoff when that is 0) — before Meta starts refusing. Throttle errors pause too:
// 4 (app) → app-usage; 17 (user), 32 (page), 613 (custom) → the credential; 80000-series (BUC)
// → the credential's business ids. The headers are absent at low volume: no header, no pause.
import type { QuotaCall } from '../contracts.ts';
import type { AttachedQuotaPolicy, QuotaPolicy, QuotaScopeHealth } from './ledger.ts';

export interface MetaUsageOptions {
  pauseAtPercent?: number;
  /** Pause when usage is over the threshold but Meta gives no time to regain access; doubles while it stays over. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

const APP_THROTTLE_CODES = new Set(['4']);
const CREDENTIAL_THROTTLE_CODES = new Set(['17', '32', '613']);
const isBusinessThrottleCode = (code: string) => /^800\d\d$/.test(code);

interface UsageEntry {
  type?: unknown;
  call_count?: unknown;
  total_cputime?: unknown;
  total_time?: unknown;
  estimated_time_to_regain_access?: unknown;
}

function percentOf(entry: UsageEntry): number {
  return Math.max(
    ...[entry.call_count, entry.total_cputime, entry.total_time].map((value) =>
      typeof value === 'number' && Number.isFinite(value) ? value : 0,
    ),
  );
}

function parseJsonHeader(value: string | undefined): unknown {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined; // a garbled header is treated as absent
  }
}

export function metaUsagePolicy(options: MetaUsageOptions = {}): QuotaPolicy {
  const pauseAtPercent = options.pauseAtPercent ?? 95;
  const backoffMs = options.backoffMs ?? 60_000;
  const maxBackoffMs = options.maxBackoffMs ?? 15 * 60_000;
  return {
    name: 'meta-usage',
    attach({ prefix, pauses }): AttachedQuotaPolicy {
      const appScope = `${prefix}:app-usage`;
      const usage = new Map<string, number>(); // scope → last reported percent
      const overCount = new Map<string, number>(); // scope → consecutive over-threshold reports without a time
      const throttledScopes = new Set<string>(); // scopes paused by an error code, for health()
      const businessesOf = new Map<string, Set<string>>(); // credential → business ids seen in its responses
      const credentialScope = (call: QuotaCall) => `${prefix}:user:${call.credential ?? 'app'}`;
      const businessScopes = (call: QuotaCall) =>
        [...(businessesOf.get(call.credential ?? 'app') ?? [])].map((id) => `${prefix}:buc:${id}`);

      const backoff = (scope: string): number => {
        const count = (overCount.get(scope) ?? 0) + 1;
        overCount.set(scope, count);
        return Math.min(maxBackoffMs, backoffMs * 2 ** (count - 1));
      };
      const report = (scope: string, percent: number, regainMs: number, now: number, reason: string) => {
        usage.set(scope, percent);
        if (regainMs > 0) {
          pauses.pause(scope, now + regainMs, reason, now);
        } else if (percent >= pauseAtPercent) {
          pauses.pause(scope, now + backoff(scope), reason, now);
        } else {
          overCount.delete(scope);
        }
      };

      return {
        scopes: (call) => [appScope, credentialScope(call), ...businessScopes(call)],
        check(call, now) {
          for (const scope of [appScope, credentialScope(call), ...businessScopes(call)]) {
            const until = pauses.pausedUntil(scope, now);
            if (until !== null) return { scope, until };
          }
          return null;
        },
        reserve: () => undefined,
        observe(call, { headers, verdict }, now) {
          const app = parseJsonHeader(headers['x-app-usage']);
          if (typeof app === 'object' && app !== null) {
            const percent = percentOf(app as UsageEntry);
            report(appScope, percent, 0, now, `X-App-Usage at ${percent}%`);
          }
          const buc = parseJsonHeader(headers['x-business-use-case-usage']);
          if (typeof buc === 'object' && buc !== null) {
            for (const [businessId, entries] of Object.entries(buc as Record<string, unknown>)) {
              if (!Array.isArray(entries)) continue;
              const credential = call.credential ?? 'app';
              let known = businessesOf.get(credential);
              if (known === undefined) businessesOf.set(credential, (known = new Set()));
              known.add(businessId);
              const typed = entries as UsageEntry[];
              const percent = Math.max(0, ...typed.map(percentOf));
              const regainMinutes = Math.max(
                0,
                ...typed.map((entry) =>
                  typeof entry.estimated_time_to_regain_access === 'number' ? entry.estimated_time_to_regain_access : 0,
                ),
              );
              report(`${prefix}:buc:${businessId}`, percent, regainMinutes * 60_000, now, `X-Business-Use-Case-Usage at ${percent}%`);
            }
          }
          if (verdict?.kind !== 'throttled') return;
          const targets = APP_THROTTLE_CODES.has(verdict.code)
            ? [appScope]
            : CREDENTIAL_THROTTLE_CODES.has(verdict.code)
              ? [credentialScope(call)]
              : isBusinessThrottleCode(verdict.code)
                ? businessScopes(call).length > 0
                  ? businessScopes(call)
                  : [credentialScope(call)]
                : [];
          for (const scope of targets) {
            const until = now + (verdict.retryAfterMs ?? backoff(scope));
            throttledScopes.add(scope);
            pauses.pause(scope, until, `throttled: code ${verdict.code}`, now);
          }
        },
        health(now) {
          const entries: QuotaScopeHealth[] = [];
          for (const scope of new Set([...usage.keys(), ...throttledScopes])) {
            const pausedUntil = pauses.pausedUntil(scope, now);
            if (pausedUntil === null && !usage.has(scope)) {
              throttledScopes.delete(scope);
              continue;
            }
            entries.push({ scope, used: usage.get(scope) ?? 100, limit: 100, resetsAt: null, pausedUntil });
          }
          return entries;
        },
      };
    },
  };
}
