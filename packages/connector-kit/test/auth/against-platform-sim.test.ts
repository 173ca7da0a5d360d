// The authenticator against the platform simulator's token endpoints (services/platform-sim),
// which implement the documented behaviour: TikTok rotating refresh tokens, Google refresh with
// invalid_grant, Instagram ig_refresh_token for tokens at least 24 h old.
import assert from 'node:assert/strict';
import { fetch } from 'undici';
import { createLogger } from '@tributary/telemetry';
import { startPlatformSim } from '@tributary/platform-sim';
import type { PlatformSim } from '@tributary/platform-sim';
import { createOAuthAuthenticator } from '../../src/auth/oauth-authenticator.ts';
import type { OAuthAuthenticatorOptions } from '../../src/auth/oauth-authenticator.ts';
import { createMemoryCredentialStore } from '../../src/auth/credential-store.ts';
import { googleRefresh, instagramRefresh, tiktokRefresh } from '../../src/auth/refresh-specs.ts';
import { TestClock } from '../quota/test-clock.ts';

const START = Date.parse('2026-11-20T12:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('connector-kit auth: against the platform simulator', () => {
  let sim: PlatformSim;
  let clock: TestClock;
  const lines: string[] = [];
  /** Tokens handed out during a test; afterEach checks that none of them (nor the seeds) was logged. */
  const issued: string[] = [];
  const logger = createLogger({ serviceName: 'auth-sim-test', level: 'debug' }, { write: (line: string) => void lines.push(line) });

  beforeEach(async () => {
    sim = await startPlatformSim({
      seed: 'auth-test',
      clock: { startTime: START, speed: 0 },
      accounts: { tiktok: 1, instagram: 1, youtube: 1 },
    });
    clock = new TestClock(START);
  });
  afterEach(async () => {
    const { tiktok, instagram, youtube } = sim.credentials();
    await sim.close();
    const output = lines.join('');
    const seeded = [
      ...tiktok.accounts.flatMap((account) => [account.accessToken, account.refreshToken]),
      ...instagram.accounts.map((account) => account.accessToken),
      ...youtube.accounts.flatMap((account) => [account.accessToken, account.refreshToken]),
    ];
    for (const token of [...seeded, ...issued]) assert.ok(!output.includes(token), 'a token reached the log');
    issued.length = 0;
  });

  /** Moves the simulator and the authenticator's clock together. */
  async function advance(ms: number): Promise<void> {
    await sim.advance(ms);
    await clock.advance(ms);
  }

  function authenticator(
    options: Pick<OAuthAuthenticatorOptions, 'platform' | 'credentials' | 'refresh' | 'refreshSkewMs'> & Partial<OAuthAuthenticatorOptions>,
  ) {
    return createOAuthAuthenticator({ store: createMemoryCredentialStore(), clock, logger, ...options });
  }

  async function tiktokUserInfo(token: string): Promise<number> {
    const response = await fetch(`${sim.baseUrls.tiktok}/v2/user/info/?fields=open_id`, { headers: { authorization: `Bearer ${token}` } });
    await response.text();
    return response.status;
  }

  it('TikTok: refreshes before expiry, the new token works, the rotated-away refresh token suspends a stale copy', async () => {
    const { clientKey, clientSecret, accounts } = sim.credentials().tiktok;
    const account = accounts[0]!;
    const seeds = [
      {
        id: account.openId,
        accessToken: account.accessToken,
        accessTokenExpiresAt: account.accessExpiresAt,
        refreshToken: account.refreshToken,
        refreshTokenExpiresAt: account.refreshExpiresAt,
      },
    ];
    const refresh = tiktokRefresh({ tokenUrl: sim.baseUrls.tiktokOAuth, clientKey, clientSecret });
    const store = createMemoryCredentialStore();
    const auth = authenticator({ platform: 'TIKTOK', credentials: seeds, refresh, refreshSkewMs: 5 * MINUTE, store });

    assert.equal(await auth.accessToken(account.openId), account.accessToken);
    await advance(account.accessExpiresAt - START - 4 * MINUTE);
    const fresh = await auth.accessToken(account.openId);
    issued.push(fresh, store.records.get(account.openId)!.refreshToken!);
    assert.notEqual(fresh, account.accessToken);
    assert.equal(await tiktokUserInfo(fresh), 200);
    assert.notEqual(store.records.get(account.openId)!.refreshToken, account.refreshToken, 'rotated refresh token persisted');

    await advance(5 * MINUTE);
    assert.equal(await tiktokUserInfo(account.accessToken), 401, 'the seed token has expired');

    const stale = authenticator({ platform: 'TIKTOK', credentials: seeds, refresh, refreshSkewMs: 5 * MINUTE });
    await assert.rejects(stale.accessToken(account.openId), { code: 'CONNECTOR_CREDENTIAL_SUSPENDED' });
    assert.match(stale.health()[0]!.reason!, /invalid_grant/);
    assert.equal(await tiktokUserInfo(await auth.accessToken(account.openId)), 200, 'the live copy is unaffected');
  });

  it('Google: refreshes through the token endpoint; a revoked grant (invalid_grant) suspends', async () => {
    const { clientId, clientSecret, accounts } = sim.credentials().youtube;
    const account = accounts[0]!;
    const auth = authenticator({
      platform: 'YOUTUBE',
      credentials: [
        {
          id: account.channelId,
          accessToken: account.accessToken,
          accessTokenExpiresAt: account.accessExpiresAt,
          refreshToken: account.refreshToken,
        },
      ],
      refresh: googleRefresh({ tokenUrl: sim.baseUrls.googleOAuth, clientId, clientSecret }),
      refreshSkewMs: 5 * MINUTE,
    });
    await advance(account.accessExpiresAt - START - MINUTE);
    const fresh = await auth.accessToken(account.channelId);
    issued.push(fresh);
    assert.notEqual(fresh, account.accessToken);

    const wrongClient = authenticator({
      platform: 'YOUTUBE',
      credentials: [{ id: 'other', accessToken: 'ya29.x', accessTokenExpiresAt: clock.now(), refreshToken: '1//not-issued-by-the-sim' }],
      refresh: googleRefresh({ tokenUrl: sim.baseUrls.googleOAuth, clientId, clientSecret }),
      refreshSkewMs: 5 * MINUTE,
    });
    await assert.rejects(wrongClient.accessToken('other'), { code: 'CONNECTOR_CREDENTIAL_SUSPENDED' });
    assert.match(wrongClient.health()[0]!.reason!, /invalid_grant/);
  });

  it('Instagram: a long-lived token is refreshed once at least 24 h old', async () => {
    const account = sim.credentials().instagram.accounts[0]!;
    const auth = authenticator({
      platform: 'INSTAGRAM',
      credentials: [
        {
          id: account.igUserId,
          accessToken: account.accessToken,
          accessTokenExpiresAt: account.accessExpiresAt,
          accessTokenIssuedAt: account.issuedAt,
        },
      ],
      refresh: instagramRefresh({ baseUrl: sim.baseUrls.instagram }),
      refreshSkewMs: account.accessExpiresAt - START, // wants a refresh at once; must wait until the token is 24 h old
    });
    assert.equal(await auth.accessToken(account.igUserId), account.accessToken, 'too young: used as is');
    await advance(account.issuedAt + 24 * HOUR - START);
    const fresh = await auth.accessToken(account.igUserId);
    issued.push(fresh);
    assert.notEqual(fresh, account.accessToken);
    assert.equal(auth.health()[0]!.state, 'active');
    assert.ok(auth.health()[0]!.expiresAt! > account.accessExpiresAt);
  });
});
