// What the request pipeline needs to know about the Instagram Graph API (research/platform-apis.md §1):
//   - base https://graph.facebook.com, version in the path (/v25.0/…), token as the `access_token` query parameter;
//   - errors: {"error":{"code","error_subcode","fbtrace_id"}} → the kit's metaGraphErrors (190 token, 4/17/32/613/80002
//     throttling, 1/2 transient, 100 and 10 client). A Graph batch (POST /?batch=) answers 200 with one {code, body}
//     per sub-request, so a token or throttling error INSIDE the batch is lifted to the whole answer here: the token is
//     the batch's, and a throttled sub-request means the scope is out of budget. Other item errors (10 "not enough
//     viewers", 100) stay per item and are reported by the insights mapper alone;
//   - request id: fbtrace_id of the error body, else the x-fb-trace-id header;
//   - quota: Meta's usage headers (X-App-Usage, X-Business-Use-Case-Usage) pause at usagePauseAtPercent until
//     estimated_time_to_regain_access, before Meta refuses; Retry-After and throttle verdicts pause per endpoint;
//   - auth: Instagram Login tokens live 60 days and refresh themselves (GET /refresh_access_token, only once ≥ 24 h
//     old) — the refresh runs days before expiry (refreshSkewMs); Page tokens do not expire (tokenRefresh off).
import {
  definePlatformProfile,
  instagramRefresh,
  metaGraphErrors,
  metaRequestId,
  metaUsagePolicy,
  parseJsonText,
  retryAfterPolicy,
} from '@tributary/connector-kit';
import type { OAuthRefreshSpec, PlatformProfile, QuotaPolicy, ResponseClassifier, ResponseVerdict } from '@tributary/connector-kit';

/** Endpoint names (metrics, quota, breakers) and lineage templates. */
export const ENDPOINTS = {
  account: { name: 'ig.user', lineage: 'GET /{ig-user-id}' },
  media: { name: 'ig.media', lineage: 'GET /{ig-user-id}/media' },
  stories: { name: 'ig.stories', lineage: 'GET /{ig-user-id}/stories' },
  insights: { name: 'ig.media.insights.batch', lineage: 'GET /{ig-media-id}/insights' },
  comments: { name: 'ig.media.insights.batch', lineage: 'GET /{ig-media-id}/comments' },
} as const;

/** Verdict kinds that concern the whole batch, not one sub-request. */
const BATCH_WIDE = new Set<ResponseVerdict['kind']>(['auth-expired', 'auth-revoked', 'throttled']);

function headerMap(value: unknown): Record<string, string> {
  if (!Array.isArray(value)) return {};
  const headers: Record<string, string> = {};
  for (const entry of value as Array<{ name?: unknown; value?: unknown }>)
    if (typeof entry?.name === 'string' && typeof entry.value === 'string') headers[entry.name.toLowerCase()] = entry.value;
  return headers;
}

/** A batch answer whose sub-request carries a token or throttling error gets that verdict as a whole. */
export const metaBatchErrors: ResponseClassifier = (status, body, headers, context) => {
  if (status !== 200 || !Array.isArray(body)) return null;
  for (const item of body as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { code, body: text, headers: itemHeaders } = item as { code?: unknown; body?: unknown; headers?: unknown };
    if (typeof code !== 'number' || code < 400 || typeof text !== 'string') continue;
    let parsed: unknown;
    try {
      parsed = parseJsonText(text);
    } catch {
      continue;
    }
    const verdict = metaGraphErrors(code, parsed, { ...headers, ...headerMap(itemHeaders) }, context);
    if (verdict && BATCH_WIDE.has(verdict.kind)) return { ...verdict, message: `batch sub-request: ${verdict.message}` };
  }
  return null;
};

export function instagramProfile(options: { baseUrl: string; apiVersion: string }): PlatformProfile {
  return definePlatformProfile({
    platform: 'INSTAGRAM',
    baseUrl: options.baseUrl,
    apiVersion: options.apiVersion,
    token: { in: 'query', name: 'access_token' },
    classify: [metaBatchErrors, metaGraphErrors],
    requestId: metaRequestId,
  });
}

export function instagramQuotaPolicies(options: { pauseAtPercent: number }): QuotaPolicy[] {
  return [metaUsagePolicy({ pauseAtPercent: options.pauseAtPercent }), retryAfterPolicy()];
}

/** The refresh of Instagram Login tokens, or null (Page tokens: a rejected token suspends its credential). */
export function instagramRefreshSpec(options: { tokenRefresh: boolean; refreshBaseUrl: string }): OAuthRefreshSpec | null {
  return options.tokenRefresh ? instagramRefresh({ baseUrl: options.refreshBaseUrl }) : null;
}
