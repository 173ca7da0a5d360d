import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { RetriesExhaustedError } from '@tributary/errors';
import type { TributaryError } from '@tributary/errors';
import { createLogger } from '@tributary/telemetry';
import { ManualClock } from '../src/clock.ts';
import type { ApiRequest, QuotaLedger, Requester } from '../src/contracts.ts';
import { createConnectorMetrics } from '../src/metrics.ts';
import { definePlatformProfile, googleApiErrors, metaGraphErrors, metaRequestId, tiktokErrors, tiktokRequestId } from '../src/profile.ts';
import type { PlatformProfile } from '../src/profile.ts';
import { createRequester } from '../src/requester.ts';
import type { RequesterOptions } from '../src/requester.ts';
import { FakeAuthenticator, FakeQuotaLedger } from './pipeline-fakes.ts';
import { startScriptedPlatform } from './scripted-platform.ts';
import type { ScriptedPlatform } from './scripted-platform.ts';

const youtube = (baseUrl: string): PlatformProfile =>
  definePlatformProfile({
    platform: 'YOUTUBE',
    baseUrl: `${baseUrl}/youtube/v3`,
    classify: googleApiErrors,
    endpointCosts: { 'captions.list': 50 },
    etagEndpoints: ['videos.list'],
  });

const meta = (baseUrl: string): PlatformProfile =>
  definePlatformProfile({
    platform: 'INSTAGRAM',
    baseUrl,
    apiVersion: 'v25.0',
    token: { in: 'query', name: 'access_token' },
    classify: metaGraphErrors,
    requestId: metaRequestId,
  });

const tiktok = (baseUrl: string): PlatformProfile =>
  definePlatformProfile({ platform: 'TIKTOK', baseUrl, classify: tiktokErrors, requestId: tiktokRequestId });

const videos: ApiRequest = {
  endpoint: 'videos.list',
  method: 'GET',
  path: '/videos',
  query: { id: 'a,b', part: 'statistics' },
  credential: 'chan-1',
};

const googleError = (code: number, reason: string) => ({
  error: { code, message: `${reason} message`, errors: [{ message: `${reason} message`, domain: 'x', reason }] },
});

