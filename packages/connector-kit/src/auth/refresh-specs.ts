// Declarative OAuth refresh per platform: where to send the refresh, which parameters carry
// which token, and which error replies mean the grant is dead. Base URLs are arguments so the
// platform simulator can stand in for the real hosts.
//
// TikTok   POST {base}/v2/oauth/token/  form client_key, client_secret, grant_type=refresh_token, refresh_token
//          → access_token, expires_in, refresh_token (rotated: the old one stops working), refresh_expires_in
// Google   POST {base}/token            form client_id, client_secret, grant_type=refresh_token, refresh_token
//          → access_token, expires_in (refresh token long-lived; dead → 400 invalid_grant)
// Instagram GET {base}/refresh_access_token?grant_type=ig_refresh_token&access_token=
//          → a new 60-day access_token, expires_in; only for tokens ≥24 h old and not expired.
// Facts: /work/shared/research/platform-apis.md §1–3.

export interface OAuthRefreshSpec {
  /** For logs and error messages: `tiktok`, `google`, `instagram`. */
  name: string;
  method: 'GET' | 'POST';
  /** Absolute token endpoint URL. */
  url: string;
  /** Constant parameters (form body for POST, query for GET): client id/secret, grant_type. */
  params: Readonly<Record<string, string>>;
  /**
   * Which token the refresh exchanges and under which parameter name:
   * `refresh-token` (OAuth refresh grant) or `access-token` (Instagram refreshes the long-lived token itself).
   */
  exchanges: 'refresh-token' | 'access-token';
  tokenParam: string;
  /** The token must be at least this old (Instagram: 24 h); a younger token is used as is. */
  minTokenAgeMs?: number;
  /** OAuth `error` values that mean the grant is gone. */
  deadGrantErrors: readonly string[];
  /** Meta Graph `error.code` values that mean the grant is gone (190). */
  deadGrantCodes: readonly number[];
}

const REFRESH_GRANT = 'refresh_token';

/** `base` + `path`, keeping any path prefix of the base (the simulator serves TikTok under /tiktok). */
function under(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/** `tokenUrl` wins over `baseUrl` (default https://open.tiktokapis.com + /v2/oauth/token/). */
export function tiktokRefresh(options: { baseUrl?: string; tokenUrl?: string; clientKey: string; clientSecret: string }): OAuthRefreshSpec {
  return {
    name: 'tiktok',
    method: 'POST',
    url: options.tokenUrl ?? under(options.baseUrl ?? 'https://open.tiktokapis.com', '/v2/oauth/token/'),
    params: { client_key: options.clientKey, client_secret: options.clientSecret, grant_type: REFRESH_GRANT },
    exchanges: 'refresh-token',
    tokenParam: 'refresh_token',
    deadGrantErrors: ['invalid_grant'],
    deadGrantCodes: [],
  };
}

export function googleRefresh(options: { tokenUrl?: string; clientId: string; clientSecret: string }): OAuthRefreshSpec {
  return {
    name: 'google',
    method: 'POST',
    url: options.tokenUrl ?? 'https://oauth2.googleapis.com/token',
    params: { client_id: options.clientId, client_secret: options.clientSecret, grant_type: REFRESH_GRANT },
    exchanges: 'refresh-token',
    tokenParam: 'refresh_token',
    deadGrantErrors: ['invalid_grant'],
    deadGrantCodes: [],
  };
}

export const INSTAGRAM_MIN_REFRESH_AGE_MS = 24 * 60 * 60 * 1000;

export function instagramRefresh(options: { baseUrl?: string } = {}): OAuthRefreshSpec {
  return {
    name: 'instagram',
    method: 'GET',
    url: under(options.baseUrl ?? 'https://graph.instagram.com', '/refresh_access_token'),
    params: { grant_type: 'ig_refresh_token' },
    exchanges: 'access-token',
    tokenParam: 'access_token',
    minTokenAgeMs: INSTAGRAM_MIN_REFRESH_AGE_MS,
    deadGrantErrors: ['invalid_grant'],
    deadGrantCodes: [190],
  };
}
