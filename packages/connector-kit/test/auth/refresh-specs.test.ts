import assert from 'node:assert/strict';
import { googleRefresh, instagramRefresh, tiktokRefresh } from '../../src/auth/refresh-specs.ts';

describe('connector-kit auth: refresh specs', () => {
  it('default to the real token endpoints', () => {
    assert.equal(tiktokRefresh({ clientKey: 'k', clientSecret: 's' }).url, 'https://open.tiktokapis.com/v2/oauth/token/');
    assert.equal(googleRefresh({ clientId: 'i', clientSecret: 's' }).url, 'https://oauth2.googleapis.com/token');
    assert.equal(instagramRefresh().url, 'https://graph.instagram.com/refresh_access_token');
  });

  it('keep the path prefix of a stand-in base URL', () => {
    assert.equal(
      tiktokRefresh({ baseUrl: 'http://127.0.0.1:9/tiktok/', clientKey: 'k', clientSecret: 's' }).url,
      'http://127.0.0.1:9/tiktok/v2/oauth/token/',
    );
    assert.equal(instagramRefresh({ baseUrl: 'http://127.0.0.1:9/instagram' }).url, 'http://127.0.0.1:9/instagram/refresh_access_token');
  });
});
