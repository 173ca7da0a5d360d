import assert from 'node:assert/strict';
import {
  definePlatformProfile,
  googleApiErrors,
  metaGraphErrors,
  metaRequestId,
  retryAfterMs,
  statusVerdict,
  tiktokErrors,
  tiktokRequestId,
} from '../src/profile.ts';

const NOW = Date.parse('2026-01-15T12:00:00Z');
const ctx = { now: NOW };

function metaError(code: number, subcode?: number): unknown {
  return {
    error: {
      message: `(#${code}) test`,
      type: 'OAuthException',
      code,
      ...(subcode ? { error_subcode: subcode } : {}),
      fbtrace_id: 'AbCdEf123',
    },
  };
}

function googleError(code: number, reason: string, domain = 'global'): unknown {
  return { error: { code, message: `${reason} message`, errors: [{ message: `${reason} message`, domain, reason }] } };
}

function tiktokBody(code: string): unknown {
  return { data: {}, error: { code, message: code === 'ok' ? '' : `${code} message`, log_id: '20261115LOGID' } };
}

describe('metaGraphErrors', () => {
  const cases: Array<[number, number | undefined, string, string]> = [
    [190, undefined, 'auth-expired', '190'],
    [190, 463, 'auth-expired', '190/463'],
    [190, 460, 'auth-revoked', '190/460'],
    [190, 458, 'auth-revoked', '190/458'],
    [4, undefined, 'throttled', '4'],
    [17, undefined, 'throttled', '17'],
    [32, undefined, 'throttled', '32'],
    [613, undefined, 'throttled', '613'],
    [80002, undefined, 'throttled', '80002'],
    [1, undefined, 'transient', '1'],
    [2, undefined, 'transient', '2'],
    [10, undefined, 'client', '10'],
    [100, 33, 'client', '100/33'],
  ];
  for (const [code, subcode, kind, verbatim] of cases) {
    it(`classifies code ${verbatim} as ${kind}`, () => {
      const verdict = metaGraphErrors(400, metaError(code, subcode), {}, ctx);
      assert.equal(verdict?.kind, kind);
      assert.equal(verdict?.code, verbatim);
      assert.match(verdict!.message, new RegExp(`#${code}`));
    });
  }

  it('takes the throttle wait from X-Business-Use-Case-Usage (minutes, longest entry)', () => {
    const headers = {
      'x-business-use-case-usage': JSON.stringify({
        '1784140': [
          { type: 'instagram', call_count: 100, total_cputime: 20, total_time: 30, estimated_time_to_regain_access: 7 },
          { type: 'pages', call_count: 40, total_cputime: 5, total_time: 5, estimated_time_to_regain_access: 2 },
        ],
      }),
    };
    assert.equal(metaGraphErrors(400, metaError(80002), headers, ctx)?.retryAfterMs, 7 * 60_000);
  });

  it('marks is_transient errors transient and has no opinion without an error object', () => {
    assert.equal(metaGraphErrors(500, { error: { code: 999, is_transient: true, message: 'x' } }, {}, ctx)?.kind, 'transient');
    assert.equal(metaGraphErrors(200, { data: [] }, {}, ctx), null);
  });

  it('finds the request id in the body, else in x-fb-trace-id', () => {
    assert.equal(metaRequestId({}, metaError(190)), 'AbCdEf123');
    assert.equal(metaRequestId({ 'x-fb-trace-id': 'HeaderTrace' }, { data: [] }), 'HeaderTrace');
    assert.equal(metaRequestId({}, { data: [] }), null);
  });
});

