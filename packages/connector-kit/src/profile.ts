// What a source declares about its platform, so the request pipeline needs no per-platform code:
// where the API lives, how the token travels, what an error looks like (classify), where the
// request id is, what each endpoint costs and which endpoints answer If-None-Match.
// The three error families the first sources need are ready-made below.
import type { Platform } from '@tributary/events';
import type { ResponseVerdict } from './contracts.ts';
import { parseRetryAfter } from './quota/retry-after.ts';
import { startOfNextDay } from './quota/time-zone.ts';

export type TokenPlacement = { in: 'authorization-header' } | { in: 'query'; name: string };

export interface ClassifyContext {
  /** Clock time of the response (for verdicts with an absolute resumeAt). */
  now: number;
}

/** Decides what a response means; null means "no opinion" (the status decides). */
export type ResponseClassifier = (
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>>,
  context: ClassifyContext,
) => ResponseVerdict | null;

export interface PlatformProfile {
  platform: Platform;
  /** Scheme and host, plus any fixed path prefix (`https://www.googleapis.com/youtube/v3`). */
  baseUrl: string;
  /**
   * The API version. Without `versionHeader` it prefixes relative request paths (`/v25.0/me/media`);
   * with it, it is sent in that header (LinkedIn-Version) and paths stay as declared.
   */
  apiVersion?: string;
  versionHeader?: string;
  token: TokenPlacement;
  /** Headers on every call (never secrets: those come from the Authenticator). */
  headers?: Readonly<Record<string, string>>;
  classify: ResponseClassifier;
  /** The platform's id for this exchange (fbtrace_id, log_id, …), for lineage and support tickets. */
  requestId(headers: Readonly<Record<string, string>>, body: unknown): string | null;
  /** Quota units per endpoint (YouTube prices methods); missing endpoints cost 1. */
  endpointCosts?: Readonly<Record<string, number>>;
  /** Endpoints that answer `If-None-Match` with 304 (YouTube resources). */
  etagEndpoints?: readonly string[];
}

export interface PlatformProfileInput extends Omit<PlatformProfile, 'classify' | 'requestId' | 'token'> {
  token?: TokenPlacement;
  /** Tried in order; the first verdict wins. */
  classify?: ResponseClassifier | readonly ResponseClassifier[];
  requestId?: PlatformProfile['requestId'] | readonly PlatformProfile['requestId'][];
}

/** Fills the defaults: bearer token, classifiers and request-id extractors tried in order. */
export function definePlatformProfile(input: PlatformProfileInput): PlatformProfile {
  const classifiers = input.classify === undefined ? [] : typeof input.classify === 'function' ? [input.classify] : [...input.classify];
  const extractors = input.requestId === undefined ? [] : typeof input.requestId === 'function' ? [input.requestId] : [...input.requestId];
  return {
    ...input,
    baseUrl: input.baseUrl.replace(/\/+$/, ''),
    token: input.token ?? { in: 'authorization-header' },
    classify: (status, body, headers, context) => {
      for (const classify of classifiers) {
        const verdict = classify(status, body, headers, context);
        if (verdict) return verdict;
      }
      return null;
    },
    requestId: (headers, body) => {
      for (const extract of extractors) {
        const id = extract(headers, body);
        if (id) return id;
      }
      return null;
    },
  };
}

export function endpointCost(profile: PlatformProfile, endpoint: string): number {
  return profile.endpointCosts?.[endpoint] ?? 1;
}

export function supportsEtag(profile: PlatformProfile, endpoint: string): boolean {
  return profile.etagEndpoints?.includes(endpoint) ?? false;
}

/** `Retry-After` as milliseconds (delta seconds or an HTTP date), or undefined. */
export function retryAfterMs(headers: Readonly<Record<string, string>>, now: number): number | undefined {
  return parseRetryAfter(headers['retry-after'], now) ?? undefined;
}

/**
 * The verdict an HTTP status implies when the profile has no opinion: 429 throttled, 408/5xx
 * transient, 401 auth-expired, other 4xx client; 2xx and 304 are not errors.
 */
export function statusVerdict(status: number, headers: Readonly<Record<string, string>>, now: number): ResponseVerdict | null {
  if ((status >= 200 && status < 300) || status === 304) return null;
  const code = String(status);
  if (status === 429) return withRetryAfter({ kind: 'throttled', code, message: 'HTTP 429 Too Many Requests' }, headers, now);
  if (status === 408 || status >= 500) return withRetryAfter({ kind: 'transient', code, message: `HTTP ${status}` }, headers, now);
  if (status === 401) return { kind: 'auth-expired', code, message: 'HTTP 401 Unauthorized' };
  return { kind: 'client', code, message: `HTTP ${status}` };
}

