import assert from 'node:assert/strict';
import { loadConfig } from '@tributary/config';
import { credentialsSchema, createCredentialStore } from '../../src/auth/settings.ts';

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
