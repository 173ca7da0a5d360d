// Fault knobs, settable at runtime (programmatic API and POST /_sim/faults). A fault targets one
// platform and optionally one endpoint, and fires for its next `count` matching responses
// (default: until cleared). Three stages consume them:
//   before the handler  throttle, server-error, hang, delay
//   inside a page       repeat-cursor, empty-page, huge-page (only list endpoints ask)
//   on the 2xx body     malformed-json, html-200, wrong-content-type, nan-number, duplicate-keys,
//                       millisecond-timestamps
// expire-token is an action, not a response shape: it expires the matching access tokens at once.
import type { PlatformName } from './platforms.ts';

export const FAULT_KINDS = [
  'throttle',
  'server-error',
  'hang',
  'delay',
  'expire-token',
  'repeat-cursor',
  'empty-page',
  'huge-page',
  'malformed-json',
  'html-200',
  'wrong-content-type',
  'nan-number',
  'duplicate-keys',
  'millisecond-timestamps',
  'future-timestamps',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const BEFORE_HANDLER_FAULTS: readonly FaultKind[] = ['throttle', 'server-error', 'hang', 'delay'];
export const PAGE_FAULTS: readonly FaultKind[] = ['repeat-cursor', 'empty-page', 'huge-page'];
export const BODY_FAULTS: readonly FaultKind[] = [
  'malformed-json',
  'html-200',
  'wrong-content-type',
  'nan-number',
  'duplicate-keys',
  'millisecond-timestamps',
  'future-timestamps',
];

export interface FaultSpec {
  platform: PlatformName;
  kind: FaultKind;
  /** Endpoint name (`video.list`, `media`, `videos.list`, …); absent or `*`: every endpoint of the platform. */
  endpoint?: string;
  /** Responses affected; absent: until cleared. A burst of N is `count: N`. */
  count?: number;
  /** throttle: send `Retry-After: <seconds>`. */
  retryAfterSeconds?: number;
  /** throttle (Instagram): send usage headers at 100 % with estimated_time_to_regain_access. */
  usageHeaders?: boolean;
  /** throttle (Instagram): Graph error code (4 app, 17 user, 32 page, 613 custom, 80002 BUC); default 4. */
  code?: number;
  /** server-error: HTTP status (default 500; 502/503 for gateway faults). */
  status?: number;
  /** delay: wall-clock milliseconds before answering. */
  delayMs?: number;
  /** huge-page: most items in the page (the page limit is ignored); default 1000. */
  items?: number;
  /** huge-page: pad the JSON body with whitespace to at least this many bytes; default 8 MiB. */
  bytes?: number;
  /** expire-token: only this account's tokens (TikTok open_id, IG user id, YouTube channel id). */
  account?: string;
}

export interface ActiveFault extends FaultSpec {
  id: string;
  /** Uses left; Infinity until cleared. */
  remaining: number;
  applied: number;
}

export type ExpireTokens = (platform: PlatformName, account: string | undefined) => number;

export class FaultBoard {
  #faults: ActiveFault[] = [];
  #nextId = 1;
  readonly #expireTokens: ExpireTokens;

  constructor(expireTokens: ExpireTokens) {
    this.#expireTokens = expireTokens;
  }

  set(spec: FaultSpec): ActiveFault {
    if (!(FAULT_KINDS as readonly string[]).includes(spec.kind)) throw new RangeError(`Unknown fault kind ${String(spec.kind)}.`);
    const fault: ActiveFault = { ...spec, id: `fault-${this.#nextId++}`, remaining: spec.count ?? Infinity, applied: 0 };
    if (spec.kind === 'expire-token') {
      fault.applied = this.#expireTokens(spec.platform, spec.account);
      fault.remaining = 0;
      return fault;
    }
    this.#faults.push(fault);
    return fault;
  }

  /** Clears one fault by id, or every fault (of one platform). Returns how many were cleared. */
  clear(filter: { id?: string; platform?: PlatformName } = {}): number {
    const before = this.#faults.length;
    this.#faults = this.#faults.filter(
      (f) => !((filter.id === undefined || f.id === filter.id) && (filter.platform === undefined || f.platform === filter.platform)),
    );
    return before - this.#faults.length;
  }

  list(): ActiveFault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  /** Consumes one use of the oldest fault matching the platform, endpoint and one of `kinds`. */
  take(platform: PlatformName, endpoint: string, kinds: readonly FaultKind[]): ActiveFault | null {
    const fault = this.#faults.find(
      (f) =>
        f.platform === platform && (f.endpoint === undefined || f.endpoint === '*' || f.endpoint === endpoint) && kinds.includes(f.kind),
    );
    if (!fault) return null;
    fault.remaining -= 1;
    fault.applied += 1;
    if (fault.remaining <= 0) this.#faults = this.#faults.filter((f) => f !== fault);
    return { ...fault };
  }
}
