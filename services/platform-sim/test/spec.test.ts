import assert from 'node:assert/strict';
import { loadPlatformSimSettings } from '../src/index.ts';

describe('platform-sim settings', () => {
  it('has defaults for every setting and reads TRIBUTARY_PLATFORM_SIM_*', () => {
    const defaults = loadPlatformSimSettings({ env: {}, files: [] });
    assert.equal(defaults.platformSim.host, '127.0.0.1');
    assert.equal(defaults.platformSim.speed, 1);
    assert.equal(defaults.platformSim.secrets.tiktokClientSecret, '');
    const set = loadPlatformSimSettings({
      env: {
        TRIBUTARY_PLATFORM_SIM_PORT: '0',
        TRIBUTARY_PLATFORM_SIM_SPEED: '60',
        TRIBUTARY_PLATFORM_SIM_WEBHOOKS_TIKTOK_URL: 'http://127.0.0.1:1/h',
      },
      files: [],
    });
    assert.equal(set.platformSim.port, 0);
    assert.equal(set.platformSim.speed, 60);
    assert.equal(set.platformSim.webhooks.tiktokUrl, 'http://127.0.0.1:1/h');
    assert.throws(() => loadPlatformSimSettings({ env: { TRIBUTARY_PLATFORM_SIM_PORT: 'x' }, files: [] }), /port/);
  });
});
