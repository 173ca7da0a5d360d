// The request pipeline every source calls through (architecture §4, docs/adr/0017):
//
//   cache (TTL hit, or join an identical in-flight call)          — costs no token and no quota
//   └ per network attempt:
//       quota.acquire (waits; priorities)  → authenticator.accessToken → circuit breaker admit
//       → undici request (headers/body/attempt timeouts, body cap) → parse → classify
//       → quota.observe (every answer, errors included)
//   └ verdicts: auth-expired → refresh once and repeat once (then CONNECTOR_AUTH_REJECTED, or
//     CONNECTOR_CREDENTIAL_SUSPENDED when the refresh failed); quota-exhausted → wait again in
//     quota.acquire, never an attempt; throttled/transient/timeout/network → backoff with full
//     jitter, Retry-After as a floor, up to maxAttempts, then RetriesExhaustedError with every
//     attempt; client/malformed/auth-revoked → fail at once, not retried.
//
// The quota wait comes before the token so a token fetched before a long pause (YouTube waits
// for midnight Pacific) is not stale when the call finally goes out. All waits use the Clock;
// network timeouts are real time (undici's timers). A reservation whose call never goes out
// (token or breaker refused) is not handed back: the ledger errs on the side of using less.
import { Agent, request as undiciRequest } from 'undici';
import type { Dispatcher } from 'undici';
import { ConfigError, RetriesExhaustedError, TributaryError } from '@tributary/errors';
import { createLogger, scrubSecrets } from '@tributary/telemetry';
import type { Logger } from '@tributary/telemetry';
import { systemClock } from './clock.ts';
import type {
  ApiRequest,
  ApiResponse,
  Authenticator,
  Clock,
  QuotaCall,
  QuotaLedger,
  Requester,
  RequesterHealth,
  ResponseVerdict,
} from './contracts.ts';
import { DEFAULT_MAX_BODY_BYTES, interpretJsonBody, readBodyCapped } from './http-json.ts';
import { outcomeOfVerdict } from './metrics.ts';
import type { AttemptOutcome, ConnectorMetrics } from './metrics.ts';
import { endpointCost, retryAfterMs, statusVerdict, supportsEtag } from './profile.ts';
import type { PlatformProfile } from './profile.ts';
import { CircuitBreakers, RetrySchedule } from './resilience.ts';
import type { BreakerOptions, CircuitPermit, RetryOptions } from './resilience.ts';
import { ResponseCache, SingleFlight, requestCacheKey } from './response-cache.ts';

export interface HttpOptions {
  /** An undici dispatcher to use instead of the requester's own Agent (then `close()` leaves it open). */
  dispatcher?: Dispatcher;
  /** Sockets per origin of the requester's own Agent. */
  connections?: number;
  keepAliveTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Time to the response headers; a hang ends as CONNECTOR_TIMEOUT (transient, retried). */
  headersTimeoutMs?: number;
  /** Longest silence between body chunks. */
  bodyTimeoutMs?: number;
  /** Whole attempt, headers and body, however slowly the bytes trickle in. */
  attemptTimeoutMs?: number;
  maxBodyBytes?: number;
  userAgent?: string;
}

export interface RequesterOptions {
  profile: PlatformProfile;
  authenticator?: Authenticator;
  quota?: QuotaLedger;
  clock?: Clock;
  logger?: Logger;
  metrics?: ConnectorMetrics;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  cache?: { maxEntries?: number };
  http?: HttpOptions;
  /** Without a quota ledger, how long a quota-exhausted answer without resumeAt or Retry-After pauses the call (default 60 s). */
  quotaPauseMs?: number;
}

const DEFAULT_HTTP = {
  connections: 16,
  keepAliveTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  attemptTimeoutMs: 120_000,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  userAgent: 'tributary-connector-kit',
};

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  malformed: ResponseVerdict | null;
  duplicateKeys: string[];
}

