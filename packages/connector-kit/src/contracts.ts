// The seams of the connector kit, fixed first so its parts can be built and tested apart:
// the request pipeline (requester.ts and friends) implements Requester; the source runtime
// (runtime/) drives stream declarations through a Requester; sources (services/source-<platform>)
// only declare a PlatformProfile, streams and mappings against these types.
import type { Platform } from '@tributary/events';

/** Time for every kit component, so tests can move it (quota resets, token expiry, cadence). */
export interface Clock {
  /** Epoch milliseconds (UTC). */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Which work goes first when quota is short: ephemeral content (Stories, 24 h) before fresh
 * posts, fresh posts before re-observation of older ones, backfill last.
 */
export type RequestPriority = 'ephemeral' | 'fresh' | 'refresh' | 'backfill';
export const REQUEST_PRIORITIES: readonly RequestPriority[] = ['ephemeral', 'fresh', 'refresh', 'backfill'];

export type QueryValue = string | number | boolean | undefined;

/** One platform API call as a stream declares it; the pipeline adds auth, quota, cache, retry, breaker. */
export interface ApiRequest {
  /** Low-cardinality name of the platform endpoint (`video.list`, `media.insights`): keys quota, breaker, cache, metrics. */
  endpoint: string;
  method: 'GET' | 'POST';
  /** Path under the platform base URL, or an absolute URL on the same host (Meta's `paging.next`). */
  path: string;
  query?: Readonly<Record<string, QueryValue>>;
  /** JSON request body (TikTok's POST endpoints). */
  json?: unknown;
  /** Credential id whose token authenticates the call; undefined for app-level calls. */
  credential?: string;
  priority?: RequestPriority;
  /** Platform quota units the call costs (YouTube); defaults to the profile's cost for the endpoint, else 1. */
  cost?: number;
  /** Serve an identical request from the TTL cache when the cached response is younger than this. */
  cacheTtlMs?: number;
  /** Send `If-None-Match` with the last etag of the identical request; a 304 returns the stored body. */
  conditional?: boolean;
  /** Aborts waiting (quota, backoff) and the HTTP call. */
  signal?: AbortSignal;
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string>>;
  /** The platform's request id for lineage (`x-fb-trace-id`/`fbtrace_id`, TikTok `log_id`, …), when it gives one. */
  requestId: string | null;
  /** Clock time the response arrived (or was served from cache). */
  receivedAt: number;
  /** network: a fresh call; cache: TTL cache; not-modified: 304 revalidated; shared: joined an identical in-flight call. */
  source: 'network' | 'cache' | 'not-modified' | 'shared';
}

/** The request pipeline: auth → quota ledger and rate limiter → cache and de-duplication → retry → circuit breaker → HTTP. */
export interface Requester {
  /**
   * Resolves with a successful (2xx/304) response. Waits — never fails — while quota or a rate
   * limit is exhausted. Rejects with a TributaryError: retryable=false for data/config errors
   * (e.g. CONNECTOR_CREDENTIAL_SUSPENDED, CONNECTOR_RESPONSE_MALFORMED), RetriesExhaustedError
   * with every attempt for transient errors, CONNECTOR_CIRCUIT_OPEN while a breaker is open.
   */
  request<T = unknown>(request: ApiRequest): Promise<ApiResponse<T>>;
  /** For health endpoints and `tributary` status output. */
  health(): RequesterHealth;
  close(): Promise<void>;
}

export interface RequesterHealth {
  platform: Platform;
  /** One entry per credential id (and `app` for app-level calls). */
  credentials: Array<{ id: string; state: 'active' | 'refreshing' | 'suspended'; reason?: string; expiresAt?: number }>;
  /** Breaker per endpoint and credential: `<endpoint>|<credential>`. */
  circuits: Array<{ key: string; state: 'closed' | 'open' | 'half-open' }>;
  /** Quota per scope the profile tracks, e.g. `youtube:daily-units`, `tiktok:video.list`, `meta:buc:<id>`. */
  quotas: Array<{ scope: string; used: number; limit: number; resetsAt: number | null; pausedUntil: number | null }>;
  cache: { hits: number; misses: number; notModified: number; shared: number };
}

/** What a platform response means for the pipeline, decided by the platform profile's classifier. */
export type ResponseVerdictKind =
  /** Token expired or invalid (Meta 190, Google 401 authError, TikTok access_token_invalid): refresh once, then suspend. */
  | 'auth-expired'
  /** The grant is gone (scope revoked, account deauthorised): suspend the credential, do not refresh. */
  | 'auth-revoked'
  /** Short-term throttling (429, Meta 4/17/32/613, YouTube rateLimitExceeded): pause that scope, then retry. */
  | 'throttled'
  /** A budget is spent until a known time (YouTube quotaExceeded until midnight Pacific): pause until then. */
  | 'quota-exhausted'
  /** 5xx, network errors, Meta codes 1/2, hangs: retry with backoff. */
  | 'transient'
  /** The request is wrong or the object is gone (400/404, invalid params): not retried, reported. */
  | 'client'
  /** The body is not what the platform documents (HTML with 200, broken JSON): not retried, reported with a sample. */
  | 'malformed';

export interface ResponseVerdict {
  kind: ResponseVerdictKind;
  /** The platform's own error code, verbatim (`190`, `quotaExceeded`, `rate_limit_exceeded`). */
  code: string;
  message: string;
  /** Wait at least this long before the next call in the same scope (Retry-After, estimated_time_to_regain_access). */
  retryAfterMs?: number;
  /** Absolute clock time the budget resets (YouTube: next midnight America/Los_Angeles). */
  resumeAt?: number;
}

/** A call as the quota ledger sees it. */
export interface QuotaCall {
  endpoint: string;
  credential?: string;
  /** Units the call costs (1 unless the platform prices methods, like YouTube). */
  cost: number;
  priority: RequestPriority;
}

/**
 * Per app, per credential and per endpoint budgets, driven by the platform's own signals.
 * Zero calls beyond quota: a call reserves its units before it is sent.
 */
export interface QuotaLedger {
  /** Waits (by priority) until the call fits every budget that applies, then reserves it; rejects only when aborted. */
  acquire(call: QuotaCall, signal?: AbortSignal): Promise<void>;
  /** Feeds back what the platform said: usage headers, Retry-After, a throttled or quota-exhausted verdict. */
  observe(call: QuotaCall, outcome: { status: number; headers: Readonly<Record<string, string>>; verdict: ResponseVerdict | null }): void;
  health(): RequesterHealth['quotas'];
}

/** Access tokens per credential: proactive refresh before expiry, rotation persisted, suspension on a dead grant. */
export interface Authenticator {
  /** A valid access token (refreshed first if it expires soon); rejects CONNECTOR_CREDENTIAL_SUSPENDED for a suspended credential. */
  accessToken(credential: string, signal?: AbortSignal): Promise<string>;
  /**
   * The platform rejected `rejectedToken` as expired: refresh once (concurrent callers share it;
   * a token already replaced counts as refreshed). False when the refresh failed and the
   * credential is now suspended (that credential only).
   */
  refreshAfterRejection(credential: string, rejectedToken: string): Promise<boolean>;
  /**
   * The grant is gone (an `auth-revoked` verdict, TikTok's `authorization.removed` webhook):
   * suspend that credential without trying a refresh. Optional so simple authenticators need not persist state.
   */
  suspend?(credential: string, reason: string): Promise<void>;
  health(): RequesterHealth['credentials'];
}

/** A canonical event ready to produce: the value is a record of the topic's value schema (@tributary/events types). */
export interface OutgoingEvent {
  topic: string;
  /** entityKey(platform, entity id) — one entity's history stays in one partition. */
  key: string;
  value: Record<string, unknown>;
}

/** Encodes with the registry's schema ids (Confluent framing) and produces; resolves only after Kafka acknowledged every event. */
export interface EventWriter {
  write(events: readonly OutgoingEvent[]): Promise<void>;
}
