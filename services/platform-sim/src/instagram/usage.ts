// Meta rate-limit accounting. Platform limit: app calls per rolling hour → X-App-Usage
// {"call_count","total_cputime","total_time"} as integer percentages. Business Use Case limit (IG
// tokens): calls per account per rolling 24 h → X-Business-Use-Case-Usage {"<ig-user-id>":
// [{type:"instagram",call_count,total_cputime,total_time,estimated_time_to_regain_access}]}.
// Headers appear only once usage reaches usageHeaderMinPercent; at 100 % calls fail (code 4 / BUC code).
import type { InstagramKnobs } from '../knobs.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface UsageVerdict {
  headers: Record<string, string>;
  /** Throttled by the app budget (code 4) or the account's BUC budget. */
  throttledBy: 'app' | 'buc' | null;
}

export class MetaUsage {
  #appCalls: number[] = [];
  #bucCalls = new Map<string, number[]>();

  /** Counts one call (throttled calls count too) and reports the resulting usage. */
  record(accountId: string | null, now: number, knobs: InstagramKnobs): UsageVerdict {
    this.#appCalls = this.#appCalls.filter((at) => at > now - HOUR);
    this.#appCalls.push(now);
    const appPercent = Math.floor((this.#appCalls.length * 100) / knobs.appCallsPerHour);
    const headers: Record<string, string> = {};
    if (appPercent >= knobs.usageHeaderMinPercent) headers['x-app-usage'] = JSON.stringify(percentages(appPercent));
    let throttledBy: UsageVerdict['throttledBy'] = appPercent > 100 ? 'app' : null;
    if (accountId !== null) {
      const calls = (this.#bucCalls.get(accountId) ?? []).filter((at) => at > now - DAY);
      calls.push(now);
      this.#bucCalls.set(accountId, calls);
      const bucPercent = Math.floor((calls.length * 100) / knobs.bucCallsPerDay);
      if (bucPercent >= knobs.usageHeaderMinPercent) {
        // Minutes until enough of the window has rolled off to fall back under 100 %.
        const excess = calls.length - knobs.bucCallsPerDay;
        const regainAt = excess > 0 ? (calls[excess - 1] ?? now) + DAY : now;
        headers['x-business-use-case-usage'] = JSON.stringify({
          [accountId]: [
            { type: 'instagram', ...percentages(bucPercent), estimated_time_to_regain_access: Math.ceil((regainAt - now) / 60_000) },
          ],
        });
      }
      if (bucPercent > 100 && throttledBy === null) throttledBy = 'buc';
    }
    return { headers, throttledBy };
  }

  /** Headers at 100 % for a throttle fault with usage headers. */
  static saturated(accountId: string | null, regainMinutes: number): Record<string, string> {
    const headers: Record<string, string> = { 'x-app-usage': JSON.stringify(percentages(100)) };
    if (accountId !== null)
      headers['x-business-use-case-usage'] = JSON.stringify({
        [accountId]: [{ type: 'instagram', ...percentages(100), estimated_time_to_regain_access: regainMinutes }],
      });
    return headers;
  }
}

function percentages(callPercent: number): { call_count: number; total_cputime: number; total_time: number } {
  const capped = Math.min(100, callPercent);
  return { call_count: capped, total_cputime: Math.floor(capped / 2), total_time: Math.floor((capped * 7) / 10) };
}
