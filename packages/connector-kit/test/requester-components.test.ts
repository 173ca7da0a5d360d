// The requester against the real quota ledger (src/quota) and OAuth authenticator (src/auth),
// not fakes: calls beyond the budget are never sent, the platform's own quotaExceeded pauses the
// call until the reset without spending a retry attempt, a rejected token is refreshed once.
import assert from 'node:assert/strict';
import { createLogger } from '@tributary/telemetry';
import { createMemoryCredentialStore } from '../src/auth/credential-store.ts';
import { createOAuthAuthenticator } from '../src/auth/oauth-authenticator.ts';
import { googleRefresh } from '../src/auth/refresh-specs.ts';
import { ManualClock } from '../src/clock.ts';
import type { ApiRequest, Requester } from '../src/contracts.ts';
import { definePlatformProfile, googleApiErrors } from '../src/profile.ts';
import { dailyUnitsPolicy } from '../src/quota/daily-units.ts';
import { createQuotaLedger } from '../src/quota/ledger.ts';
import { retryAfterPolicy } from '../src/quota/retry-after.ts';
import { createRequester } from '../src/requester.ts';
import { startScriptedPlatform } from './scripted-platform.ts';
import type { Reply, ScriptedPlatform } from './scripted-platform.ts';

const MIDNIGHT_PACIFIC = Date.parse('2026-01-16T08:00:00Z');

describe('createRequester with the quota ledger', () => {
  let platform: ScriptedPlatform;
  let clock: ManualClock;
  let requester: Requester;

  beforeEach(async () => {
    platform = await startScriptedPlatform(() => ({ json: { items: [] } }));
    clock = new ManualClock(Date.parse('2026-01-15T12:00:00Z'));
    const logger = createLogger({ serviceName: 'test', level: 'silent' });
    const quota = createQuotaLedger({ platform: 'YOUTUBE', clock, logger, policies: [dailyUnitsPolicy({ limit: 3 }), retryAfterPolicy()] });
    requester = createRequester({
      profile: definePlatformProfile({ platform: 'YOUTUBE', baseUrl: platform.url, classify: googleApiErrors }),
      quota,
      clock,
      retry: { maxAttempts: 1 },
    });
  });

  afterEach(async () => {
    try {
      await requester.close();
    } finally {
      await platform.close();
    }
  });

  const call = (id: string): ApiRequest => ({ endpoint: 'videos.list', method: 'GET', path: '/videos', query: { id } });

  it('never sends a call beyond the budget; it goes out after the reset', async () => {
    for (const id of ['a', 'b', 'c']) await requester.request(call(id));
    const fourth = requester.request(call('d'));
    await clock.whenSleeping();
    assert.equal(platform.exchanges.length, 3);
    assert.equal(requester.health().quotas.find((q) => q.scope === 'youtube:daily-units')?.used, 3);
    await clock.runUntilSettled(fourth);
    assert.equal(clock.now(), MIDNIGHT_PACIFIC);
    assert.equal(platform.exchanges.length, 4);
  });

  it("waits out the platform's quotaExceeded until midnight Pacific without a retry attempt", async () => {
    platform.script((_e, i) =>
      i === 0
        ? { status: 403, json: { error: { code: 403, message: 'quota', errors: [{ reason: 'quotaExceeded', domain: 'youtube.quota' }] } } }
        : { json: { items: ['tomorrow'] } },
    );
    const response = await clock.runUntilSettled(requester.request(call('a')));
    assert.deepEqual(response.body, { items: ['tomorrow'] });
    assert.ok(clock.now() >= MIDNIGHT_PACIFIC, new Date(clock.now()).toISOString());
    assert.equal(platform.exchanges.length, 2);
  });
});

describe('createRequester with the OAuth authenticator', () => {
  let platform: ScriptedPlatform;
  let requester: Requester;

  afterEach(async () => {
    try {
      await requester.close();
    } finally {
      await platform.close();
    }
  });

  async function setUp(tokenAnswer: () => Reply): Promise<void> {
    platform = await startScriptedPlatform((exchange) => {
      if (exchange.path === '/token') return tokenAnswer();
      return exchange.headers.authorization === 'Bearer fresh-token'
        ? { json: { items: ['ok'] } }
        : {
            status: 401,
            json: { error: { code: 401, message: 'Invalid Credentials', errors: [{ reason: 'authError', domain: 'global' }] } },
          };
    });
    const clock = new ManualClock(Date.parse('2026-01-15T12:00:00Z'));
    const logger = createLogger({ serviceName: 'test', level: 'silent' });
    const authenticator = createOAuthAuthenticator({
      platform: 'YOUTUBE',
      credentials: [{ id: 'chan-1', accessToken: 'stale-token', refreshToken: 'refresh-1' }],
      refresh: googleRefresh({ tokenUrl: `${platform.url}/token`, clientId: 'client', clientSecret: 'secret' }),
      store: createMemoryCredentialStore(),
      clock,
      logger,
      refreshSkewMs: 60_000,
      refreshAttempts: 1,
    });
    requester = createRequester({
      profile: definePlatformProfile({ platform: 'YOUTUBE', baseUrl: platform.url, classify: googleApiErrors }),
      authenticator,
      clock,
      retry: { maxAttempts: 1 },
    });
  }

  const videos: ApiRequest = { endpoint: 'videos.list', method: 'GET', path: '/videos', query: { id: 'a' }, credential: 'chan-1' };

  it('a rejected token is refreshed at the token endpoint and the call repeated once', async () => {
    await setUp(() => ({ json: { access_token: 'fresh-token', expires_in: 3599, token_type: 'Bearer' } }));
    const response = await requester.request(videos);
    assert.deepEqual(response.body, { items: ['ok'] });
    assert.deepEqual(
      platform.exchanges.map((e) => e.path),
      ['/videos', '/token', '/videos'],
    );
  });

  it('a dead refresh token (invalid_grant) suspends the credential and later calls send nothing', async () => {
    await setUp(() => ({ status: 400, json: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } }));
    await assert.rejects(requester.request(videos), { code: 'CONNECTOR_CREDENTIAL_SUSPENDED' });
    assert.equal(requester.health().credentials.find((c) => c.id === 'chan-1')?.state, 'suspended');
    const sent = platform.exchanges.length;
    await assert.rejects(requester.request(videos), { code: 'CONNECTOR_CREDENTIAL_SUSPENDED' });
    assert.equal(platform.exchanges.length, sent);
  });
});
