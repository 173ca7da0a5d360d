// TikTok API error envelope: every response has `error: {code, message, log_id}` next to `data`;
// OAuth errors are `{error, error_description, log_id}`. Codes and statuses from the fact sheet §3.
import { jsonResponse } from '../core/exchange.ts';
import type { SimResponse } from '../core/exchange.ts';
import { randomBytes } from 'node:crypto';

export type TikTokErrorCode =
  'ok' | 'access_token_invalid' | 'scope_not_authorized' | 'invalid_params' | 'rate_limit_exceeded' | 'internal_error';

const MESSAGES: Record<TikTokErrorCode, string> = {
  ok: '',
  access_token_invalid: 'The access token is invalid or not found in the request.',
  scope_not_authorized: 'The user did not authorize the scope required for completing this request.',
  invalid_params: 'The request parameters are invalid.',
  rate_limit_exceeded: 'The API rate limit was exceeded. Please try again later.',
  internal_error: 'There was an internal error.',
};

/** `YYYYMMDDhhmmss` + 18 hex digits, like TikTok's log ids. */
export function logId(time: number): string {
  const stamp = new Date(time)
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);
  return `${stamp}${randomBytes(9).toString('hex').toUpperCase()}`;
}

export function tiktokEnvelope(
  status: number,
  code: TikTokErrorCode,
  data: unknown,
  time: number,
  message?: string,
  headers: Record<string, string> = {},
): SimResponse {
  const id = logId(time);
  return jsonResponse(status, { data, error: { code, message: message ?? MESSAGES[code], log_id: id } }, { 'x-tt-logid': id, ...headers });
}

export function tiktokError(
  status: number,
  code: TikTokErrorCode,
  time: number,
  message?: string,
  headers: Record<string, string> = {},
): SimResponse {
  return tiktokEnvelope(status, code, {}, time, message, headers);
}

export type OAuthErrorCode = 'invalid_client' | 'invalid_grant' | 'invalid_request' | 'unsupported_grant_type';

export function tiktokOAuthError(status: number, error: OAuthErrorCode, description: string, time: number): SimResponse {
  return jsonResponse(status, { error, error_description: description, log_id: logId(time) });
}