describe('googleApiErrors', () => {
  it('401 authError is auth-expired', () => {
    const verdict = googleApiErrors(401, googleError(401, 'authError'), {}, ctx);
    assert.deepEqual([verdict?.kind, verdict?.code], ['auth-expired', 'authError']);
  });

  it('403 quotaExceeded is quota-exhausted until the next midnight Pacific', () => {
    const verdict = googleApiErrors(403, googleError(403, 'quotaExceeded', 'youtube.quota'), {}, ctx);
    assert.equal(verdict?.kind, 'quota-exhausted');
    assert.equal(verdict?.resumeAt, Date.parse('2026-01-16T08:00:00Z'));
  });

  it('quotaExceeded on the day daylight saving time starts resumes at 00:00 PDT', () => {
    // 2026-03-08 01:00 PST; clocks jump at 02:00, so the next midnight is 00:00 PDT = 07:00Z.
    const verdict = googleApiErrors(
      403,
      googleError(403, 'quotaExceeded', 'youtube.quota'),
      {},
      { now: Date.parse('2026-03-08T09:00:00Z') },
    );
    assert.equal(verdict?.resumeAt, Date.parse('2026-03-09T07:00:00Z'));
  });

  it('403 rateLimitExceeded and userRateLimitExceeded are throttled, with Retry-After when given', () => {
    assert.equal(googleApiErrors(403, googleError(403, 'rateLimitExceeded', 'usageLimits'), {}, ctx)?.kind, 'throttled');
    const verdict = googleApiErrors(403, googleError(403, 'userRateLimitExceeded', 'usageLimits'), { 'retry-after': '30' }, ctx);
    assert.deepEqual([verdict?.kind, verdict?.retryAfterMs], ['throttled', 30_000]);
  });

  it('400 invalidPageToken is a client error that keeps the reason', () => {
    const verdict = googleApiErrors(400, googleError(400, 'invalidPageToken', 'youtube.parameter'), {}, ctx);
    assert.deepEqual([verdict?.kind, verdict?.code], ['client', 'invalidPageToken']);
  });

  it('backendError and 5xx are transient', () => {
    assert.equal(googleApiErrors(503, googleError(503, 'backendError'), {}, ctx)?.kind, 'transient');
  });
});

describe('tiktokErrors', () => {
  it('access_token_invalid (401) is auth-expired', () => {
    assert.equal(tiktokErrors(401, tiktokBody('access_token_invalid'), {}, ctx)?.kind, 'auth-expired');
  });

  it('rate_limit_exceeded (429) is throttled', () => {
    const verdict = tiktokErrors(429, tiktokBody('rate_limit_exceeded'), {}, ctx);
    assert.deepEqual([verdict?.kind, verdict?.code], ['throttled', 'rate_limit_exceeded']);
  });

  it('an error envelope with HTTP 200 is still an error', () => {
    assert.equal(tiktokErrors(200, tiktokBody('rate_limit_exceeded'), {}, ctx)?.kind, 'throttled');
    assert.equal(tiktokErrors(200, tiktokBody('invalid_params'), {}, ctx)?.kind, 'client');
  });

  it('scope errors revoke, internal_error is transient, ok is no error', () => {
    assert.equal(tiktokErrors(401, tiktokBody('scope_not_authorized'), {}, ctx)?.kind, 'auth-revoked');
    assert.equal(tiktokErrors(500, tiktokBody('internal_error'), {}, ctx)?.kind, 'transient');
    assert.equal(tiktokErrors(200, tiktokBody('ok'), {}, ctx), null);
  });

  it('finds log_id in the envelope', () => {
    assert.equal(tiktokRequestId({}, tiktokBody('ok')), '20261115LOGID');
  });
});

describe('status verdicts and profiles', () => {
  it('decides by status when the profile has no opinion', () => {
    assert.equal(statusVerdict(200, {}, NOW), null);
    assert.equal(statusVerdict(304, {}, NOW), null);
    assert.equal(statusVerdict(429, { 'retry-after': '3' }, NOW)?.retryAfterMs, 3_000);
    assert.equal(statusVerdict(503, {}, NOW)?.kind, 'transient');
    assert.equal(statusVerdict(408, {}, NOW)?.kind, 'transient');
    assert.equal(statusVerdict(401, {}, NOW)?.kind, 'auth-expired');
    assert.equal(statusVerdict(404, {}, NOW)?.kind, 'client');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(retryAfterMs({ 'retry-after': '120' }, NOW), 120_000);
    assert.equal(retryAfterMs({ 'retry-after': new Date(NOW + 5_000).toUTCString() }, NOW), 5_000);
    assert.equal(retryAfterMs({ 'retry-after': 'soon' }, NOW), undefined);
  });

  it('tries the declared classifiers in order and defaults to a bearer token', () => {
    const profile = definePlatformProfile({
      platform: 'TIKTOK',
      baseUrl: 'https://open.tiktokapis.com/',
      classify: [() => null, tiktokErrors],
      requestId: tiktokRequestId,
    });
    assert.equal(profile.baseUrl, 'https://open.tiktokapis.com');
    assert.deepEqual(profile.token, { in: 'authorization-header' });
    assert.equal(profile.classify(200, tiktokBody('rate_limit_exceeded'), {}, ctx)?.kind, 'throttled');
    assert.equal(profile.requestId({}, tiktokBody('ok')), '20261115LOGID');
  });
});
