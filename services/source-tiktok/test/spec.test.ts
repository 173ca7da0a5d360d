// The settings: defaults are the real API, secrets are masked, seed credentials are validated at boot.
import assert from 'node:assert/strict';
import { loadConfig } from '@tributary/config';
import { parseSeedCredentials } from '@tributary/connector-kit';
import { isTributaryError } from '@tributary/errors';
import { REAL_API_BASE_URL, loadTikTokSettings, tiktokSourceSchema } from '../src/spec.ts';

describe('source-tiktok spec', () => {
  it('defaults: the real API, 600 requests per minute, ports 9471 (health) and 8471 (webhooks), pages of 20', () => {
    const settings = loadTikTokSettings({ env: {} });
    assert.equal(settings.tiktok.apiBaseUrl, REAL_API_BASE_URL);
    assert.equal(settings.tiktok.requestsPerWindow, 600);
    assert.equal(settings.tiktok.rateWindowMs, 60_000);
    assert.equal(settings.http.port, 9471);
    assert.equal(settings.webhook.port, 8471);
    assert.equal(settings.tiktok.videoPageSize, 20);
    assert.equal(settings.telemetry.serviceName, 'source-tiktok');
  });

  it('reads TRIBUTARY_SOURCE_TIKTOK_* and masks the client secret and the seed credentials', () => {
    const seeds = JSON.stringify([{ id: 'acct', accessToken: 'act.secret', refreshToken: 'rft.secret', accessTokenExpiresAt: 1 }]);
    const loaded = loadConfig(tiktokSourceSchema, {
      env: {
        TRIBUTARY_SOURCE_TIKTOK_CLIENT_SECRET: 'shh',
        TRIBUTARY_SOURCE_TIKTOK_SEED_CREDENTIALS: seeds,
        TRIBUTARY_SOURCE_TIKTOK_SCOPES: 'acct',
      },
    });
    assert.equal(loaded.values.tiktok.clientSecret, 'shh');
    assert.deepEqual(loaded.values.source.scopes, ['acct']);
    const dump = JSON.stringify(loaded.redacted());
    assert.ok(!dump.includes('shh') && !dump.includes('act.secret') && !dump.includes('rft.secret'));
  });

  it('refuses malformed seed credentials and out-of-range page sizes at boot', () => {
    assert.throws(() => loadTikTokSettings({ env: { TRIBUTARY_SOURCE_TIKTOK_SEED_CREDENTIALS: '{nope' } }));
    assert.throws(() => loadTikTokSettings({ env: { TRIBUTARY_SOURCE_TIKTOK_VIDEO_PAGE_SIZE: '21' } }));
    for (const text of ['{}', '[{"id":"a"}]', '[{"id":"a","accessToken":"t","accessTokenExpiresAt":"soon"}]']) {
      assert.throws(
        () => parseSeedCredentials(text),
        (error: unknown) => isTributaryError(error) && error.code === 'CONNECTOR_SEED_CREDENTIALS_INVALID',
      );
    }
    assert.deepEqual(parseSeedCredentials('[{"id":"a","accessToken":"t"}]'), [
      { id: 'a', accessToken: 't', refreshToken: null, accessTokenExpiresAt: null, accessTokenIssuedAt: null },
    ]);
  });
});
