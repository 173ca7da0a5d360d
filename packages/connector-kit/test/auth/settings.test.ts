import assert from 'node:assert/strict';
import { loadConfig } from '@tributary/config';
import { isTributaryError } from '@tributary/errors';
import { credentialsSchema, createCredentialStore, parseSeedCredentials, seedCredentialsSetting } from '../../src/auth/settings.ts';

describe('connector-kit auth: credentials settings', () => {
  it('reads TRIBUTARY_CREDENTIALS_* and masks the key', () => {
    const key = Buffer.alloc(32, 1).toString('base64');
    const config = loadConfig(
      { credentials: credentialsSchema },
      {
        env: {
          TRIBUTARY_CREDENTIALS_STORE_PATH: '/var/lib/tributary/credentials',
          TRIBUTARY_CREDENTIALS_ENCRYPTION_KEY: key,
          TRIBUTARY_CREDENTIALS_REFRESH_SKEW_MS: '60000',
        },
      },
    );
    assert.deepEqual(config.values.credentials, { storePath: '/var/lib/tributary/credentials', encryptionKey: key, refreshSkewMs: 60_000 });
    assert.ok(!JSON.stringify(config.redacted()).includes(key));
  });

  it('refuses a malformed key at load time and a store path without a key at store creation', () => {
    assert.throws(
      () => loadConfig({ credentials: credentialsSchema }, { env: { TRIBUTARY_CREDENTIALS_ENCRYPTION_KEY: 'c2hvcnQ=' } }),
      /base64 of 32 bytes/,
    );
    assert.throws(() => createCredentialStore({ storePath: '/tmp/x', encryptionKey: '' }), { code: 'CONNECTOR_CREDENTIAL_KEY_MISSING' });
    assert.equal(typeof createCredentialStore({ storePath: '', encryptionKey: '' }).load, 'function');
  });
});

describe('connector-kit auth: seed credentials setting', () => {
  it('parses entries to seeds: empty text is none, optional fields are null, an empty refresh token is none', () => {
    assert.deepEqual(parseSeedCredentials(''), []);
    assert.deepEqual(
      parseSeedCredentials(
        '[{"id":"a","accessToken":"t","refreshToken":"r","accessTokenExpiresAt":5,"accessTokenIssuedAt":2},{"id":"b","accessToken":"u","refreshToken":""}]',
      ),
      [
        { id: 'a', accessToken: 't', refreshToken: 'r', accessTokenExpiresAt: 5, accessTokenIssuedAt: 2 },
        { id: 'b', accessToken: 'u', refreshToken: null, accessTokenExpiresAt: null, accessTokenIssuedAt: null },
      ],
    );
    // A refresh token alone is enough: the empty access token is refreshed before first use.
    assert.equal(parseSeedCredentials('[{"id":"c","accessToken":"","refreshToken":"r"}]')[0]?.refreshToken, 'r');
  });

  it('refuses malformed entries with errors that name the entry and never a token', () => {
    for (const text of [
      'nope',
      '{}',
      '[{"id":"a"}]',
      '[{"accessToken":"SECRET"}]',
      '[{"id":"a","accessToken":""}]',
      '[{"id":"a","accessToken":"SECRET","refreshToken":7}]',
      '[{"id":"a","accessToken":"SECRET","accessTokenExpiresAt":"soon"}]',
      '[{"id":"a","accessToken":"SECRET","accessTokenIssuedAt":1.5}]',
    ]) {
      assert.throws(
        () => parseSeedCredentials(text, 'demo.seedCredentials'),
        (error: unknown) =>
          isTributaryError(error) &&
          error.code === 'CONNECTOR_SEED_CREDENTIALS_INVALID' &&
          error.failureType === 'config' &&
          error.message.startsWith('demo.seedCredentials') &&
          !error.message.includes('SECRET'),
        text,
      );
    }
  });

  it('is a sensitive convict entry under <prefix>_SEED_CREDENTIALS, validated at load, masked in dumps and errors', () => {
    const schema = { demo: { seedCredentials: seedCredentialsSetting('TRIBUTARY_DEMO') } };
    const seeds = '[{"id":"a","accessToken":"SECRET","refreshToken":"ALSO"}]';
    const loaded = loadConfig(schema, { env: { TRIBUTARY_DEMO_SEED_CREDENTIALS: seeds } });
    assert.equal(loaded.values.demo.seedCredentials, seeds);
    assert.ok(!JSON.stringify(loaded.redacted()).includes('SECRET'));
    assert.equal(loadConfig(schema, { env: {} }).values.demo.seedCredentials, '[]');
    assert.throws(
      () =>
        loadConfig(schema, { env: { TRIBUTARY_DEMO_SEED_CREDENTIALS: '[{"id":"a","accessToken":"SECRET","accessTokenExpiresAt":"x"}]' } }),
      (error: unknown) => error instanceof Error && !error.message.includes('SECRET'),
    );
    assert.equal(seedCredentialsSetting('X', 'custom doc').doc, 'custom doc');
  });
});