function withRetryAfter(verdict: ResponseVerdict, headers: Readonly<Record<string, string>>, now: number): ResponseVerdict {
  const after = retryAfterMs(headers, now);
  return after === undefined ? verdict : { ...verdict, retryAfterMs: after };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Meta Graph API: {"error":{"message","type","code","error_subcode","is_transient","fbtrace_id"}}
// Codes (research/platform-apis.md §1): 1/2 transient; 4 app, 17 user, 32 page, 613 custom and
// 80000-series BUC throttling; 190 token (subcodes 458/459/460/464 need the user, so revoked);
// 102 session; 10 and 200-299 permission (the call is not allowed: client).

const META_THROTTLE_CODES = new Set([4, 17, 32, 341, 613]);
const META_REVOKED_SUBCODES = new Set([458, 459, 460, 464]);

/** Longest `estimated_time_to_regain_access` (minutes) in X-Business-Use-Case-Usage, in ms. */
export function metaRegainAccessMs(headers: Readonly<Record<string, string>>): number | undefined {
  const raw = headers['x-business-use-case-usage'];
  if (!raw) return undefined;
  let usage: unknown;
  try {
    usage = JSON.parse(raw);
  } catch {
    return undefined;
  }
  let minutes = 0;
  for (const entries of Object.values(record(usage) ?? {})) {
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      const regain = Number(record(entry)?.estimated_time_to_regain_access);
      if (Number.isFinite(regain) && regain > minutes) minutes = regain;
    }
  }
  return minutes > 0 ? minutes * 60_000 : undefined;
}

export const metaGraphErrors: ResponseClassifier = (status, body, headers) => {
  const error = record(record(body)?.error);
  if (!error) return null;
  const code = Number(error.code);
  const subcode = Number(error.error_subcode);
  const message = text(error.message) ?? `Graph API error ${error.code}`;
  const verbatim = Number.isNaN(subcode) ? String(error.code) : `${error.code}/${subcode}`;
  if (code === 190 || code === 102) {
    return { kind: META_REVOKED_SUBCODES.has(subcode) ? 'auth-revoked' : 'auth-expired', code: verbatim, message };
  }
  if (META_THROTTLE_CODES.has(code) || (code >= 80000 && code < 80100)) {
    const regain = metaRegainAccessMs(headers);
    return { kind: 'throttled', code: verbatim, message, ...(regain === undefined ? {} : { retryAfterMs: regain }) };
  }
  if (code === 1 || code === 2 || error.is_transient === true) return { kind: 'transient', code: verbatim, message };
  if (status >= 500) return { kind: 'transient', code: verbatim, message };
  return { kind: 'client', code: verbatim, message };
};

/** fbtrace_id from the error body, else the x-fb-trace-id header. */
export function metaRequestId(headers: Readonly<Record<string, string>>, body: unknown): string | null {
  return text(record(record(body)?.error)?.fbtrace_id) ?? headers['x-fb-trace-id'] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Google APIs: {"error":{"code","message","errors":[{"reason","domain","message"}],"status"}}
// quotaExceeded/dailyLimitExceeded: the daily budget is spent until midnight Pacific time;
// rateLimitExceeded/userRateLimitExceeded: short-term throttling; authError or 401: token.

const GOOGLE_QUOTA_REASONS = new Set(['quotaExceeded', 'dailyLimitExceeded']);
const GOOGLE_THROTTLE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);
const GOOGLE_TRANSIENT_REASONS = new Set(['backendError', 'internalError']);

export const googleApiErrors: ResponseClassifier = (status, body, headers, { now }) => {
  const error = record(record(body)?.error);
  if (!error) return null;
  const first = Array.isArray(error.errors) ? record(error.errors[0]) : undefined;
  const reason = text(first?.reason) ?? text(error.status) ?? String(error.code ?? status);
  const message = text(error.message) ?? text(first?.message) ?? `Google API error ${reason}`;
  if (GOOGLE_QUOTA_REASONS.has(reason))
    return { kind: 'quota-exhausted', code: reason, message, resumeAt: startOfNextDay(now, 'America/Los_Angeles') };
  if (GOOGLE_THROTTLE_REASONS.has(reason) || status === 429) {
    const after = retryAfterMs(headers, now);
    return { kind: 'throttled', code: reason, message, ...(after === undefined ? {} : { retryAfterMs: after }) };
  }
  if (status === 401 || reason === 'authError') return { kind: 'auth-expired', code: reason, message };
  if (GOOGLE_TRANSIENT_REASONS.has(reason) || status >= 500) return { kind: 'transient', code: reason, message };
  return { kind: 'client', code: reason, message };
};

// ---------------------------------------------------------------------------------------------
// TikTok: every answer carries {"data":…,"error":{"code":"ok"|…,"message","log_id"}}, and an
// error can come with HTTP 200, so the envelope decides, not the status.

const TIKTOK_AUTH_REVOKED = new Set(['scope_not_authorized', 'scope_permission_missed']);

export const tiktokErrors: ResponseClassifier = (status, body, headers, { now }) => {
  const error = record(record(body)?.error);
  const code = text(error?.code);
  if (!error || code === undefined || code === 'ok') return null;
  const message = text(error.message) || `TikTok error ${code}`;
  if (code === 'access_token_invalid') return { kind: 'auth-expired', code, message };
  if (TIKTOK_AUTH_REVOKED.has(code)) return { kind: 'auth-revoked', code, message };
  if (code === 'rate_limit_exceeded') {
    const after = retryAfterMs(headers, now);
    return { kind: 'throttled', code, message, ...(after === undefined ? {} : { retryAfterMs: after }) };
  }
  if (code === 'internal_error' || status >= 500) return { kind: 'transient', code, message };
  return { kind: 'client', code, message };
};

/** log_id from the error envelope, else the x-tt-logid header. */
export function tiktokRequestId(headers: Readonly<Record<string, string>>, body: unknown): string | null {
  return text(record(record(body)?.error)?.log_id) ?? headers['x-tt-logid'] ?? null;
}
