// The service helpers: the health/metrics HTTP server, the signal lifecycle, the health report
// and the shared source settings.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { loadConfig } from '@tributary/config';
import { isTributaryError } from '@tributary/errors';
import { createLogger } from '@tributary/telemetry';
import { Counter, Registry } from 'prom-client';
import { sourceHealthReport, startHealthServer, startServiceLifecycle } from '../../src/runtime/service.ts';
import type { SignalSource } from '../../src/runtime/service.ts';
import {
  httpUrlSetting,
  parseBackfillStart,
  parseScopes,
  parseTopicOverrides,
  platformSourceSchema,
  sourceRuntimeSchema,
} from '../../src/runtime/spec.ts';
import type { RequesterHealth } from '../../src/contracts.ts';
import type { StreamScopeHealth } from '../../src/runtime/runner.ts';

const logger = createLogger({ serviceName: 'service-test', level: 'silent' });

const requesterHealth = (state: 'active' | 'suspended' = 'active'): RequesterHealth => ({
  platform: 'TIKTOK',
  credentials: [{ id: 'c', state }],
  circuits: [],
  quotas: [],
  cache: { hits: 0, misses: 0, notModified: 0, shared: 0 },
});

const stream = (overrides: Partial<StreamScopeHealth>): StreamScopeHealth => ({
  stream: 'posts',
  scope: 'a',
  lastSuccessAt: null,
  lastFailureAt: null,
  lastFailureCode: null,
  consecutiveFailures: 0,
  checkpointAt: null,
  suspended: false,
  ...overrides,
});

class FakeSignals extends EventEmitter implements SignalSource {
  send(signal: 'SIGTERM' | 'SIGINT'): void {
    this.emit(signal, signal);
  }
}

