import assert from 'node:assert/strict';
import { httpSchema, loadConfig } from '@tributary/config';
import { webhookSchema } from '../../src/webhooks/settings.ts';

describe('webhook settings', () => {
  const schema = { http: httpSchema(8090, 'TRIBUTARY_SOURCE_TEST_HTTP'), webhooks: webhookSchema('TRIBUTARY_SOURCE_TEST_WEBHOOK') };

  it('defaults to a 5-minute tolerance and a 15-minute replay cache of 10 000 deliveries', () => {
    assert.deepEqual(loadConfig(schema, { env: {}, files: [] }).values.webhooks, {
      timestampToleranceMs: 300_000,
      replayCacheSize: 10_000,
      replayCacheTtlMs: 900_000,
    });
  });

  it('reads the environment under the service prefix and refuses non-positive values', () => {
    const loaded = loadConfig(schema, { env: { TRIBUTARY_SOURCE_TEST_WEBHOOK_TIMESTAMP_TOLERANCE_MS: '600000' }, files: [] });
    assert.equal(loaded.values.webhooks.timestampToleranceMs, 600_000);
    assert.throws(() => loadConfig(schema, { env: { TRIBUTARY_SOURCE_TEST_WEBHOOK_REPLAY_CACHE_SIZE: '0' }, files: [] }));
  });
});
