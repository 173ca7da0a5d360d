import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '@tributary/config';
import { loadClickHouseEmbeddedSettings } from '../src/spec.ts';

describe('clickhouse-embedded: configuration', () => {
  it('defaults to 127.0.0.1:8123 and <repo>/.local-stack/clickhouse/data', () => {
    const settings = loadClickHouseEmbeddedSettings({ env: {} });
    assert.equal(settings.host, '127.0.0.1');
    assert.equal(settings.port, 8123);
    assert.equal(settings.dataDir, join(repoRoot(), '.local-stack/clickhouse/data'));
  });

  it('reads TRIBUTARY_CLICKHOUSE_EMBEDDED_* and keeps absolute data directories', () => {
    const settings = loadClickHouseEmbeddedSettings({
      env: {
        TRIBUTARY_CLICKHOUSE_EMBEDDED_PORT: '0',
        TRIBUTARY_CLICKHOUSE_EMBEDDED_DATA_DIR: '/tmp/ch-data',
        TRIBUTARY_CLICKHOUSE_EMBEDDED_MAX_CONCURRENT_QUERIES: '3',
        TRIBUTARY_CLICKHOUSE_EMBEDDED_LOG_LEVEL: 'debug',
      },
    });
    assert.equal(settings.port, 0);
    assert.equal(settings.dataDir, '/tmp/ch-data');
    assert.equal(settings.maxConcurrentQueries, 3);
    assert.equal(settings.logLevel, 'debug');
  });

  it('refuses malformed values at boot', () => {
    assert.throws(() => loadClickHouseEmbeddedSettings({ env: { TRIBUTARY_CLICKHOUSE_EMBEDDED_MAX_BODY_BYTES: '-1' } }), /maxBodyBytes/);
  });
});