describe('connector-kit/runtime/service', () => {
  it('serves /metrics as Prometheus text and /health as JSON on loopback, 503 when failing', async () => {
    const registry = new Registry();
    new Counter({ name: 'tributary_test_total', help: 'test', registers: [registry] }).inc(3);
    let status: 'ok' | 'failing' = 'ok';
    const server = await startHealthServer({ port: 0, registry, logger, health: () => ({ status, detail: 1 }) });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const metrics = await fetch(`${server.url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^tributary_test_total 3$/m);
      const health = await fetch(`${server.url}/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok', detail: 1 });
      status = 'failing';
      assert.equal((await fetch(`${server.url}/health`)).status, 503);
      assert.equal((await fetch(`${server.url}/other`)).status, 404);
      assert.equal((await fetch(`${server.url}/health`, { method: 'POST' })).status, 405);
    } finally {
      await server.close();
    }
  });

  it('reports freshness and checkpoint lag per stream, degraded on a failing stream or suspended credential', () => {
    const now = 1_000_000;
    const ok = sourceHealthReport([stream({ lastSuccessAt: now - 5_000, checkpointAt: now - 7_000 })], requesterHealth(), now);
    assert.equal(ok.status, 'ok');
    assert.deepEqual((ok.streams[0] as { freshnessMs: number; checkpointLagMs: number }).freshnessMs, 5_000);
    assert.equal((ok.streams[0] as { checkpointLagMs: number }).checkpointLagMs, 7_000);
    const streams = [
      stream({ lastSuccessAt: now - 5_000 }),
      stream({ stream: 'profile', lastSuccessAt: now - 9_000, lastFailureAt: now - 1_000, lastFailureCode: 'X' }),
    ];
    assert.equal(sourceHealthReport(streams, requesterHealth(), now).status, 'degraded');
    assert.equal(sourceHealthReport([streams[0]!], requesterHealth('suspended'), now).status, 'degraded');
    assert.equal(sourceHealthReport([streams[1]!], requesterHealth(), now).status, 'failing');
  });

  it('stops gracefully on the first signal and exits 0', async () => {
    const signals = new FakeSignals();
    const exits: number[] = [];
    let stops = 0;
    const lifecycle = startServiceLifecycle({
      logger,
      shutdownTimeoutMs: 10_000,
      signals,
      exit: (code) => exits.push(code),
      stop: async () => {
        stops += 1;
      },
    });
    signals.send('SIGTERM');
    assert.equal(await lifecycle.exited, 0);
    assert.deepEqual(exits, [0]);
    assert.equal(stops, 1);
    lifecycle.dispose();
    assert.equal(signals.listenerCount('SIGTERM'), 0);
  });

  it('exits 1 at once on a second signal while the stop is still running', async () => {
    const signals = new FakeSignals();
    const exits: number[] = [];
    let release!: () => void;
    const lifecycle = startServiceLifecycle({
      logger,
      shutdownTimeoutMs: 10_000,
      signals,
      exit: (code) => exits.push(code),
      stop: () => new Promise<void>((resolve) => (release = resolve)),
    });
    signals.send('SIGINT');
    signals.send('SIGTERM');
    assert.equal(await lifecycle.exited, 1);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(exits, [1], 'the late stop does not exit again');
    lifecycle.dispose();
  });

  it('exits 1 when the graceful stop outlives its deadline', async () => {
    const signals = new FakeSignals();
    const exits: number[] = [];
    const lifecycle = startServiceLifecycle({
      logger,
      shutdownTimeoutMs: 1,
      signals,
      exit: (code) => exits.push(code),
      stop: () => new Promise<void>(() => undefined),
    });
    signals.send('SIGTERM');
    assert.equal(await lifecycle.exited, 1);
    assert.deepEqual(exits, [1]);
    lifecycle.dispose();
  });

  it('declares the shared source settings once and parses scopes and the backfill start', () => {
    const loaded = loadConfig(
      { source: sourceRuntimeSchema('TRIBUTARY_SOURCE_TEST') },
      { env: { TRIBUTARY_SOURCE_TEST_SCOPES: 'acc-1,acc-2:cred-x', TRIBUTARY_SOURCE_TEST_MODE: 'backfill' } },
    );
    assert.deepEqual(parseScopes(loaded.values.source.scopes), [{ id: 'acc-1' }, { id: 'acc-2', credential: 'cred-x' }]);
    assert.equal(loaded.values.source.mode, 'backfill');
    assert.equal(loaded.values.source.checkpointTopic, 'tributary.collector-state');
    assert.equal(parseBackfillStart('2026-01-01T00:00:00Z'), Date.UTC(2026, 0, 1));
    assert.equal(parseBackfillStart(''), null);
    assert.equal(parseBackfillStart('90d', Date.UTC(2026, 3, 1)), Date.UTC(2026, 3, 1) - 90 * 86_400_000);
    assert.throws(
      () => parseBackfillStart('last tuesday'),
      (error: unknown) => isTributaryError(error) && error.failureType === 'config',
    );
    assert.throws(() => parseScopes(['a', 'a']), /listed twice/);
    assert.throws(() => parseScopes(['a:']), /credential/);
  });

  it('composes the shared sections of a platform source under its prefix, in the documented order', () => {
    const schema = platformSourceSchema({ service: 'source-demo', envPrefix: 'TRIBUTARY_SOURCE_DEMO', httpPort: 9479, webhookPort: 8479 });
    assert.deepEqual(Object.keys(schema), ['source', 'http', 'webhook', 'kafka', 'registry', 'telemetry', 'credentials']);
    const loaded = loadConfig(schema, { env: { TRIBUTARY_SOURCE_DEMO_SCOPES: 'acc-1', TRIBUTARY_SOURCE_DEMO_WEBHOOK_PORT: '8480' } });
    assert.deepEqual(loaded.values.source.scopes, ['acc-1']);
    assert.equal(loaded.values.http.port, 9479);
    assert.equal(loaded.values.webhook.port, 8480);
    assert.equal(loaded.values.telemetry.serviceName, 'source-demo');
    assert.equal(loaded.values.credentials.storePath, '');
    const api = { api: httpUrlSetting('API base URL.', 'https://api.example.com', 'TRIBUTARY_SOURCE_DEMO_API_URL') };
    assert.equal(
      loadConfig(api, { env: { TRIBUTARY_SOURCE_DEMO_API_URL: 'http://127.0.0.1:8080/x' } }).values.api,
      'http://127.0.0.1:8080/x',
    );
    assert.throws(() => loadConfig(api, { env: { TRIBUTARY_SOURCE_DEMO_API_URL: 'api.example.com' } }), /http\(s\) URL/);
  });

  it('parses topic overrides (catalogue topic → another topic) and refuses malformed or repeated entries', () => {
    const loaded = loadConfig(
      { source: sourceRuntimeSchema('TRIBUTARY_SOURCE_TEST') },
      { env: { TRIBUTARY_SOURCE_TEST_TOPIC_OVERRIDES: 'social.raw.posts=test.posts, social.raw.comments = test.comments' } },
    );
    assert.deepEqual(parseTopicOverrides(loaded.values.source.topicOverrides), {
      'social.raw.posts': 'test.posts',
      'social.raw.comments': 'test.comments',
    });
    assert.deepEqual(parseTopicOverrides([]), {});
    for (const bad of [['social.raw.posts'], ['a=b=c'], ['=b'], ['a=b', 'a=c']])
      assert.throws(
        () => parseTopicOverrides(bad),
        (error: unknown) => isTributaryError(error) && error.code === 'SOURCE_TOPIC_OVERRIDE_INVALID',
      );
  });
});