/** Builds the URL of a request: base URL (+ version prefix) and path, or an absolute URL on the same origin; never a token in it. */
export function requestUrl(profile: PlatformProfile, request: Pick<ApiRequest, 'path' | 'query'>): URL {
  const base = new URL(profile.baseUrl);
  let url: URL;
  if (/^https?:\/\//i.test(request.path)) {
    url = new URL(request.path);
    if (url.origin !== base.origin) {
      throw new TributaryError(
        'CONNECTOR_URL_OUTSIDE_PLATFORM',
        `Refusing to call ${url.origin}: the profile's platform lives at ${base.origin}`,
        {
          failureType: 'system',
          retryable: false,
          hint: 'A paging link or a stream declaration points at another host; tokens are only ever sent to the platform base URL.',
          details: { origin: url.origin },
        },
      );
    }
  } else {
    const version = profile.apiVersion && !profile.versionHeader ? `/${profile.apiVersion}` : '';
    const path = request.path.startsWith('/') ? request.path : `/${request.path}`;
    url = new URL(`${base.pathname.replace(/\/+$/, '')}${version}${path}`, base.origin);
  }
  if (profile.token.in === 'query') url.searchParams.delete(profile.token.name);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url;
}

function headerRecord(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function attemptError(
  verdict: ResponseVerdict,
  status: number,
  requestId: string | null,
  endpoint: string,
  retryAfter: number | undefined,
): TributaryError {
  const code = verdict.kind === 'throttled' ? 'CONNECTOR_THROTTLED' : 'CONNECTOR_UPSTREAM_UNAVAILABLE';
  return new TributaryError(code, `${endpoint}: HTTP ${status} ${verdict.code}: ${verdict.message}`, {
    failureType: 'transient',
    details: { endpoint, status, platformCode: verdict.code, requestId, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) },
  });
}

function finalError(verdict: ResponseVerdict, status: number, requestId: string | null, endpoint: string): TributaryError {
  const details = { endpoint, status, platformCode: verdict.code, requestId };
  switch (verdict.kind) {
    case 'malformed':
      return new TributaryError('CONNECTOR_RESPONSE_MALFORMED', `${endpoint}: ${verdict.message}`, {
        failureType: 'data',
        retryable: false,
        hint: 'The platform (or a proxy in front of it) answered with something other than its documented JSON; the sample shows what came back.',
        details,
      });
    case 'auth-revoked':
      return new TributaryError(
        'CONNECTOR_CREDENTIAL_REVOKED',
        `${endpoint}: the platform says the grant is gone (${verdict.code}: ${verdict.message})`,
        {
          failureType: 'config',
          retryable: false,
          hint: 'The account owner has to authorise the app again (or grant the missing scope).',
          details,
        },
      );
    default:
      return new TributaryError('CONNECTOR_REQUEST_REJECTED', `${endpoint}: HTTP ${status} ${verdict.code}: ${verdict.message}`, {
        failureType: 'data',
        retryable: false,
        hint: 'The request is wrong for the platform or the object is gone; retrying the same call will not help.',
        details,
      });
  }
}

function transportError(error: unknown, endpoint: string, timedOut: boolean): TributaryError {
  if (error instanceof TributaryError) return error;
  const code = (error as { code?: unknown }).code;
  const message = scrubSecrets((error as Error).message ?? String(error));
  if (timedOut || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
    return new TributaryError('CONNECTOR_TIMEOUT', `${endpoint}: no complete answer in time (${code ?? 'attempt timeout'})`, {
      failureType: 'transient',
      cause: error,
      details: { endpoint, ...(code === undefined ? {} : { code }) },
    });
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) {
    return new TributaryError('CONNECTOR_NETWORK_ERROR', `${endpoint}: ${message}`, {
      failureType: 'transient',
      cause: error,
      details: { endpoint, code },
    });
  }
  return new TributaryError('CONNECTOR_HTTP_FAILED', `${endpoint}: ${message}`, {
    failureType: 'system',
    retryable: false,
    cause: error,
    details: { endpoint, ...(code === undefined ? {} : { code }) },
  });
}

function transportOutcome(error: TributaryError): AttemptOutcome {
  if (error.code === 'CONNECTOR_TIMEOUT') return 'timeout';
  if (error.code === 'CONNECTOR_RESPONSE_TOO_LARGE') return 'too_large';
  return 'network';
}

