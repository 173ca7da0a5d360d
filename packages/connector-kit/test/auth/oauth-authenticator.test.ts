import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@tributary/telemetry';
import { isTributaryError } from '@tributary/errors';
import type { TributaryError } from '@tributary/errors';
import { createOAuthAuthenticator } from '../../src/auth/oauth-authenticator.ts';
import type { CredentialSeed, OAuthAuthenticatorOptions } from '../../src/auth/oauth-authenticator.ts';
import { createEncryptedFileCredentialStore, createMemoryCredentialStore } from '../../src/auth/credential-store.ts';
import type { CredentialRecord, CredentialStore } from '../../src/auth/credential-store.ts';
import { googleRefresh, instagramRefresh, tiktokRefresh } from '../../src/auth/refresh-specs.ts';
import { TestClock, settle } from '../quota/test-clock.ts';
import { rotatingTikTok, startTokenServer } from './token-server.ts';
import type { TokenServer } from './token-server.ts';

const START = Date.parse('2026-11-24T00:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const KEY = Buffer.alloc(32, 7).toString('base64');

function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger({ serviceName: 'auth-test', level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, text: () => lines.join('') };
}

function suspendedCode(error: unknown): boolean {
  const e = error as TributaryError;
  return (
    isTributaryError(e) &&
    e.code === 'CONNECTOR_CREDENTIAL_SUSPENDED' &&
    e.failureType === 'config' &&
    !e.retryable &&
    (e.hint ?? '').length > 0
  );
}

describe('connector-kit auth: OAuth authenticator', () => {
  let server: TokenServer | undefined;
  let directory: string | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    directory = undefined;
  });

  function tiktok(overrides: Partial<OAuthAuthenticatorOptions> & { seeds: CredentialSeed[]; clock: TestClock }) {
    const log = capturingLogger();
    const { seeds, ...rest } = overrides;
    const authenticator = createOAuthAuthenticator({
      platform: 'TIKTOK',
      credentials: seeds,
      refresh: tiktokRefresh({ baseUrl: server!.baseUrl, clientKey: 'ck', clientSecret: 'client-secret-value' }),
      store: createMemoryCredentialStore(),
      logger: log.logger,
      refreshSkewMs: 5 * MINUTE,
      ...rest,
    });
    return { authenticator, log };
  }

  const seed = (id: string, refreshToken: string | null, expiresInMs = 2 * HOUR): CredentialSeed => ({
    id,
    accessToken: `at-seed-${id}-secret`,
    accessTokenExpiresAt: START + expiresInMs,
    refreshToken,
    refreshTokenExpiresAt: START + 180 * 24 * HOUR,
  });

  it('uses the current token until it expires within the skew, then refreshes proactively and persists the rotation', async () => {
    const sim = rotatingTikTok(['rt-1-secret']);
    server = await startTokenServer(sim.reply);
    const clock = new TestClock(START);
    const store = createMemoryCredentialStore();
    const { authenticator } = tiktok({ seeds: [seed('a', 'rt-1-secret', 10 * MINUTE)], clock, store });

    assert.equal(await authenticator.accessToken('a'), 'at-seed-a-secret');
    assert.equal(server.calls.length, 0);
    await clock.advance(5 * MINUTE - 1);
    assert.equal(await authenticator.accessToken('a'), 'at-seed-a-secret', 'still outside the skew');
    await clock.advance(1);
    assert.equal(await authenticator.accessToken('a'), 'at-new-1-secret');
    assert.deepEqual(server.calls[0], {
      method: 'POST',
      path: '/v2/oauth/token/',
      params: { client_key: 'ck', client_secret: 'client-secret-value', grant_type: 'refresh_token', refresh_token: 'rt-1-secret' },
    });
    const stored = store.records.get('a')!;
    assert.equal(stored.refreshToken, 'rt-rotated-1-secret');
    assert.equal(stored.accessTokenExpiresAt, clock.now() + 7200 * 1000);
    assert.equal(stored.refreshTokenExpiresAt, clock.now() + 15_552_000 * 1000);
    assert.equal(authenticator.health()[0]!.expiresAt, clock.now() + 7200 * 1000);
  });

  it('shares one refresh among 10 concurrent callers', async () => {
    const sim = rotatingTikTok(['rt-1-secret']);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    server = await startTokenServer(async (call) => {
      await gate;
      return sim.reply(call);
    });
    const clock = new TestClock(START);
    const { authenticator } = tiktok({ seeds: [seed('a', 'rt-1-secret', MINUTE)], clock });

    const callers = Array.from({ length: 10 }, () => authenticator.accessToken('a'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(authenticator.health()[0]!.state, 'refreshing');
    release();
    const tokens = await Promise.all(callers);
    assert.deepEqual(new Set(tokens), new Set(['at-new-1-secret']));
    assert.equal(server.calls.length, 1);
    assert.equal(authenticator.health()[0]!.state, 'active');
  });

  it('persists the rotated refresh token in the encrypted file store and reuses it after a restart; the spent one suspends', async () => {
    const sim = rotatingTikTok(['rt-1-secret']);
    server = await startTokenServer(sim.reply);
    directory = await mkdtemp(join(tmpdir(), 'tributary-cred-'));
    const clock = new TestClock(START);
    const seeds = [seed('a', 'rt-1-secret', MINUTE)];

    const first = tiktok({ seeds, clock, store: createEncryptedFileCredentialStore({ directory, encryptionKey: KEY }) });
    assert.equal(await first.authenticator.accessToken('a'), 'at-new-1-secret');

    // Restart: same configuration (the seed still names rt-1, which is spent), same store.
    await clock.advance(2 * HOUR);
    const second = tiktok({ seeds, clock, store: createEncryptedFileCredentialStore({ directory, encryptionKey: KEY }) });
    assert.equal(await second.authenticator.accessToken('a'), 'at-new-2-secret');
    assert.equal(server.calls[1]!.params.refresh_token, 'rt-rotated-1-secret', 'the stored rotated token is used, not the seed');

    // A process that lost the rotation (memory store, old seed) presents the spent token: invalid_grant → suspended.
    const stale = tiktok({ seeds, clock, store: createMemoryCredentialStore() });
    await assert.rejects(stale.authenticator.accessToken('a'), suspendedCode);
    assert.equal(server.calls[2]!.params.refresh_token, 'rt-1-secret');
    const [health] = stale.authenticator.health();
    assert.equal(health!.state, 'suspended');
    assert.match(health!.reason!, /invalid_grant/);
  });

  it('does not hand out a refreshed token before the rotation is saved, and saves it later without refreshing again', async () => {
    const sim = rotatingTikTok(['rt-1-secret']);
    server = await startTokenServer(sim.reply);
    const clock = new TestClock(START);
    const memory = createMemoryCredentialStore();
    let failSaves = false;
    const saved: CredentialRecord[] = [];
    const store: CredentialStore = {
      load: (id) => memory.load(id),
      save: async (record) => {
        if (failSaves) throw new Error('disk full');
        saved.push(record);
        await memory.save(record);
      },
    };
    const { authenticator } = tiktok({ seeds: [seed('a', 'rt-1-secret', MINUTE)], clock, store });
    await authenticator.accessToken('a').catch(() => undefined); // loads and refreshes (saves fine)
    await clock.advance(2 * HOUR);

    failSaves = true;
    await assert.rejects(authenticator.accessToken('a'), { code: 'CONNECTOR_CREDENTIAL_STORE_FAILED', retryable: true });
    assert.equal(server.calls.length, 2, 'the endpoint issued rotation #2');
    await assert.rejects(authenticator.refreshAfterRejection('a', 'at-new-1-secret'), { code: 'CONNECTOR_CREDENTIAL_STORE_FAILED' });
    assert.equal(server.calls.length, 2, 'no refresh with the spent token while the rotation is unsaved');

    failSaves = false;
    assert.equal(await authenticator.accessToken('a'), 'at-new-2-secret');
    assert.equal(server.calls.length, 2);
    assert.equal(saved.at(-1)!.refreshToken, 'rt-rotated-2-secret');
  });

  it('suspends only the credential whose grant is dead, logs it once and never logs a token', async () => {
    const sim = rotatingTikTok(['rt-b-secret']);
    server = await startTokenServer(sim.reply);
    const clock = new TestClock(START);
    const { authenticator, log } = tiktok({ seeds: [seed('a', 'rt-revoked-secret', MINUTE), seed('b', 'rt-b-secret', MINUTE)], clock });

    await assert.rejects(authenticator.accessToken('a'), suspendedCode);
    await assert.rejects(authenticator.accessToken('a'), suspendedCode);
    assert.equal(await authenticator.refreshAfterRejection('a', 'at-seed-a-secret'), false);
    assert.equal(await authenticator.accessToken('b'), 'at-new-1-secret');
    assert.equal(server.calls.length, 2, 'a suspended credential is not refreshed again');

    const health = authenticator.health();
    assert.deepEqual(
      health.map((entry) => [entry.id, entry.state]),
      [
        ['a', 'suspended'],
        ['b', 'active'],
      ],
    );
    const errorLines = log.lines.filter((line) => line.includes('"level":"error"'));
    assert.equal(errorLines.length, 1);
    assert.match(errorLines[0]!, /"credential":"a"/);
    for (const secret of [
      'at-seed-a-secret',
      'rt-revoked-secret',
      'at-seed-b-secret',
      'rt-b-secret',
      'at-new-1-secret',
      'rt-rotated-1-secret',
      'client-secret-value',
    ]) {
      assert.ok(!log.text().includes(secret), `log output contains ${secret}`);
    }
    const error = await authenticator.accessToken('a').catch((e: unknown) => e as TributaryError);
    const serialized = JSON.stringify((error as TributaryError).toJSON()) + String((error as TributaryError).stack);
    for (const token of ['at-seed-a-secret', 'rt-revoked-secret', 'client-secret-value'])
      assert.ok(!serialized.includes(token), 'the error carries no token');
  });

  it('refreshAfterRejection: a token already replaced counts as refreshed; otherwise it refreshes once', async () => {
    const sim = rotatingTikTok(['rt-1-secret']);
    server = await startTokenServer(sim.reply);
    const clock = new TestClock(START);
    const { authenticator } = tiktok({ seeds: [seed('a', 'rt-1-secret')], clock });

    const rejections = await Promise.all(Array.from({ length: 5 }, () => authenticator.refreshAfterRejection('a', 'at-seed-a-secret')));
    assert.deepEqual(rejections, [true, true, true, true, true]);
    assert.equal(server.calls.length, 1);
    assert.equal(await authenticator.refreshAfterRejection('a', 'at-seed-a-secret'), true, 'stale rejection');
    assert.equal(server.calls.length, 1);
    assert.equal(await authenticator.accessToken('a'), 'at-new-1-secret');
  });

  it('retries transient refresh failures with backoff and gives up without suspending', async () => {
    let failures = 2;
    const sim = rotatingTikTok(['rt-1-secret']);
    server = await startTokenServer((call) =>
      failures-- > 0 ? { status: 503, body: { error: 'temporarily_unavailable' } } : sim.reply(call),
    );
    const clock = new TestClock(START);
    const { authenticator } = tiktok({ seeds: [seed('a', 'rt-1-secret', MINUTE)], clock, refreshBackoffMs: 1000 });
    assert.equal(await clock.manual.runUntilSettled(authenticator.accessToken('a')), 'at-new-1-secret');
    assert.equal(clock.now() - START, 1000 + 2000, 'backoff 1 s, then 2 s, on the kit clock');
    assert.equal(server.calls.length, 3);

    await server.close();
    server = await startTokenServer(() => ({ status: 502, body: {} }));
    const clock2 = new TestClock(START);
    const { authenticator: flaky, log } = tiktok({
      seeds: [seed('b', 'rt-b-secret', 10 * MINUTE)],
      clock: clock2,
      refreshCooldownMs: MINUTE,
    });
    await clock2.set(START + 6 * MINUTE);
    assert.equal(
      await clock2.manual.runUntilSettled(flaky.accessToken('b')),
      'at-seed-b-secret',
      'a still valid token is used when refresh is down',
    );
    assert.equal(server.calls.length, 3);
    assert.equal(await flaky.accessToken('b'), 'at-seed-b-secret');
    assert.equal(server.calls.length, 3, 'cool-down: no new refresh attempt right away');
    await clock2.set(START + 10 * MINUTE);
    await assert.rejects(
      clock2.manual.runUntilSettled(flaky.accessToken('b')),
      (error: TributaryError) =>
        error.code === 'CONNECTOR_CREDENTIAL_REFRESH_FAILED' && error.retryable && error.failureType === 'transient',
    );
    assert.equal(server.calls.length, 6);
    assert.equal(flaky.health()[0]!.state, 'active');
    assert.ok(log.lines.some((line) => line.includes('"level":"warn"')));
    assert.ok(!log.lines.some((line) => line.includes('"level":"error"')));
    assert.ok(!log.text().includes('rt-b-secret') && !log.text().includes('at-seed-b-secret'));
  });

  it('a network failure on a token-in-URL refresh (Instagram GET) keeps the token out of logs and errors', async () => {
    const closed = await startTokenServer(() => ({ status: 200, body: {} }));
    const deadUrl = closed.baseUrl;
    await closed.close();
    const clock = new TestClock(START);
    const log = capturingLogger();
    const authenticator = createOAuthAuthenticator({
      platform: 'INSTAGRAM',
      credentials: [
        { id: 'ig', accessToken: 'ig-url-secret', accessTokenIssuedAt: START - 30 * 24 * HOUR, accessTokenExpiresAt: START + MINUTE },
      ],
      refresh: instagramRefresh({ baseUrl: deadUrl }),
      store: createMemoryCredentialStore(),
      clock,
      logger: log.logger,
      refreshSkewMs: HOUR,
    });
    assert.equal(await clock.manual.runUntilSettled(authenticator.accessToken('ig')), 'ig-url-secret');
    const error = (await clock.manual
      .runUntilSettled(authenticator.refreshAfterRejection('ig', 'ig-url-secret'))
      .catch((e: unknown) => e)) as TributaryError;
    assert.equal(error.code, 'CONNECTOR_CREDENTIAL_REFRESH_FAILED');
    assert.ok(log.lines.length > 0);
    assert.ok(!log.text().includes('ig-url-secret'));
    assert.ok(!JSON.stringify(error.toJSON()).includes('ig-url-secret'));
    assert.ok(!String(error.stack).includes('ig-url-secret'));
  });

  it('a credential with only an access token works until expiry, then is suspended', async () => {
    server = await startTokenServer(() => ({ status: 500, body: {} }));
    const clock = new TestClock(START);
    const { authenticator } = tiktok({ seeds: [seed('a', null, HOUR)], clock });
    assert.equal(await authenticator.accessToken('a'), 'at-seed-a-secret');
    await clock.advance(HOUR - 1);
    assert.equal(await authenticator.accessToken('a'), 'at-seed-a-secret');
    await clock.advance(1);
    await assert.rejects(authenticator.accessToken('a'), suspendedCode);
    assert.match(authenticator.health()[0]!.reason!, /no refresh token/);
    assert.equal(server.calls.length, 0);
  });

  it('Instagram: refreshes a token at least 24 h old with GET ig_refresh_token; Meta 190 suspends', async () => {
    let reply: { status: number; body: unknown } = {
      status: 200,
      body: { access_token: 'ig-new-secret', token_type: 'bearer', expires_in: 5_184_000 },
    };
    server = await startTokenServer(() => reply);
    const clock = new TestClock(START);
    const log = capturingLogger();
    const authenticator = createOAuthAuthenticator({
      platform: 'INSTAGRAM',
      credentials: [{ id: 'ig', accessToken: 'ig-old-secret', accessTokenIssuedAt: START, accessTokenExpiresAt: START + 60 * 24 * HOUR }],
      refresh: instagramRefresh({ baseUrl: server.baseUrl }),
      store: createMemoryCredentialStore(),
      clock,
      logger: log.logger,
      refreshSkewMs: 59 * 24 * HOUR + 12 * HOUR, // refresh once 12 h old: too young for Instagram
    });
    assert.equal(await authenticator.accessToken('ig'), 'ig-old-secret');
    assert.equal(server.calls.length, 0, 'younger than 24 h: not refreshed');
    await clock.advance(24 * HOUR);
    assert.equal(await authenticator.accessToken('ig'), 'ig-new-secret');
    assert.deepEqual(server.calls[0], {
      method: 'GET',
      path: '/refresh_access_token',
      params: { grant_type: 'ig_refresh_token', access_token: 'ig-old-secret' },
    });
    reply = {
      status: 400,
      body: { error: { message: 'Error validating access token', type: 'OAuthException', code: 190, fbtrace_id: 'x' } },
    };
    await clock.advance(24 * HOUR);
    await assert.rejects(authenticator.accessToken('ig'), suspendedCode);
    assert.equal(server.calls.length, 2);
    assert.match(authenticator.health()[0]!.reason!, /190/);
    assert.ok(!log.text().includes('ig-new-secret') && !log.text().includes('ig-old-secret'));
  });

  it('Instagram: a rejected token too young to refresh cannot be recovered and suspends', async () => {
    server = await startTokenServer(() => ({ status: 200, body: { access_token: 'never-secret', expires_in: 5_184_000 } }));
    const clock = new TestClock(START);
    const authenticator = createOAuthAuthenticator({
      platform: 'INSTAGRAM',
      credentials: [
        { id: 'ig', accessToken: 'ig-young-secret', accessTokenIssuedAt: START - HOUR, accessTokenExpiresAt: START + 60 * 24 * HOUR },
      ],
      refresh: instagramRefresh({ baseUrl: server.baseUrl }),
      store: createMemoryCredentialStore(),
      clock,
      logger: capturingLogger().logger,
      refreshSkewMs: 7 * 24 * HOUR,
    });
    assert.equal(await authenticator.refreshAfterRejection('ig', 'ig-young-secret'), false);
    assert.equal(server.calls.length, 0);
    assert.match(authenticator.health()[0]!.reason!, /too young/);
  });

  it('Google: refresh form carries client_id and keeps the long-lived refresh token; invalid_grant suspends', async () => {
    let dead = false;
    server = await startTokenServer(() =>
      dead
        ? { status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } }
        : { status: 200, body: { access_token: 'ya29.new-secret', expires_in: 3599, scope: 'youtube.readonly', token_type: 'Bearer' } },
    );
    const clock = new TestClock(START);
    const store = createMemoryCredentialStore();
    const authenticator = createOAuthAuthenticator({
      platform: 'YOUTUBE',
      credentials: [{ id: 'yt', accessToken: 'ya29.old-secret', accessTokenExpiresAt: START + MINUTE, refreshToken: '1//refresh-secret' }],
      refresh: googleRefresh({ tokenUrl: `${server.baseUrl}/token`, clientId: 'cid', clientSecret: 'csecret' }),
      store,
      clock,
      logger: capturingLogger().logger,
      refreshSkewMs: 5 * MINUTE,
    });
    assert.equal(await authenticator.accessToken('yt'), 'ya29.new-secret');
    assert.deepEqual(server.calls[0]!.params, {
      client_id: 'cid',
      client_secret: 'csecret',
      grant_type: 'refresh_token',
      refresh_token: '1//refresh-secret',
    });
    assert.equal(store.records.get('yt')!.refreshToken, '1//refresh-secret');
    dead = true;
    assert.equal(await authenticator.refreshAfterRejection('yt', 'ya29.new-secret'), false);
    await assert.rejects(authenticator.accessToken('yt'), suspendedCode);
  });

  it('a new seed (re-authorisation) replaces a suspended stored record', async () => {
    server = await startTokenServer(() => ({ status: 400, body: { error: 'invalid_grant' } }));
    const clock = new TestClock(START);
    const store = createMemoryCredentialStore();
    const first = tiktok({ seeds: [seed('a', 'rt-dead-secret', MINUTE)], clock, store });
    await assert.rejects(first.authenticator.accessToken('a'), suspendedCode);
    assert.equal(store.records.get('a')!.state, 'suspended');

    const restartedSame = tiktok({ seeds: [seed('a', 'rt-dead-secret', MINUTE)], clock, store });
    await assert.rejects(restartedSame.authenticator.accessToken('a'), suspendedCode);
    assert.equal(server.calls.length, 1, 'the suspension survives a restart without new tokens');

    const reauthorised = tiktok({ seeds: [{ ...seed('a', 'rt-fresh-secret'), accessToken: 'at-fresh-secret' }], clock, store });
    assert.equal(await reauthorised.authenticator.accessToken('a'), 'at-fresh-secret');
    assert.equal(reauthorised.authenticator.health()[0]!.state, 'active');
  });

  it('suspend() after a revoked grant stops the credential without a refresh and survives a restart', async () => {
    server = await startTokenServer(() => ({ status: 500, body: {} }));
    const clock = new TestClock(START);
    const store = createMemoryCredentialStore();
    const { authenticator, log } = tiktok({ seeds: [seed('a', 'rt-1-secret'), seed('b', 'rt-b-secret')], clock, store });
    await authenticator.suspend!('a', 'authorization.removed: user disconnected');
    await authenticator.suspend!('a', 'again');
    await assert.rejects(authenticator.accessToken('a'), suspendedCode);
    assert.equal(await authenticator.accessToken('b'), 'at-seed-b-secret');
    assert.equal(server.calls.length, 0);
    assert.equal(store.records.get('a')!.suspendedReason, 'authorization.removed: user disconnected');
    assert.equal(log.lines.filter((line) => line.includes('"level":"error"')).length, 1);
    const restarted = tiktok({ seeds: [seed('a', 'rt-1-secret')], clock, store });
    await assert.rejects(restarted.authenticator.accessToken('a'), suspendedCode);
  });

  it('a refusal that is not about the grant (invalid_client) suspends in memory only, so a corrected restart retries', async () => {
    const sim = rotatingTikTok(['rt-1-secret']);
    let clientOk = false;
    server = await startTokenServer((call) =>
      clientOk
        ? sim.reply(call)
        : { status: 401, body: { error: 'invalid_client', error_description: 'Client key or secret is invalid.' } },
    );
    const clock = new TestClock(START);
    const store = createMemoryCredentialStore();
    const misconfigured = tiktok({ seeds: [seed('a', 'rt-1-secret', MINUTE)], clock, store });
    await assert.rejects(misconfigured.authenticator.accessToken('a'), suspendedCode);
    assert.match(misconfigured.authenticator.health()[0]!.reason!, /invalid_client/);
    assert.equal(store.records.get('a')!.state, 'active', 'not persisted');

    clientOk = true;
    const corrected = tiktok({ seeds: [seed('a', 'rt-1-secret', MINUTE)], clock, store });
    assert.equal(await corrected.authenticator.accessToken('a'), 'at-new-1-secret');
  });

  it('rejects an unknown credential id and an aborted wait', async () => {
    server = await startTokenServer(() => ({ status: 500, body: {} }));
    const clock = new TestClock(START);
    const { authenticator } = tiktok({ seeds: [seed('a', 'rt-1-secret')], clock });
    await assert.rejects(authenticator.accessToken('nope'), { code: 'CONNECTOR_CREDENTIAL_UNKNOWN', failureType: 'config' });
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(authenticator.accessToken('a', controller.signal), /stop/);
    await settle();
  });
});

