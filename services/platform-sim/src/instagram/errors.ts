// Graph API error bodies: {"error":{"message","type","code","error_subcode"?,"error_user_title"?,
// "error_user_msg"?,"fbtrace_id"}} (fact sheet §1). Codes: 190 token (subcodes 460 password
// changed, 463 expired), 4 app / 17 user / 32 page / 613 custom throttling, 10 permission or
// "not enough viewers", 100 invalid parameter (subcode 33: object missing), 104 no token.
import { jsonResponse } from '../core/exchange.ts';
import type { SimResponse } from '../core/exchange.ts';
import { traceId } from '../core/sim-context.ts';

export interface GraphError {
  message: string;
  type: 'OAuthException' | 'GraphMethodException' | 'IGApiException';
  code: number;
  error_subcode?: number;
  error_user_title?: string;
  error_user_msg?: string;
}

export function graphHeaders(fbtrace: string): Record<string, string> {
  return { 'x-fb-trace-id': fbtrace, 'x-fb-request-id': traceId(24), 'facebook-api-version': 'v25.0' };
}

export function graphError(status: number, error: GraphError, headers: Record<string, string> = {}): SimResponse {
  const fbtrace = traceId(11);
  const authenticate: Record<string, string> =
    error.code === 190 ? { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token"' } : {};
  return jsonResponse(status, { error: { ...error, fbtrace_id: fbtrace } }, { ...graphHeaders(fbtrace), ...authenticate, ...headers });
}

const THROTTLE_MESSAGES: Record<number, string> = {
  4: '(#4) Application request limit reached',
  17: '(#17) User request limit reached',
  32: '(#32) Page request limit reached',
  613: '(#613) Calls to this api have exceeded the rate limit.',
  80002: '(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.',
};

export function throttleError(status: number, code: number, headers: Record<string, string> = {}): SimResponse {
  return graphError(status, { message: THROTTLE_MESSAGES[code] ?? `(#${code}) Rate limit reached`, type: 'OAuthException', code }, headers);
}

export function tokenError(
  status: number,
  reason: 'unknown' | 'expired' | 'revoked' | 'missing',
  subcodeExpired: number,
  expiredAt?: number,
): SimResponse {
  if (reason === 'missing')
    return graphError(status, { message: 'An access token is required to request this resource.', type: 'OAuthException', code: 104 });
  if (reason === 'expired')
    return graphError(status, {
      message: `Error validating access token: Session has expired on ${new Date(expiredAt ?? 0).toUTCString()}.`,
      type: 'OAuthException',
      code: 190,
      error_subcode: subcodeExpired,
      error_user_title: 'Session expired',
      error_user_msg: 'Your session has expired. Please log in again.',
    });
  if (reason === 'revoked')
    return graphError(status, {
      message:
        'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
      type: 'OAuthException',
      code: 190,
      error_subcode: 460,
    });
  return graphError(status, { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 });
}

export function missingObject(id: string): SimResponse {
  return graphError(400, {
    message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    type: 'GraphMethodException',
    code: 100,
    error_subcode: 33,
  });
}

export function invalidParameter(message: string): SimResponse {
  return graphError(400, { message: `(#100) ${message}`, type: 'OAuthException', code: 100 });
}

export function serverError(status: number): SimResponse {
  return graphError(status, {
    message: 'An unexpected error has occurred. Please retry your request later.',
    type: 'OAuthException',
    code: 2,
  });
}