describe('createRequester', function () {
  this.timeout(10_000);
  let platform: ScriptedPlatform;
  let clock: ManualClock;
  let requester: Requester;
  let auth: FakeAuthenticator;

  function build(profile: (url: string) => PlatformProfile, options: Partial<RequesterOptions> = {}): Requester {
    requester = createRequester({
      profile: profile(platform.url),
      authenticator: auth,
      clock,
      retry: { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 60_000 },
      http: { headersTimeoutMs: 2_000, bodyTimeoutMs: 2_000 },
      ...options,
    });
    return requester;
  }

  beforeEach(async () => {
    platform = await startScriptedPlatform();
    clock = new ManualClock(Date.parse('2026-01-15T12:00:00Z'));
    auth = new FakeAuthenticator({ 'chan-1': 'tok-1', 'ig-1': 'ig-token' });
  });

  afterEach(async () => {
    try {
      await requester?.close();
    } finally {
      await platform.close();
    }
  });

  it('close() can be called twice', async () => {
    build(youtube);
    await requester.close();
    await assert.doesNotReject(requester.close());
  });

  describe('token placement and URLs', () => {
    it('sends the token as a bearer header and never in the URL', async () => {
      build(youtube);
      platform.script(() => ({ json: { items: [] } }));
      const response = await requester.request(videos);
      assert.equal(response.status, 200);
      assert.equal(response.source, 'network');
      const [exchange] = platform.exchanges;
      assert.equal(exchange!.path, '/youtube/v3/videos');
      assert.equal(exchange!.headers.authorization, 'Bearer tok-1');
      assert.equal(exchange!.query.get('id'), 'a,b');
      assert.equal(exchange!.query.get('access_token'), null);
    });

    it('sends the token as a query parameter for Meta and prefixes the API version', async () => {
      build(meta);
      platform.script(() => ({ json: { data: [] } }));
      await requester.request({ endpoint: 'media.list', method: 'GET', path: '/1784/media', query: { fields: 'id' }, credential: 'ig-1' });
      const [exchange] = platform.exchanges;
      assert.equal(exchange!.path, '/v25.0/1784/media');
      assert.equal(exchange!.query.get('access_token'), 'ig-token');
      assert.equal(exchange!.headers.authorization, undefined);
    });

    it("follows an absolute paging link on the platform's host, replacing the token in it", async () => {
      build(meta);
      platform.script(() => ({ json: { data: [] } }));
      const next = `${platform.url}/v25.0/1784/media?after=QVFI&access_token=OLD-LEAKED&limit=25`;
      await requester.request({ endpoint: 'media.list', method: 'GET', path: next, credential: 'ig-1' });
      const [exchange] = platform.exchanges;
      assert.equal(exchange!.query.getAll('access_token').join(), 'ig-token');
      assert.equal(exchange!.query.get('after'), 'QVFI');
    });

    it('refuses an absolute URL on another host before sending anything', async () => {
      build(meta);
      await assert.rejects(
        requester.request({ endpoint: 'media.list', method: 'GET', path: 'https://evil.example/steal', credential: 'ig-1' }),
        {
          code: 'CONNECTOR_URL_OUTSIDE_PLATFORM',
        },
      );
      assert.equal(platform.exchanges.length, 0);
    });

    it('sends a JSON body for POST endpoints', async () => {
      build(tiktok);
      platform.script(() => ({ json: { data: { videos: [] }, error: { code: 'ok', message: '', log_id: 'L1' } } }));
      const response = await requester.request({
        endpoint: 'video.list',
        method: 'POST',
        path: '/v2/video/list/',
        json: { max_count: 20 },
        credential: 'chan-1',
      });
      assert.equal(response.requestId, 'L1');
      assert.deepEqual(JSON.parse(platform.exchanges[0]!.body), { max_count: 20 });
      assert.match(String(platform.exchanges[0]!.headers['content-type']), /application\/json/);
    });
  });

  describe('bodies', () => {
    it('keeps ids above 2^53 exact', async () => {
      build(meta);
      platform.script(() => ({
        raw: '{"data":[{"id":17841405793187218123,"like_count":3}]}',
        headers: { 'content-type': 'application/json' },
      }));
      const response = await requester.request<{ data: Array<{ id: string; like_count: number }> }>({
        endpoint: 'media.list',
        method: 'GET',
        path: '/me/media',
      });
      assert.deepEqual(response.body.data[0], { id: '17841405793187218123', like_count: 3 });
    });

    for (const [name, raw, contentType] of [
      ['an HTML page with 200', '<html><body>Please log in</body></html>', 'text/html'],
      ['broken JSON', '{"data":[', 'application/json'],
      ['a NaN literal', '{"views":NaN}', 'application/json'],
    ] as const) {
      it(`fails ${name} as CONNECTOR_RESPONSE_MALFORMED without retrying`, async () => {
        build(youtube);
        platform.script(() => ({ raw, headers: { 'content-type': contentType } }));
        const error = await requester.request(videos).then(
          () => assert.fail('expected a rejection'),
          (e: unknown) => e as TributaryError,
        );
        assert.equal(error.code, 'CONNECTOR_RESPONSE_MALFORMED');
        assert.equal(error.retryable, false);
        assert.ok(error.message.includes('body starts with'), error.message);
        assert.equal(platform.exchanges.length, 1);
      });
    }

    it('keeps the last value of a repeated key, and counts the answer as a duplicate_keys anomaly', async () => {
      const registry = new Registry();
      build(youtube, { metrics: createConnectorMetrics(registry) });
      platform.script(() => ({
        raw: '{"items":[{"id":"a","viewCount":"1","viewCount":"2"}]}',
        headers: { 'content-type': 'application/json' },
      }));
      const response = await requester.request<{ items: Array<{ viewCount: string }> }>(videos);
      assert.equal(response.body.items[0]!.viewCount, '2');
      assert.match(
        await registry.metrics(),
        /tributary_connector_response_anomalies_total\{platform="YOUTUBE",endpoint="videos.list",kind="duplicate_keys"\} 1/,
      );
    });

    it('fails a body over the cap with CONNECTOR_RESPONSE_TOO_LARGE', async () => {
      build(youtube, { http: { maxBodyBytes: 64 } });
      platform.script(() => ({ json: { items: 'x'.repeat(200) } }));
      await assert.rejects(requester.request(videos), { code: 'CONNECTOR_RESPONSE_TOO_LARGE' });
    });
  });

  describe('retries', () => {
    it('retries 5xx and succeeds', async () => {
      build(youtube);
      platform.script((_e, i) => (i < 2 ? { status: 503, json: googleError(503, 'backendError') } : { json: { items: [1] } }));
      const response = await clock.runUntilSettled(requester.request(videos));
      assert.deepEqual(response.body, { items: [1] });
      assert.equal(platform.exchanges.length, 3);
    });

    it('does not retry a client error', async () => {
      build(youtube);
      platform.script(() => ({ status: 400, json: googleError(400, 'invalidPageToken') }));
      await assert.rejects(requester.request(videos), (error: TributaryError) => {
        assert.equal(error.code, 'CONNECTOR_REQUEST_REJECTED');
        assert.equal(error.details.platformCode, 'invalidPageToken');
        assert.equal(error.retryable, false);
        return true;
      });
      assert.equal(platform.exchanges.length, 1);
    });

    it('throws RetriesExhaustedError with every attempt', async () => {
      build(youtube);
      platform.script((_e, i) =>
        i % 2 === 0
          ? { status: 503, json: googleError(503, 'backendError') }
          : { status: 429, headers: { 'retry-after': '1' }, json: googleError(429, 'rateLimitExceeded') },
      );
      const error = await clock.runUntilSettled(requester.request(videos)).then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof RetriesExhaustedError);
      assert.equal(error.code, 'CONNECTOR_RETRIES_EXHAUSTED');
      assert.deepEqual(
        error.attempts.map((attempt) => (attempt as TributaryError).code),
        ['CONNECTOR_UPSTREAM_UNAVAILABLE', 'CONNECTOR_THROTTLED', 'CONNECTOR_UPSTREAM_UNAVAILABLE', 'CONNECTOR_THROTTLED'],
      );
      assert.equal(platform.exchanges.length, 4);
    });

    it('waits at least Retry-After before the next attempt', async () => {
      build(tiktok);
      const calledAt: number[] = [];
      platform.script((_e, i) => {
        calledAt.push(clock.now());
        return i === 0
          ? {
              status: 429,
              headers: { 'retry-after': '30' },
              json: { data: {}, error: { code: 'rate_limit_exceeded', message: 'slow down', log_id: 'L' } },
            }
          : { json: { data: {}, error: { code: 'ok', message: '', log_id: 'L2' } } };
      });
      await clock.runUntilSettled(
        requester.request({ endpoint: 'user.info', method: 'GET', path: '/v2/user/info/', credential: 'chan-1' }),
      );
      assert.ok(calledAt[1]! - calledAt[0]! >= 30_000, `waited ${calledAt[1]! - calledAt[0]!} ms`);
    });

    it('caps a huge Retry-After at maxRetryAfterMs', async () => {
      build(youtube);
      const calledAt: number[] = [];
      platform.script((_e, i) => {
        calledAt.push(clock.now());
        return i === 0 ? { status: 429, headers: { 'retry-after': '86400' }, json: {} } : { json: { items: [] } };
      });
      await clock.runUntilSettled(requester.request(videos));
      assert.equal(calledAt[1]! - calledAt[0]!, 60_000);
    });

    it('retries a TikTok error that came with HTTP 200', async () => {
      build(tiktok);
      platform.script((_e, i) =>
        i === 0
          ? { json: { data: {}, error: { code: 'rate_limit_exceeded', message: 'x', log_id: 'L' } } }
          : { json: { data: { ok: 1 }, error: { code: 'ok', message: '', log_id: 'L' } } },
      );
      const response = await clock.runUntilSettled(
        requester.request({ endpoint: 'user.info', method: 'GET', path: '/v2/user/info/', credential: 'chan-1' }),
      );
      assert.deepEqual(response.body, { data: { ok: 1 }, error: { code: 'ok', message: '', log_id: 'L' } });
      assert.equal(platform.exchanges.length, 2);
    });

    it('ends a hang as a transient timeout (undici headersTimeout) and retries it', async () => {
      // undici checks parser timeouts on a 1 s tick, so this test takes about a second.
      build(youtube, { http: { headersTimeoutMs: 100 } });
      platform.script((_e, i) => (i === 0 ? { hang: true } : { json: { items: ['after-hang'] } }));
      const response = await clock.runUntilSettled(requester.request(videos));
      assert.deepEqual(response.body, { items: ['after-hang'] });
      assert.equal(platform.exchanges.length, 2);
    });

    it('reports hangs that never end as CONNECTOR_TIMEOUT attempts (whole-attempt timeout)', async () => {
      build(youtube, { http: { attemptTimeoutMs: 50 }, retry: { maxAttempts: 2, initialDelayMs: 10 } });
      platform.script(() => ({ hang: true }));
      const error = (await clock.runUntilSettled(requester.request(videos)).catch((e: unknown) => e)) as RetriesExhaustedError;
      assert.deepEqual(
        error.attempts.map((a) => (a as TributaryError).code),
        ['CONNECTOR_TIMEOUT', 'CONNECTOR_TIMEOUT'],
      );
    });

    it('stops waiting when the caller aborts during backoff', async () => {
      build(youtube);
      platform.script(() => ({ status: 503, json: {} }));
      const controller = new AbortController();
      const pending = requester.request({ ...videos, signal: controller.signal });
      await clock.whenSleeping();
      controller.abort(new Error('shutting down'));
      await assert.rejects(pending, /shutting down/);
      assert.equal(platform.exchanges.length, 1);
    });
  });

  describe('circuit breaker', () => {
    it('opens after consecutive failures, refuses calls, lets one trial through after halfOpenAfter, closes on success', async () => {
      build(youtube, { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 10_000 } });
      platform.script(() => ({ status: 500, json: {} }));
      await assert.rejects(requester.request(videos), { code: 'CONNECTOR_RETRIES_EXHAUSTED' });
      await assert.rejects(requester.request(videos), { code: 'CONNECTOR_RETRIES_EXHAUSTED' });
      assert.deepEqual(requester.health().circuits, [{ key: 'videos.list|chan-1', state: 'open' }]);

      await assert.rejects(
        requester.request(videos),
        (error: TributaryError) => error.code === 'CONNECTOR_CIRCUIT_OPEN' && error.retryable,
      );
      assert.equal(platform.exchanges.length, 2, 'an open circuit sends nothing');
      // Other credentials have their own circuit.
      platform.script(() => ({ json: { items: [] } }));
      await requester.request({ ...videos, credential: 'ig-1' });

      clock.advance(10_000);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      platform.script(async () => {
        await gate;
        return { json: { items: ['trial'] } };
      });
      const trial = requester.request(videos);
      while (platform.exchanges.length < 4) await new Promise((resolve) => setTimeout(resolve, 1));
      assert.equal(requester.health().circuits.find((c) => c.key === 'videos.list|chan-1')?.state, 'half-open');
      await assert.rejects(requester.request({ ...videos, query: { id: 'other' } }), { code: 'CONNECTOR_CIRCUIT_OPEN' });
      release();
      assert.deepEqual((await trial).body, { items: ['trial'] });
      assert.equal(requester.health().circuits.find((c) => c.key === 'videos.list|chan-1')?.state, 'closed');
    });

    it('opens again when the trial call fails', async () => {
      build(youtube, { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 5_000 } });
      platform.script(() => ({ status: 502, raw: '<html>Bad Gateway</html>', headers: { 'content-type': 'text/html' } }));
      await assert.rejects(requester.request(videos), { code: 'CONNECTOR_RETRIES_EXHAUSTED' });
      clock.advance(5_000);
      await assert.rejects(requester.request(videos), { code: 'CONNECTOR_RETRIES_EXHAUSTED' });
      assert.equal(requester.health().circuits[0]?.state, 'open');
      await assert.rejects(requester.request(videos), { code: 'CONNECTOR_CIRCUIT_OPEN' });
      assert.equal(platform.exchanges.length, 2);
    });

    it('does not count throttling or client errors as endpoint failures', async () => {
      build(youtube, { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1 } });
      platform.script(() => ({ status: 404, json: googleError(404, 'videoNotFound') }));
      await assert.rejects(requester.request(videos), { code: 'CONNECTOR_REQUEST_REJECTED' });
      platform.script(() => ({ status: 429, json: {} }));
      await assert.rejects(requester.request(videos), { code: 'CONNECTOR_RETRIES_EXHAUSTED' });
      assert.equal(requester.health().circuits[0]?.state, 'closed');
    });
  });

  describe('authentication', () => {
    it('refreshes once after an auth-expired answer and repeats the call with the new token', async () => {
      build(youtube, { retry: { maxAttempts: 1 } });
      platform.script((exchange) =>
        exchange.headers.authorization === 'Bearer tok-1' ? { status: 401, json: googleError(401, 'authError') } : { json: { items: [] } },
      );
      const response = await requester.request(videos);
      assert.equal(response.status, 200);
      assert.deepEqual(auth.refreshes, [{ credential: 'chan-1', rejectedToken: 'tok-1' }]);
      assert.deepEqual(
        platform.exchanges.map((e) => e.headers.authorization),
        ['Bearer tok-1', 'Bearer tok-1-refreshed'],
      );
    });

    it('suspends the credential when the refresh fails (not retryable)', async () => {
      build(youtube);
      auth.refreshResults = [false];
      platform.script(() => ({ status: 401, json: googleError(401, 'authError') }));
      await assert.rejects(requester.request(videos), (error: TributaryError) => {
        assert.equal(error.code, 'CONNECTOR_CREDENTIAL_SUSPENDED');
        assert.equal(error.retryable, false);
        return true;
      });
      assert.equal(platform.exchanges.length, 1);
      assert.deepEqual(requester.health().credentials.find((c) => c.id === 'chan-1')?.state, 'suspended');
      await assert.rejects(requester.request(videos), { code: 'CONNECTOR_CREDENTIAL_SUSPENDED' });
      assert.equal(platform.exchanges.length, 1, 'a suspended credential sends nothing');
    });

    it('gives up with CONNECTOR_AUTH_REJECTED when the refreshed token is rejected too', async () => {
      build(meta);
      platform.script(() => ({
        status: 400,
        json: { error: { message: 'Error validating access token', type: 'OAuthException', code: 190, fbtrace_id: 'T' } },
      }));
      await assert.rejects(requester.request({ endpoint: 'media.list', method: 'GET', path: '/me/media', credential: 'ig-1' }), {
        code: 'CONNECTOR_AUTH_REJECTED',
      });
      assert.equal(auth.refreshes.length, 1);
      assert.equal(platform.exchanges.length, 2);
    });

    it('fails a revoked grant without refreshing, and suspends that credential', async () => {
      build(meta);
      platform.script(() => ({
        status: 400,
        json: { error: { message: 'password changed', code: 190, error_subcode: 460, fbtrace_id: 'T' } },
      }));
      await assert.rejects(requester.request({ endpoint: 'media.list', method: 'GET', path: '/me/media', credential: 'ig-1' }), {
        code: 'CONNECTOR_CREDENTIAL_REVOKED',
      });
      assert.equal(auth.refreshes.length, 0);
      assert.equal(requester.health().credentials.find((credential) => credential.id === 'ig-1')?.state, 'suspended');
    });
  });

  describe('quota', () => {
    it('waits out quotaExceeded in the ledger and resumes without spending a retry attempt', async () => {
      const quota = new FakeQuotaLedger(clock);
      build(youtube, { quota, retry: { maxAttempts: 1 } });
      const calledAt: number[] = [];
      platform.script((_e, i) => {
        calledAt.push(clock.now());
        return i === 0 ? { status: 403, json: googleError(403, 'quotaExceeded') } : { json: { items: ['next day'] } };
      });
      const response = await clock.runUntilSettled(requester.request({ ...videos, priority: 'backfill' }));
      assert.deepEqual(response.body, { items: ['next day'] });
      assert.equal(calledAt[1], Date.parse('2026-01-16T08:00:00Z'), 'resumed at midnight Pacific');
      assert.equal(quota.acquires, 2);
      assert.deepEqual(
        quota.observed.map((o) => [o.status, o.verdict?.kind ?? null, o.call.priority, o.call.cost]),
        [
          [403, 'quota-exhausted', 'backfill', 1],
          [200, null, 'backfill', 1],
        ],
      );
    });

    it("charges the profile's endpoint cost", async () => {
      const quota = new FakeQuotaLedger(clock);
      build(youtube, { quota });
      await requester.request({ endpoint: 'captions.list', method: 'GET', path: '/captions', credential: 'chan-1' });
      assert.equal(quota.observed[0]?.call.cost, 50);
    });

    it('keeps its own floor when the ledger does not pause for the verdict (no hot loop)', async () => {
      const ignoring: QuotaLedger = { acquire: () => Promise.resolve(), observe: () => {}, health: () => [] };
      build(youtube, { quota: ignoring, retry: { maxAttempts: 1 } });
      const calledAt: number[] = [];
      platform.script((_e, i) => {
        calledAt.push(clock.now());
        return i === 0 ? { status: 403, json: googleError(403, 'quotaExceeded') } : { json: { items: [] } };
      });
      await clock.runUntilSettled(requester.request(videos));
      assert.deepEqual(calledAt, [Date.parse('2026-01-15T12:00:00Z'), Date.parse('2026-01-16T08:00:00Z')]);
    });

    it('pauses by itself when there is no ledger', async () => {
      build(youtube, { quota: undefined, retry: { maxAttempts: 1 } });
      platform.script((_e, i) => (i === 0 ? { status: 403, json: googleError(403, 'quotaExceeded') } : { json: { items: [] } }));
      await clock.runUntilSettled(requester.request(videos));
      assert.equal(clock.now(), Date.parse('2026-01-16T08:00:00Z'), 'resumed at midnight Pacific');
      assert.equal(platform.exchanges.length, 2);
    });
  });

  describe('cache', () => {
    it('serves an identical request from the TTL cache until it expires', async () => {
      build(youtube);
      platform.script((_e, i) => ({ json: { n: i } }));
      const request = { ...videos, cacheTtlMs: 60_000 };
      assert.equal((await requester.request(request)).source, 'network');
      clock.advance(59_000);
      const cached = await requester.request(request);
      assert.deepEqual([cached.source, cached.body], ['cache', { n: 0 }]);
      clock.advance(2_000);
      const fresh = await requester.request(request);
      assert.deepEqual([fresh.source, fresh.body], ['network', { n: 1 }]);
      assert.equal(platform.exchanges.length, 2);
      assert.deepEqual(requester.health().cache, { hits: 1, misses: 2, notModified: 0, shared: 0 });
    });

    it('shares one network call between identical concurrent requests', async () => {
      build(youtube);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      platform.script(async () => {
        await gate;
        return { json: { items: ['once'] } };
      });
      const all = Promise.all([requester.request(videos), requester.request(videos), requester.request(videos)]);
      while (platform.exchanges.length < 1) await new Promise((resolve) => setTimeout(resolve, 1));
      release();
      const responses = await all;
      assert.deepEqual(responses.map((r) => r.source).sort(), ['network', 'shared', 'shared']);
      assert.ok(responses.every((r) => (r.body as { items: string[] }).items[0] === 'once'));
      assert.equal(platform.exchanges.length, 1);
      assert.equal(requester.health().cache.shared, 2);
    });

    it('revalidates with If-None-Match and returns the stored body on 304', async () => {
      build(youtube);
      platform.script((exchange) =>
        exchange.headers['if-none-match'] === '"etag-1"'
          ? { status: 304, headers: { etag: '"etag-1"' } }
          : { headers: { etag: '"etag-1"' }, json: { items: ['v1'] } },
      );
      const request = { ...videos, conditional: true };
      const first = await requester.request(request);
      const second = await requester.request(request);
      assert.equal(platform.exchanges[0]!.headers['if-none-match'], undefined);
      assert.equal(platform.exchanges[1]!.headers['if-none-match'], '"etag-1"');
      assert.deepEqual([second.status, second.source, second.body], [304, 'not-modified', first.body]);
      assert.equal(requester.health().cache.notModified, 1);
    });

    it('sends no If-None-Match for endpoints the profile does not list', async () => {
      build(youtube);
      platform.script(() => ({ headers: { etag: '"e"' }, json: {} }));
      const request: ApiRequest = {
        endpoint: 'playlistItems.list',
        method: 'GET',
        path: '/playlistItems',
        conditional: true,
        credential: 'chan-1',
      };
      await requester.request(request);
      await requester.request(request);
      assert.equal(platform.exchanges[1]!.headers['if-none-match'], undefined);
    });
  });

  describe('observability', () => {
    it('counts attempts, retries, cache results, circuits and quotas in prom-client', async () => {
      const registry = new Registry();
      const quota = new FakeQuotaLedger(clock);
      build(youtube, { metrics: createConnectorMetrics(registry), quota });
      platform.script((_e, i) => (i === 0 ? { status: 503, json: {} } : { json: {} }));
      await clock.runUntilSettled(requester.request({ ...videos, cacheTtlMs: 1_000 }));
      await requester.request({ ...videos, cacheTtlMs: 1_000 });
      const text = await registry.metrics();
      assert.match(text, /tributary_connector_requests_total\{platform="YOUTUBE",endpoint="videos.list",outcome="transient"\} 1/);
      assert.match(text, /tributary_connector_requests_total\{platform="YOUTUBE",endpoint="videos.list",outcome="ok"\} 1/);
      assert.match(text, /tributary_connector_retries_total\{platform="YOUTUBE",endpoint="videos.list",reason="transient"\} 1/);
      assert.match(text, /tributary_connector_cache_total\{platform="YOUTUBE",result="hit"\} 1/);
      assert.match(text, /tributary_connector_cache_total\{platform="YOUTUBE",result="miss"\} 1/);
      assert.match(text, /tributary_connector_circuit_state\{platform="YOUTUBE",endpoint="videos.list",state="closed"\} 1/);
      assert.match(text, /tributary_connector_quota_used\{platform="YOUTUBE",scope="youtube:daily-units"\} 2/);
      assert.match(text, /tributary_connector_quota_remaining\{platform="YOUTUBE",scope="youtube:daily-units"\} 9998/);
      assert.match(text, /tributary_connector_request_duration_seconds_count\{platform="YOUTUBE",endpoint="videos.list"\} 2/);
    });

    it('shares one set of metrics per registry between requesters', () => {
      const registry = new Registry();
      assert.equal(createConnectorMetrics(registry), createConnectorMetrics(registry));
    });

    it('logs each call at debug level without the token in the URL or the headers', async () => {
      const lines: string[] = [];
      const logger = createLogger({ serviceName: 'test', level: 'debug' }, { write: (line: string) => void lines.push(line) });
      for (const [profile, credential, request] of [
        [meta, 'ig-1', { endpoint: 'media.list', method: 'GET', path: '/me/media', query: { fields: 'id' } }],
        [youtube, 'chan-1', videos],
      ] as const) {
        build(profile, { logger });
        platform.script(() => ({ headers: { 'x-app-usage': '{"call_count":1}', 'set-cookie': 'session=abc' }, json: { data: [] } }));
        await requester.request({ ...request, credential } as ApiRequest);
        await requester.close();
      }
      const calls = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'Platform call');
      assert.equal(calls.length, 2, lines.join('\n'));
      assert.equal(calls[0]!.status, 200);
      assert.match(String(calls[0]!.url), /\/v25\.0\/me\/media\?fields=id$/);
      assert.deepEqual((calls[1]!.requestHeaders as Record<string, string>).authorization, '[redacted]');
      assert.equal((calls[1]!.responseHeaders as Record<string, string>)['x-app-usage'], '{"call_count":1}');
      const all = lines.join('\n');
      assert.ok(!all.includes('ig-token') && !all.includes('tok-1') && !all.includes('session=abc'), all);
    });
  });
});