describe('connector-kit auth: encrypted credential store', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'tributary-store-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const record: CredentialRecord = {
    credentialId: 'acct/42',
    accessToken: 'access-token-plaintext-value',
    accessTokenExpiresAt: START + HOUR,
    accessTokenIssuedAt: START,
    refreshToken: 'refresh-token-plaintext-value',
    refreshTokenExpiresAt: null,
    state: 'active',
    suspendedReason: null,
    seedFingerprint: 'f',
    updatedAt: START,
  };

  it('round-trips a record; the file is 0600 and holds no token in clear or base64', async () => {
    const store = createEncryptedFileCredentialStore({ directory, encryptionKey: KEY });
    await store.save(record);
    assert.deepEqual(await store.load('acct/42'), record);
    assert.equal(await store.load('other'), null);
    const files = await readdir(directory);
    assert.equal(files.length, 1, 'no temp file left behind');
    const path = join(directory, files[0]!);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const raw = await readFile(path, 'utf8');
    for (const secret of [record.accessToken, record.refreshToken!]) {
      assert.ok(!raw.includes(secret));
      assert.ok(!raw.includes(Buffer.from(secret).toString('base64').slice(0, 16)));
    }
    await store.save(record);
    assert.notEqual(await readFile(path, 'utf8'), raw, 'a fresh IV per write');
  });

  it('concurrent saves of one credential land in call order', async () => {
    const store = createEncryptedFileCredentialStore({ directory: join(directory, 'nested'), encryptionKey: KEY });
    await Promise.all(Array.from({ length: 20 }, (_, index) => store.save({ ...record, accessToken: `token-${index}`, updatedAt: index })));
    assert.equal((await store.load('acct/42'))!.accessToken, 'token-19');
    assert.equal((await readdir(join(directory, 'nested'))).length, 1);
    assert.equal((await stat(join(directory, 'nested'))).mode & 0o777, 0o700);
  });

  it('a wrong key or a tampered file is a clear configuration error', async () => {
    await createEncryptedFileCredentialStore({ directory, encryptionKey: KEY }).save(record);
    const wrong = createEncryptedFileCredentialStore({ directory, encryptionKey: Buffer.alloc(32, 9).toString('base64') });
    await assert.rejects(wrong.load('acct/42'), (error: TributaryError) => {
      assert.equal(error.code, 'CONNECTOR_CREDENTIAL_STORE_KEY_MISMATCH');
      assert.equal(error.failureType, 'config');
      assert.match(error.hint ?? '', /TRIBUTARY_CREDENTIALS_ENCRYPTION_KEY/);
      assert.ok(!error.message.includes('plaintext'));
      return true;
    });
  });

  it('rejects a key that is not base64 of 32 bytes', () => {
    for (const bad of ['', 'not base64!', Buffer.alloc(16).toString('base64')]) {
      assert.throws(() => createEncryptedFileCredentialStore({ directory, encryptionKey: bad }), {
        code: 'CONNECTOR_CREDENTIAL_KEY_INVALID',
      });
    }
  });
});
