// The Graph profile: batch-wide verdicts lifted from sub-requests, per-item errors left to the mapper, token placement.
import assert from 'node:assert/strict';
import { requestUrl } from '@tributary/connector-kit';
import { instagramProfile, instagramRefreshSpec, metaBatchErrors } from '../src/profile.ts';

const item = (code: number, error: Record<string, unknown> | null, headers?: Array<{ name: string; value: string }>) => ({
  code,
  ...(headers ? { headers } : {}),
  body: JSON.stringify(error === null ? { data: [] } : { error: { message: 'm', type: 'OAuthException', fbtrace_id: 'T', ...error } }),
});

describe('source-instagram profile', () => {
  const profile = instagramProfile({ baseUrl: 'https://graph.facebook.com/', apiVersion: 'v25.0' });
  const classify = (body: unknown, status = 200) => profile.classify(status, body, {}, { now: 0 });

  it('lifts a token error inside a batch to the whole answer (auth-expired for 190/463, auth-revoked for 190/460)', () => {
    assert.equal(classify([item(200, null), item(400, { code: 190, error_subcode: 463 })])?.kind, 'auth-expired');
    assert.equal(classify([item(400, { code: 190, error_subcode: 460 }), item(200, null)])?.kind, 'auth-revoked');
  });

  it('lifts throttling inside a batch, with the regain time of the sub-request headers', () => {
    const buc = JSON.stringify({
      '1784': [{ type: 'instagram', call_count: 100, total_cputime: 50, total_time: 70, estimated_time_to_regain_access: 12 }],
    });
    const verdict = classify([item(400, { code: 80002 }, [{ name: 'X-Business-Use-Case-Usage', value: buc }])]);
    assert.equal(verdict?.kind, 'throttled');
    assert.equal(verdict?.code, '80002');
    assert.equal(verdict?.retryAfterMs, 12 * 60_000);
    for (const code of [4, 17, 32, 613]) assert.equal(classify([item(400, { code })])?.kind, 'throttled', String(code));
  });

  it('leaves per-item errors (10 not enough viewers, 100 missing object) and timed-out items to the mapper', () => {
    assert.equal(classify([item(400, { code: 10 }), item(400, { code: 100, error_subcode: 33 }), null, item(200, null)]), null);
    assert.equal(metaBatchErrors(200, { data: [] }, {}, { now: 0 }), null, 'not a batch answer: no opinion');
  });

  it('classifies plain Graph errors with the kit classifier', () => {
    assert.equal(classify({ error: { code: 190, error_subcode: 463, message: 'expired' } }, 400)?.kind, 'auth-expired');
    assert.equal(classify({ error: { code: 2, message: 'service' } }, 500)?.kind, 'transient');
    assert.equal(classify({ error: { code: 10, message: '(#10) Not enough viewers' } }, 400)?.kind, 'client');
  });

  it('puts the version in the path and reads the request id from fbtrace_id or x-fb-trace-id', () => {
    assert.equal(
      requestUrl(profile, { path: '/1784/media', query: { limit: 5 } }).toString(),
      'https://graph.facebook.com/v25.0/1784/media?limit=5',
    );
    assert.deepEqual(profile.token, { in: 'query', name: 'access_token' });
    assert.equal(profile.requestId({}, { error: { fbtrace_id: 'AbC' } }), 'AbC');
    assert.equal(profile.requestId({ 'x-fb-trace-id': 'XyZ' }, {}), 'XyZ');
  });

  it('refreshes Instagram Login tokens only when asked, with the ≥ 24 h rule', () => {
    assert.equal(instagramRefreshSpec({ tokenRefresh: false, refreshBaseUrl: 'https://graph.instagram.com' }), null);
    const spec = instagramRefreshSpec({ tokenRefresh: true, refreshBaseUrl: 'http://127.0.0.1:1/instagram' })!;
    assert.equal(spec.url, 'http://127.0.0.1:1/instagram/refresh_access_token');
    assert.equal(spec.minTokenAgeMs, 24 * 3_600_000);
  });
});
