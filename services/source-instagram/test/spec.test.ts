// The settings schema: real Meta defaults, strict validation, seed credentials parsed without echoing secrets.
import assert from 'node:assert/strict';
import { parseSeedCredentials } from '@tributary/connector-kit';
import { isTributaryError } from '@tributary/errors';
import { loadInstagramSettings } from '../src/spec.ts';

describe('source-instagram settings', () => {
  it('defaults to the real Graph API, v25.0, refresh days before expiry, and the service ports', () => {
    const settings = loadInstagramSettings({ env: {}, files: [] });
    assert.equal(settings.instagram.apiBaseUrl, 'https://graph.facebook.com');
    assert.equal(settings.instagram.apiVersion, 'v25.0');
    assert.equal(settings.instagram.refreshBaseUrl, 'https://graph.instagram.com');
    assert.ok(settings.instagram.refreshSkewMs >= 24 * 3_600_000);
    assert.equal(settings.http.port, 9472);
    assert.equal(settings.webhook.port, 8472);
    assert.equal(settings.instagram.usagePauseAtPercent, 95);
  });

  it('reads its environment variables and refuses bad values', () => {
    const settings = loadInstagramSettings({
      env: { TRIBUTARY_SOURCE_INSTAGRAM_API_VERSION: 'v27.0', TRIBUTARY_SOURCE_INSTAGRAM_SCOPES: '1784,1785:cred-b' },
      files: [],
    });
    assert.equal(settings.instagram.apiVersion, 'v27.0');
    assert.deepEqual(settings.source.scopes, ['1784', '1785:cred-b']);
    assert.throws(() => loadInstagramSettings({ env: { TRIBUTARY_SOURCE_INSTAGRAM_API_VERSION: '25' }, files: [] }));
    assert.throws(() => loadInstagramSettings({ env: { TRIBUTARY_SOURCE_INSTAGRAM_INSIGHTS_BATCH_SIZE: '51' }, files: [] }));
    assert.throws(() => loadInstagramSettings({ env: { TRIBUTARY_SOURCE_INSTAGRAM_API_URL: 'graph.facebook.com' }, files: [] }));
  });

  it('parses seed credentials, and its errors name the entry but never the token', () => {
    assert.deepEqual(parseSeedCredentials('[{"id":"1784","accessToken":"IGAAsecret","accessTokenExpiresAt":5}]'), [
      { id: '1784', accessToken: 'IGAAsecret', refreshToken: null, accessTokenExpiresAt: 5, accessTokenIssuedAt: null },
    ]);
    for (const text of ['nope', '{}', '[{"id":"1784"}]', '[{"accessToken":"IGAAsecret"}]']) {
      assert.throws(
        () => parseSeedCredentials(text),
        (error: unknown) =>
          isTributaryError(error) && error.code === 'CONNECTOR_SEED_CREDENTIALS_INVALID' && !error.message.includes('IGAAsecret'),
        text,
      );
    }
  });
});
