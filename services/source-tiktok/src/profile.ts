// TikTok Display API v2 as the request pipeline sees it (research/platform-apis.md §3):
// - base https://open.tiktokapis.com, bearer token in Authorization;
// - every answer carries {"data", "error": {"code": "ok"|…, "message", "log_id"}}; errors may come
//   with HTTP 200, so the kit's tiktokErrors classifier reads the envelope; log_id is the request id;
// - 600 requests per endpoint in a sliding minute, 429 rate_limit_exceeded without rate-limit
//   headers: the ledger reserves every call in the window (zero over-quota calls) and a 429 pauses
//   the endpoint with exponential backoff (retryAfterPolicy, no Retry-After to read);
// - OAuth: access tokens live 2 h, refresh tokens rotate (each refresh returns a new one, the old
//   one stops working): the kit's authenticator persists the new record before using it.
//
// Window scope: the sheet says "per endpoint" and does not say per user token; the simulator counts
// per endpoint for the whole app. Per endpoint (app-wide) is the reading that can never exceed
// either interpretation; at 600/min it still leaves 10 calls/s per endpoint for all accounts together.
import {
  createOAuthAuthenticator,
  createQuotaLedger,
  createRequester,
  createConnectorMetrics,
  definePlatformProfile,
  retryAfterPolicy,
  slidingWindowPolicy,
  tiktokErrors,
  tiktokRefresh,
  tiktokRequestId,
} from '@tributary/connector-kit';
import type {
  Authenticator,
  BreakerOptions,
  Clock,
  CredentialSeed,
  CredentialStore,
  HttpOptions,
  PlatformProfile,
  QuotaPolicy,
  Requester,
  RetryOptions,
} from '@tributary/connector-kit';
import type { Logger } from '@tributary/telemetry';
import type { Registry } from 'prom-client';

/** The endpoints this source calls, as the pipeline names them (quota, breaker, cache and metrics keys). */
export const ENDPOINTS = { userInfo: 'user.info', videoList: 'video.list', videoQuery: 'video.query' } as const;

export function tiktokProfile(baseUrl: string): PlatformProfile {
  return definePlatformProfile({
    platform: 'TIKTOK',
    baseUrl,
    classify: tiktokErrors,
    requestId: tiktokRequestId,
  });
}

export function tiktokQuotaPolicies(options: { requestsPerWindow: number; rateWindowMs: number }): QuotaPolicy[] {
  return [
    slidingWindowPolicy({
      limit: options.requestsPerWindow,
      windowMs: options.rateWindowMs,
      per: 'endpoint',
      endpoints: Object.values(ENDPOINTS),
    }),
    retryAfterPolicy(),
  ];
}

export interface TikTokRequesterOptions {
  apiBaseUrl: string;
  clientKey: string;
  clientSecret: string;
  credentials: readonly CredentialSeed[];
  store: CredentialStore;
  refreshSkewMs: number;
  requestsPerWindow: number;
  rateWindowMs: number;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  http?: HttpOptions;
}

/** The pipeline and the authenticator behind it (the webhook suspends credentials through it). */
export function createTikTokRequester(options: TikTokRequesterOptions): { requester: Requester; authenticator: Authenticator } {
  const { clock, logger } = options;
  const authenticator = createOAuthAuthenticator({
    platform: 'TIKTOK',
    credentials: options.credentials,
    refresh: tiktokRefresh({ baseUrl: options.apiBaseUrl, clientKey: options.clientKey, clientSecret: options.clientSecret }),
    store: options.store,
    clock,
    logger,
    refreshSkewMs: options.refreshSkewMs,
    ...(options.http?.dispatcher ? { dispatcher: options.http.dispatcher } : {}),
  });
  const quota = createQuotaLedger({ platform: 'TIKTOK', policies: tiktokQuotaPolicies(options), clock, logger });
  const requester = createRequester({
    profile: tiktokProfile(options.apiBaseUrl),
    authenticator,
    quota,
    clock,
    logger,
    metrics: createConnectorMetrics(options.registry),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.breaker ? { breaker: options.breaker } : {}),
    http: { userAgent: 'tributary-source-tiktok', ...options.http },
  });
  return { requester, authenticator };
}
