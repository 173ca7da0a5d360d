// A daily budget of units that resets at midnight in a time zone (YouTube Data API: 10,000
// units per Cloud project, reset at midnight Pacific, DST-aware; list reads cost 1, captions.list
// 50 — platform-apis.md §2). Units are reserved before the call; a `quota-exhausted` verdict
// (403 quotaExceeded) marks the budget spent until its resumeAt (else the next reset) even when
// the local count says otherwise — the platform's count wins.
import type { QuotaCall } from '../contracts.ts';
import type { AttachedQuotaPolicy, QuotaPolicy } from './ledger.ts';
import { startOfNextDay } from './time-zone.ts';

export interface DailyUnitsOptions {
  limit: number;
  /** IANA zone whose midnight resets the budget. */
  timeZone?: string;
  /** Units per endpoint (the platform's price list); other endpoints cost the call's own `cost`. */
  costs?: Readonly<Record<string, number>>;
  /** Only these endpoints draw on this budget (YouTube's separate search.list bucket); all when omitted. */
  endpoints?: readonly string[];
  /** Scope name after the platform prefix; default `daily-units`. */
  scope?: string;
}

export function dailyUnitsPolicy(options: DailyUnitsOptions): QuotaPolicy {
  const { limit } = options;
  const timeZone = options.timeZone ?? 'America/Los_Angeles';
  startOfNextDay(0, timeZone); // throws RangeError for an unknown zone, at configuration time
  const endpoints = options.endpoints === undefined ? null : new Set(options.endpoints);
  return {
    name: 'daily-units',
    attach({ prefix, pauses, logger }): AttachedQuotaPolicy {
      const scope = `${prefix}:${options.scope ?? 'daily-units'}`;
      let used = 0;
      let resetsAt: number | null = null;
      let spentLogged = false;
      const applies = (call: QuotaCall) => endpoints === null || endpoints.has(call.endpoint);
      const costOf = (call: QuotaCall) => options.costs?.[call.endpoint] ?? call.cost;
      const roll = (now: number): number => {
        if (resetsAt === null || now >= resetsAt) {
          if (spentLogged) logger.info({ scope }, 'Quota budget reset');
          spentLogged = false;
          used = 0;
          resetsAt = startOfNextDay(now, timeZone);
        }
        return resetsAt;
      };
      return {
        scopes: (call) => (applies(call) ? [scope] : []),
        refuse: (call) => (applies(call) && costOf(call) > limit ? `it costs ${costOf(call)} units of a ${limit}-unit daily budget` : null),
        check(call, now) {
          if (!applies(call)) return null;
          const reset = roll(now);
          const pausedUntil = pauses.pausedUntil(scope, now);
          if (pausedUntil !== null) return { scope, until: pausedUntil };
          if (used + costOf(call) <= limit) return null;
          if (!spentLogged) {
            spentLogged = true;
            logger.info({ scope, used, limit, resetsAt: new Date(reset).toISOString() }, 'Quota budget spent; calls wait for the reset');
          }
          return { scope, until: reset };
        },
        reserve(call, now) {
          if (!applies(call)) return;
          roll(now);
          used += costOf(call);
        },
        observe(call, outcome, now) {
          const verdict = outcome.verdict;
          if (!applies(call) || verdict?.kind !== 'quota-exhausted') return;
          const reset = roll(now);
          used = Math.max(used, limit);
          const until = verdict.resumeAt ?? (verdict.retryAfterMs === undefined ? reset : now + verdict.retryAfterMs);
          pauses.pause(scope, until, `quota exhausted: ${verdict.code}`, now);
        },
        health(now) {
          const reset = roll(now);
          return [{ scope, used, limit, resetsAt: reset, pausedUntil: pauses.pausedUntil(scope, now) }];
        },
      };
    },
  };
}