class PipelineRequester implements Requester {
  private readonly profile: PlatformProfile;
  private readonly authenticator: Authenticator | undefined;
  private readonly duplicateKeyEndpoints = new Set<string>();
  private readonly quota: QuotaLedger | undefined;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly metrics: ConnectorMetrics | undefined;
  private readonly retry: RetryOptions;
  private readonly http: typeof DEFAULT_HTTP;
  private readonly dispatcher: Dispatcher;
  private readonly ownAgent: Agent | undefined;
  private readonly breakers: CircuitBreakers;
  private readonly cache: ResponseCache;
  private readonly flights = new SingleFlight<ApiResponse>();
  private readonly counters = { hits: 0, misses: 0, notModified: 0, shared: 0 };
  private readonly quotaPauseMs: number;
  private readonly untrack: () => void;
  private closed = false;

  constructor(options: RequesterOptions) {
    this.profile = options.profile;
    this.authenticator = options.authenticator;
    this.quota = options.quota;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? createLogger({ serviceName: 'connector-kit', level: 'silent' })).child({
      component: 'requester',
      platform: options.profile.platform,
    });
    this.metrics = options.metrics;
    this.retry = options.retry ?? {};
    this.http = { ...DEFAULT_HTTP, ...stripUndefined(options.http ?? {}) };
    this.quotaPauseMs = options.quotaPauseMs ?? 60_000;
    if (options.http?.dispatcher) {
      this.dispatcher = options.http.dispatcher;
    } else {
      this.ownAgent = new Agent({
        connections: this.http.connections,
        keepAliveTimeout: this.http.keepAliveTimeoutMs,
        connect: { timeout: this.http.connectTimeoutMs },
        headersTimeout: this.http.headersTimeoutMs,
        bodyTimeout: this.http.bodyTimeoutMs,
      });
      this.dispatcher = this.ownAgent;
    }
    this.breakers = new CircuitBreakers(this.clock, options.breaker, {
      onStateChange: (key, from, to) => {
        if (to === 'open') this.logger.warn({ circuit: key, from }, 'Circuit opened: calls to this endpoint are refused for a while');
        else if (to === 'closed') this.logger.info({ circuit: key }, 'Circuit closed: the endpoint answers again');
      },
    });
    this.cache = new ResponseCache(options.cache?.maxEntries ?? 1000);
    this.untrack = this.metrics?.track(this.profile.platform, () => this.health()) ?? (() => {});
  }

  async request<T = unknown>(request: ApiRequest): Promise<ApiResponse<T>> {
    const url = requestUrl(this.profile, request);
    const key = requestCacheKey(request, url);
    if (request.cacheTtlMs !== undefined && request.cacheTtlMs > 0) {
      const hit = this.cache.fresh(key, request.cacheTtlMs, this.clock.now());
      if (hit) {
        this.counters.hits++;
        this.metrics?.cache(this.profile.platform, 'hit');
        return { ...hit, source: 'cache', receivedAt: this.clock.now() } as ApiResponse<T>;
      }
    }
    const { value, shared } = await this.flights.run(key, request.signal, (signal) => this.execute(request, url, key, signal));
    if (!shared) return value as ApiResponse<T>;
    this.counters.shared++;
    this.metrics?.cache(this.profile.platform, 'shared');
    return { ...value, source: 'shared' } as ApiResponse<T>;
  }

  health(): RequesterHealth {
    return {
      platform: this.profile.platform,
      credentials: this.authenticator?.health() ?? [],
      circuits: this.breakers.states(),
      quotas: this.quota?.health() ?? [],
      cache: { ...this.counters },
    };
  }

  /** Closes the requester's own Agent (not a dispatcher it was given); later calls do nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.untrack();
    await this.ownAgent?.close();
  }

  /** One network flight: the attempts loop. */
  private async execute(request: ApiRequest, url: URL, key: string, signal: AbortSignal): Promise<ApiResponse> {
    const { endpoint, credential } = request;
    const call: QuotaCall = {
      endpoint,
      ...(credential === undefined ? {} : { credential }),
      cost: request.cost ?? endpointCost(this.profile, endpoint),
      priority: request.priority ?? 'fresh',
    };
    const conditional = request.conditional === true && supportsEtag(this.profile, endpoint);
    const circuitKey = `${endpoint}|${credential ?? 'app'}`;
    const schedule = new RetrySchedule(this.retry);
    const quotaSchedule = new RetrySchedule({ ...this.retry, initialDelayMs: 1_000 });
    let quotaNotBefore = 0;
    const attempts: TributaryError[] = [];
    let refreshed = false;

    for (;;) {
      signal.throwIfAborted();
      if (this.quota) await this.quota.acquire(call, signal);
      const pausedFor = quotaNotBefore - this.clock.now();
      if (pausedFor > 0) await this.clock.sleep(pausedFor, signal);
      const token = credential === undefined ? undefined : await this.accessToken(credential, signal);
      let permit: CircuitPermit;
      try {
        permit = this.breakers.admit(circuitKey);
      } catch (error) {
        if (attempts.length > 0 && error instanceof TributaryError) error.details.attempts = attempts.map((attempt) => attempt.toJSON());
        throw error;
      }
      const stored = conditional ? this.cache.etagFor(key) : undefined;
      const startedAt = performance.now();
      const sent: { headers?: Record<string, string> } = {};
      let answer: HttpAnswer;
      try {
        answer = await this.send(request, url, token, stored?.etag, signal, sent);
      } catch (error) {
        if (signal.aborted) {
          permit.release();
          throw signal.reason;
        }
        const failure = transportError(error, endpoint, false);
        if (failure.retryable) permit.failure();
        else permit.release();
        const outcome = transportOutcome(failure);
        this.metrics?.attempt(this.profile.platform, endpoint, outcome, (performance.now() - startedAt) / 1000);
        this.logAttempt(request, url, attempts.length + 1, sent, { error: failure.code }, startedAt);
        if (!failure.retryable) throw failure;
        await this.backoff(failure, attempts, schedule, request, outcome, undefined, signal);
        continue;
      }

      const now = this.clock.now();
      const verdict =
        answer.malformed ??
        this.profile.classify(answer.status, answer.body, answer.headers, { now }) ??
        statusVerdict(answer.status, answer.headers, now);
      this.quota?.observe(call, { status: answer.status, headers: answer.headers, verdict });
      if (verdict?.kind === 'transient') permit.failure();
      else permit.success();
      const requestId = this.profile.requestId(answer.headers, answer.body);
      if (answer.duplicateKeys.length > 0) {
        this.metrics?.anomaly(this.profile.platform, endpoint, 'duplicate_keys');
        // Warn once per endpoint (the metric counts every one); later ones at debug.
        const level = this.duplicateKeyEndpoints.has(endpoint) ? 'debug' : 'warn';
        this.duplicateKeyEndpoints.add(endpoint);
        this.logger[level](
          { endpoint, requestId, keys: answer.duplicateKeys },
          'The platform answered with a key repeated in one object; the last value of each was kept.',
        );
      }
      const outcome: AttemptOutcome = verdict ? outcomeOfVerdict(verdict.kind) : answer.status === 304 ? 'not_modified' : 'ok';
      this.metrics?.attempt(this.profile.platform, endpoint, outcome, (performance.now() - startedAt) / 1000);
      this.logAttempt(
        request,
        url,
        attempts.length + 1,
        sent,
        { status: answer.status, outcome, requestId, responseHeaders: answer.headers },
        startedAt,
      );

      if (!verdict) {
        if (answer.status === 304) {
          if (!stored) {
            throw finalError(
              { kind: 'malformed', code: '304', message: 'HTTP 304 to a request without If-None-Match' },
              304,
              requestId,
              endpoint,
            );
          }
          this.counters.notModified++;
          this.metrics?.cache(this.profile.platform, 'not_modified');
          const revalidated: ApiResponse = {
            ...stored.response,
            status: 304,
            headers: { ...stored.response.headers, ...answer.headers },
            requestId: requestId ?? stored.response.requestId,
            receivedAt: now,
            source: 'not-modified',
          };
          if (request.cacheTtlMs) this.cache.store(key, revalidated, now);
          return revalidated;
        }
        const response: ApiResponse = {
          status: answer.status,
          body: answer.body,
          headers: answer.headers,
          requestId,
          receivedAt: now,
          source: 'network',
        };
        if (conditional && answer.headers.etag) this.cache.storeEtag(key, answer.headers.etag, response);
        if (request.cacheTtlMs) this.cache.store(key, response, now);
        this.counters.misses++;
        this.metrics?.cache(this.profile.platform, 'miss');
        return response;
      }

      switch (verdict.kind) {
        case 'auth-expired': {
          if (credential === undefined || token === undefined || !this.authenticator || refreshed) {
            throw new TributaryError(
              'CONNECTOR_AUTH_REJECTED',
              `${endpoint}: the platform rejected the token (${verdict.code}: ${verdict.message})`,
              {
                failureType: 'config',
                retryable: false,
                hint: refreshed
                  ? 'A freshly refreshed token was rejected too: check the app credentials and the granted scopes.'
                  : 'No credential or authenticator is configured for this call.',
                details: {
                  endpoint,
                  status: answer.status,
                  platformCode: verdict.code,
                  requestId,
                  ...(credential === undefined ? {} : { credential }),
                },
              },
            );
          }
          refreshed = true;
          if (!(await this.authenticator.refreshAfterRejection(credential, token))) {
            this.logger.warn(
              { credential, endpoint, platformCode: verdict.code },
              'Credential suspended: the refresh after a rejected token failed',
            );
            throw new TributaryError(
              'CONNECTOR_CREDENTIAL_SUSPENDED',
              `Credential ${credential} is suspended: its token was rejected and could not be refreshed`,
              {
                failureType: 'config',
                retryable: false,
                hint: 'The account owner has to authorise the app again; other credentials keep working.',
                details: { credential, endpoint, platformCode: verdict.code, requestId },
              },
            );
          }
          continue; // the repeat with the new token is not a retry attempt
        }
        case 'quota-exhausted':
          // Not a failure: the ledger (told by observe) holds the next acquire until the budget
          // resets. The requester keeps its own floor too, so a ledger that does not pause for
          // this verdict cannot turn it into a hot loop of calls the platform refuses.
          quotaNotBefore = now + this.quotaPause(verdict, answer.headers, now, quotaSchedule);
          continue;
        case 'throttled':
        case 'transient': {
          const retryAfter = verdict.retryAfterMs ?? retryAfterMs(answer.headers, now);
          await this.backoff(
            attemptError(verdict, answer.status, requestId, endpoint, retryAfter),
            attempts,
            schedule,
            request,
            outcome,
            retryAfter,
            signal,
          );
          continue;
        }
        case 'auth-revoked':
          // The grant is gone: suspend this credential (reported in health) so its other calls stop too.
          if (request.credential !== undefined && this.authenticator?.suspend)
            await this.authenticator.suspend(request.credential, `${verdict.code}: ${verdict.message}`);
          throw finalError(verdict, answer.status, requestId, endpoint);
        default:
          throw finalError(verdict, answer.status, requestId, endpoint);
      }
    }
  }

  /** Records a failed attempt, then either throws RetriesExhaustedError or waits the next delay. */
  private async backoff(
    failure: TributaryError,
    attempts: TributaryError[],
    schedule: RetrySchedule,
    request: ApiRequest,
    outcome: AttemptOutcome,
    retryAfter: number | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    attempts.push(failure);
    if (attempts.length >= schedule.maxAttempts) {
      throw new RetriesExhaustedError(
        'CONNECTOR_RETRIES_EXHAUSTED',
        `${this.profile.platform} ${request.endpoint} kept failing`,
        attempts,
        {
          hint: 'The platform kept answering with throttling or server errors, or did not answer; the attempts list says which.',
          details: { platform: this.profile.platform, endpoint: request.endpoint },
        },
      );
    }
    this.metrics?.retry(this.profile.platform, request.endpoint, outcome);
    const delay = schedule.nextDelay(retryAfter);
    this.logger.debug(
      { endpoint: request.endpoint, attempt: attempts.length, delayMs: delay, error: failure.code },
      'Retrying platform call',
    );
    await this.clock.sleep(delay, signal);
  }

  /** The platform's hint (resumeAt, Retry-After), else a growing backoff with a ledger, else quotaPauseMs. */
  private quotaPause(verdict: ResponseVerdict, headers: Readonly<Record<string, string>>, now: number, schedule: RetrySchedule): number {
    if (verdict.resumeAt !== undefined) return Math.max(0, verdict.resumeAt - now);
    const hint = verdict.retryAfterMs ?? retryAfterMs(headers, now);
    if (hint !== undefined) return hint;
    return this.quota ? schedule.nextDelay() : this.quotaPauseMs;
  }

  private async accessToken(credential: string, signal: AbortSignal): Promise<string> {
    if (!this.authenticator) {
      throw new ConfigError(
        'CONNECTOR_NO_AUTHENTICATOR',
        `A request names credential ${credential} but the requester has no authenticator`,
        {
          hint: 'Pass an Authenticator to createRequester, or leave `credential` unset for app-level calls.',
        },
      );
    }
    return this.authenticator.accessToken(credential, signal);
  }

  private async send(
    request: ApiRequest,
    url: URL,
    token: string | undefined,
    etag: string | undefined,
    signal: AbortSignal,
    sent: { headers?: Record<string, string> },
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.http.userAgent, ...this.profile.headers };
    if (this.profile.apiVersion && this.profile.versionHeader) headers[this.profile.versionHeader.toLowerCase()] = this.profile.apiVersion;
    let target = url;
    if (token !== undefined) {
      if (this.profile.token.in === 'query') {
        target = new URL(url);
        target.searchParams.set(this.profile.token.name, token);
      } else {
        headers.authorization = `Bearer ${token}`;
      }
    }
    if (etag !== undefined) headers['if-none-match'] = etag;
    let body: string | undefined;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] = 'application/json; charset=utf-8';
    }
    sent.headers = headers;
    const deadline = AbortSignal.timeout(this.http.attemptTimeoutMs);
    const combined = AbortSignal.any([signal, deadline]);
    try {
      const response = await undiciRequest(target, {
        dispatcher: this.dispatcher,
        method: request.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: combined,
        headersTimeout: this.http.headersTimeoutMs,
        bodyTimeout: this.http.bodyTimeoutMs,
      });
      const responseHeaders = headerRecord(response.headers);
      const bytes = await readBodyCapped(response.body, this.http.maxBodyBytes);
      const { body: parsed, malformed, duplicateKeys } = interpretJsonBody(response.statusCode, responseHeaders['content-type'], bytes);
      return { status: response.statusCode, headers: responseHeaders, body: parsed, malformed, duplicateKeys };
    } catch (error) {
      if (deadline.aborted && !signal.aborted) throw transportError(error, request.endpoint, true);
      throw error;
    }
  }

  /** One debug line per attempt (off unless the level is debug); the token is in neither the URL nor the headers shown. */
  private logAttempt(
    request: ApiRequest,
    url: URL,
    attempt: number,
    sent: { headers?: Record<string, string> },
    result: Record<string, unknown> & { responseHeaders?: Readonly<Record<string, string>> },
    startedAt: number,
  ): void {
    if (!this.logger.isLevelEnabled('debug')) return;
    const shown = new URL(url);
    if (this.profile.token.in === 'query') shown.searchParams.delete(this.profile.token.name);
    const { responseHeaders, ...rest } = result;
    const requestHeaders = { ...sent.headers };
    if (requestHeaders.authorization !== undefined) requestHeaders.authorization = '[redacted]';
    this.logger.debug(
      {
        endpoint: request.endpoint,
        method: request.method,
        url: scrubSecrets(shown.toString()),
        attempt,
        requestHeaders,
        ...(responseHeaders === undefined ? {} : { responseHeaders: withoutCookies(responseHeaders) }),
        durationMs: Math.round(performance.now() - startedAt),
        ...rest,
      },
      'Platform call',
    );
  }
}

function withoutCookies(headers: Readonly<Record<string, string>>): Record<string, string> {
  const { 'set-cookie': _cookie, ...rest } = headers;
  return rest;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The request pipeline for one platform (see the file comment for the order of its stages). */
export function createRequester(options: RequesterOptions): Requester {
  return new PipelineRequester(options);
}
