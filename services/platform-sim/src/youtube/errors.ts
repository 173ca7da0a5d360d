// Google API error bodies: {"error":{"code","message","errors":[{"message","domain","reason",
// "location"?,"locationType"?}],"status"?}} (fact sheet §2).
import { jsonResponse } from '../core/exchange.ts';
import type { SimResponse } from '../core/exchange.ts';

export interface GoogleErrorItem {
  message: string;
  domain: string;
  reason: string;
  location?: string;
  locationType?: string;
}

export function googleError(
  code: number,
  message: string,
  items: GoogleErrorItem[],
  status?: string,
  headers: Record<string, string> = {},
): SimResponse {
  return jsonResponse(code, { error: { code, message, errors: items, ...(status === undefined ? {} : { status }) } }, headers);
}

const QUOTA_MESSAGE =
  'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.';

export function quotaExceeded(): SimResponse {
  return googleError(403, QUOTA_MESSAGE, [{ message: QUOTA_MESSAGE, domain: 'youtube.quota', reason: 'quotaExceeded' }]);
}

export function rateLimitExceeded(status = 403, headers: Record<string, string> = {}): SimResponse {
  const message = 'The request cannot be completed because you have exceeded your rate limit.';
  return googleError(
    status,
    message,
    [{ message, domain: 'usageLimits', reason: 'rateLimitExceeded' }],
    status === 429 ? 'RESOURCE_EXHAUSTED' : undefined,
    headers,
  );
}

export function authError(missing: boolean): SimResponse {
  if (missing)
    return googleError(
      401,
      'Login Required.',
      [{ message: 'Login Required.', domain: 'global', reason: 'required', location: 'Authorization', locationType: 'header' }],
      'UNAUTHENTICATED',
    );
  return googleError(
    401,
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }],
    'UNAUTHENTICATED',
  );
}

export function invalidPageToken(): SimResponse {
  const message = 'The request specifies an invalid page token.';
  return googleError(400, message, [
    { message, domain: 'youtube.parameter', reason: 'invalidPageToken', location: 'pageToken', locationType: 'parameter' },
  ]);
}

export function badParameter(parameter: string, message: string, reason = 'invalidParameter'): SimResponse {
  return googleError(400, message, [{ message, domain: 'youtube.parameter', reason, location: parameter, locationType: 'parameter' }]);
}

export function backendError(status: number): SimResponse {
  const message = status === 503 ? 'The service is currently unavailable.' : 'Internal error encountered.';
  return googleError(status, message, [{ message, domain: 'global', reason: 'backendError' }], status === 503 ? 'UNAVAILABLE' : 'INTERNAL');
}

export function analyticsNotSupported(): SimResponse {
  return googleError(
    400,
    'The query is not supported.',
    [{ message: 'The query is not supported.', domain: 'global', reason: 'badRequest' }],
    'INVALID_ARGUMENT',
  );
}
