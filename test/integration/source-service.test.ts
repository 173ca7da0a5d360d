// runSourceService against the real stack with a fake Requester: it opens the checkpoint store
// and the event writer, runs the declared streams, serves /health and /metrics on loopback, stops
// on SIGTERM, and a new checkpoint store then reads the progress it made.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { metaSignature256, openCheckpointStore, runSourceService, singleStream, webhookValue } from '@tributary/connector-kit';
import type { ApiRequest, ApiResponse, Requester, RequesterHealth, SignalSource, SourceServiceSettings } from '@tributary/connector-kit';
import { createLogger } from '@tributary/telemetry';
import { useTestStack, uniqueName } from '@tributary/testing';
import { createTopics, readRaw } from './kafka-runtime-fixture.ts';
import type { TestStack } from '@tributary/testing';

class FakeSignals extends EventEmitter implements SignalSource {}

function fakeRequester(): Requester & { calls: ApiRequest[] } {
  const calls: ApiRequest[] = [];
  const health: RequesterHealth = {
    platform: 'TIKTOK',
    credentials: [{ id: 'acc-1', state: 'active' }],
    circuits: [],
    quotas: [],
    cache: { hits: 0, misses: 0, notModified: 0, shared: 0 },
  };
  return {
    calls,
    async request<T>(request: ApiRequest): Promise<ApiResponse<T>> {
      calls.push(request);
      return { status: 200, body: { ok: true } as T, headers: {}, requestId: null, receivedAt: Date.now(), source: 'network' };
    },
    health: () => health,
    close: async () => undefined,
  };
}

describe('source service lifecycle (integration)', function () {
  this.timeout(120_000);
  let stack: TestStack;

  before(async () => {
    stack = await useTestStack();
  });

  it('runs a declared stream, reports it on /health and /metrics, stops on SIGTERM with its checkpoint acknowledged', async () => {
    const source = uniqueName('source-it');
    const runId = uniqueName('run');
    const requester = fakeRequester();
    const signals = new FakeSignals();
    const exits: number[] = [];
    let routeSignal: AbortSignal | undefined;
    const notificationsTopic = uniqueName('test.source-service.notifications', '.');
    await createTopics(stack.kafka, [[notificationsTopic, 1]]);
    const settings: SourceServiceSettings = {
      source: {
        scopes: ['acc-1'],
        mode: 'incremental',
        backfillStartAt: '',
        backfillProgressEveryPages: 50,
        shutdownTimeoutMs: 20_000,
        cadenceScale: 1,
        checkpointTopic: 'tributary.collector-state',
        topicOverrides: [`social.raw.webhook-notifications=${notificationsTopic}`],
      },
      http: { host: '127.0.0.1', port: 0, maxBodyBytes: 1024 },
      webhook: {
        enabled: true,
        host: '127.0.0.1',
        port: 0,
        maxBodyBytes: 4096,
        timestampToleranceMs: 300_000,
        replayCacheSize: 100,
        replayCacheTtlMs: 900_000,
      },
      kafka: stack.kafka,
      registry: stack.registry,
      telemetry: { serviceName: source, logLevel: 'warn', otlpEndpoint: '' },
    };
    const service = await runSourceService({
      declaration: {
        name: source,
        platform: 'TIKTOK',
        streams: [
          singleStream({
            name: 'heartbeat',
            everyMs: 3_600_000,
            request: () => ({ endpoint: 'heartbeat', method: 'GET', path: '/heartbeat' }),
            // Synthetic Canary events: the one catalogue topic for test traffic.
            map: (response, context) => [
              {
                topic: 'tributary.canary',
                key: runId,
                value: {
                  event_id: createHash('sha256').update(`${runId}:${context.snapshotBucket}`).digest('hex'),
                  run_id: runId,
                  sequence: 0,
                  emitted_at: response.receivedAt,
                  host: 'test',
                  message: `source service ${context.scope}`,
                },
              },
            ],
          }),
        ],
      },
      loadSettings: () => settings,
      createRequester: () => requester,
      // A signed delivery is persisted, then its hook asks for a targeted run of the stream.
      webhooks: (_settings, { run, signal }) => {
        routeSignal = signal;
        return [
          {
            path: '/webhooks/test',
            platform: 'INSTAGRAM',
            verify: metaSignature256({ appSecret: 'test-secret' }),
            topic: webhookValue.constant('test/heartbeat'),
            onPersisted: async () => run.wake('heartbeat', 'acc-1'),
          },
        ];
      },
      signals,
      exit: (code) => exits.push(code),
    });

    let report:
      { status: string; streams: Array<{ stream: string; lastSuccessAt: number | null; checkpointLagMs: number | null }> } | undefined;
    for (let attempt = 0; attempt < 100; attempt++) {
      report = (await (await fetch(`${service.server.url}/health`)).json()) as typeof report;
      if (report!.streams.some((entry) => entry.stream === 'heartbeat' && entry.lastSuccessAt !== null)) break;
      await delay(200);
    }
    assert.equal(report?.status, 'ok');
    const heartbeat = report!.streams.find((entry) => entry.stream === 'heartbeat')!;
    assert.notEqual(heartbeat.lastSuccessAt, null);
    assert.notEqual(heartbeat.checkpointLagMs, null);
    assert.equal(requester.calls[0]!.priority, 'refresh');
    assert.equal(requester.calls[0]!.credential, 'acc-1');

    assert.ok(service.webhooks, 'the webhook receiver is served');
    const body = JSON.stringify({ object: 'test', run: runId });
    const delivered = await fetch(`${service.webhooks.url}/webhooks/test`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${createHmac('sha256', 'test-secret').update(body).digest('hex')}`,
      },
      body,
    });
    assert.equal(delivered.status, 200);
    for (let attempt = 0; attempt < 100 && requester.calls.length < 2; attempt++) await delay(100);
    assert.equal(requester.calls.length, 2, 'the hook woke the stream before its hourly cadence');
    const [persisted] = await readRaw(stack.kafka, notificationsTopic, 1, 30_000);
    assert.ok(persisted?.value && persisted.value[0] === 0, 'the notification landed, Confluent-framed, in the overriding topic');
    const unsigned = await fetch(`${service.webhooks.url}/webhooks/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(unsigned.status, 401);

    const metrics = await (await fetch(`${service.server.url}/metrics`)).text();
    assert.match(
      metrics,
      new RegExp(`tributary_source_events_total\\{source="${source}",stream="heartbeat",topic="tributary.canary"\\} 2`),
    );
    assert.match(metrics, new RegExp(`tributary_source_checkpoint_writes_total\\{source="${source}",stream="heartbeat"\\} 2`));

    assert.equal(routeSignal?.aborted, false, 'the routes get a stop signal, live while the service runs');
    signals.emit('SIGTERM', 'SIGTERM');
    assert.equal(await service.lifecycle.exited, 0);
    assert.deepEqual(exits, [0]);
    assert.equal(routeSignal.aborted, true, 'the stop aborts background work of the routes');
    service.lifecycle.dispose();

    const logger = createLogger({ serviceName: 'source-service-test', level: 'warn' });
    const store = await openCheckpointStore({
      kafka: stack.kafka,
      registry: stack.registry,
      logger,
      clientName: 'source-service-test',
      source,
    });
    try {
      const checkpoint = store.get(source, 'heartbeat', 'acc-1');
      assert.ok(checkpoint, 'the checkpoint was acknowledged before the service stopped');
      assert.ok(checkpoint.watermark !== null && checkpoint.watermark > 0);
      await store.forget(source, 'heartbeat', 'acc-1'); // leave the shared state topic clean
    } finally {
      await store.close();
    }
  });
});
