import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '@tributary/config';
import { loadStackSettings } from '../src/spec.ts';

describe('local-stack/spec', () => {
  it('defaults to <repo>/.local-stack and the usual loopback ports', () => {
    const settings = loadStackSettings({ env: {} });
    assert.equal(settings.dir, join(repoRoot(), '.local-stack'));
    assert.equal(settings.downloadsDir, join(repoRoot(), '.local-stack', 'downloads'));
    assert.deepEqual(
      [settings.kafka.port, settings.kafka.controllerPort, settings.registry.port, settings.clickhouse.port],
      [9092, 9093, 8081, 8123],
    );
    assert.equal(settings.java.command, 'java');
    assert.equal(settings.maven.localRepository, '');
  });

  it('reads the TRIBUTARY_STACK_* environment it is given', () => {
    const settings = loadStackSettings({
      env: {
        TRIBUTARY_STACK_DIR: '/tmp/elsewhere',
        TRIBUTARY_STACK_KAFKA_PORT: '19092',
        TRIBUTARY_STACK_KAFKA_CONTROLLER_PORT: '19093',
        TRIBUTARY_STACK_REGISTRY_PORT: '18081',
        TRIBUTARY_STACK_CLICKHOUSE_PORT: '18123',
        TRIBUTARY_STACK_KAFKA_HEAP_MB: '512',
        TRIBUTARY_STACK_START_TIMEOUT_MS: '5000',
      },
    });
    assert.equal(settings.dir, '/tmp/elsewhere');
    assert.equal(settings.downloadsDir, '/tmp/elsewhere/downloads');
    assert.deepEqual(
      [settings.kafka.port, settings.kafka.controllerPort, settings.registry.port, settings.clickhouse.port],
      [19092, 19093, 18081, 18123],
    );
    assert.equal(settings.kafka.heapMb, 512);
    assert.equal(settings.startTimeoutMs, 5000);
  });

  it('resolves relative directories from the repository root and lets overrides win', () => {
    const settings = loadStackSettings({
      env: { TRIBUTARY_STACK_DIR: 'tmp/stack' },
      overrides: { downloadsDir: 'tmp/cache', 'kafka.port': 29092 },
    });
    assert.equal(settings.dir, join(repoRoot(), 'tmp/stack'));
    assert.equal(settings.downloadsDir, join(repoRoot(), 'tmp/cache'));
    assert.equal(settings.kafka.port, 29092);
  });

  it('rejects a malformed port with a ConfigError', () => {
    assert.throws(() => loadStackSettings({ env: { TRIBUTARY_STACK_REGISTRY_PORT: 'eighty' } }), { code: 'CONFIG_INVALID' });
  });
});
