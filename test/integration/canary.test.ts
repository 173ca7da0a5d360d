// The first round trip against the real stack: register the Canary schema, produce with
// Confluent framing and a traceparent header, consume, insert into ClickHouse, and read the
// row back from a separate process over ClickHouse's HTTP interface.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isTributaryError } from '@tributary/errors';
import { createLogger, startTracing } from '@tributary/telemetry';
import type { Tracing } from '@tributary/telemetry';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { createClickHouseClient } from '@tributary/clickhouse';
import { processEnvironment } from '@tributary/config';
import { connectTopicAdmin } from '@tributary/kafka';
import { runCanary } from '../../packages/cli/src/canary.ts';

const CLI = fileURLToPath(new URL('../../packages/cli/src/main.ts', import.meta.url));

describe('canary round trip (integration)', function () {
  this.timeout(300_000);
  let stack: TestStack;

  let tracing: Tracing;

  before(async () => {
    stack = await useTestStack();
    tracing = startTracing({ serviceName: 'canary-test', otlpEndpoint: '' });
  });

  after(async () => {
    await tracing.shutdown();
  });

  it('lands one event in ClickHouse with its Kafka lineage and commits the offset only after the insert', async () => {
    const topic = uniqueName('test.canary', '.');
    const table = uniqueName('canary', '_');
    const steps: string[] = [];
    const result = await runCanary({
      kafka: stack.kafka,
      registry: stack.registry,
      clickhouse: stack.clickhouse,
      logger: createLogger({ serviceName: 'test', level: 'warn' }),
      topic,
      table,
      message: 'integration ✓ ünïcode 🚀',
      onStep: (step) => steps.push(step),
    });
    assert.deepEqual(steps, ['topic', 'schema', 'produced', 'consumed']);
    assert.ok(result.schemaId > 0);
    const admin = await connectTopicAdmin(stack.kafka, createLogger({ serviceName: 'test', level: 'warn' }));
    try {
      assert.deepEqual(
        await admin.groupOffsets(result.groupId, topic),
        { [result.partition]: (BigInt(result.offset) + 1n).toString() },
        'the fresh group committed past the canary event',
      );
    } finally {
      await admin.close();
    }
    assert.match(result.traceId, /^(?!0{32})[0-9a-f]{32}$/);

    const client = createClickHouseClient(stack.clickhouse);
    try {
      const rows = await (
        await client.query({
          query: `SELECT event_id, message, source_topic, source_partition, source_offset, schema_id, trace_id FROM ${table}`,
          format: 'JSONEachRow',
        })
      ).json<Record<string, unknown>>();
      assert.deepEqual(rows, [
        {
          event_id: result.event.event_id,
          message: 'integration ✓ ünïcode 🚀',
          source_topic: topic,
          source_partition: result.partition,
          source_offset: result.offset,
          schema_id: result.schemaId,
          // the consumer continued the producer's trace from the traceparent header
          trace_id: result.traceId,
        },
      ]);
    } finally {
      await client.close();
    }
  });

  it('reads the row back through the CLI in another process, with query parameters', async () => {
    const topic = uniqueName('test.canary', '.');
    const table = uniqueName('canary', '_');
    const result = await runCanary({
      kafka: stack.kafka,
      registry: stack.registry,
      clickhouse: stack.clickhouse,
      logger: createLogger({ serviceName: 'test', level: 'warn' }),
      topic,
      table,
    });
    const child = spawnSync(
      process.execPath,
      [
        CLI,
        'sql',
        `SELECT event_id, source_topic FROM ${table} WHERE event_id = {id:String}`,
        '--param',
        `id=${result.event.event_id}`,
        '--format',
        'json',
      ],
      {
        encoding: 'utf8',
        env: { ...processEnvironment(), ...stack.env, TRIBUTARY_LOG_LEVEL: 'warn' },
      },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), [{ event_id: result.event.event_id, source_topic: topic }]);
  });

  it('fails with a clear, coded error when the registry is unreachable', async () => {
    // A port nothing listens on (not 9: fetch refuses the WHATWG "bad ports" before connecting).
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(
      runCanary({
        kafka: stack.kafka,
        registry: { ...stack.registry, url: `http://127.0.0.1:${port}/apis/ccompat/v7` },
        clickhouse: stack.clickhouse,
        logger: createLogger({ serviceName: 'test', level: 'silent' }),
        topic: uniqueName('test.canary', '.'),
        table: uniqueName('canary', '_'),
      }),
      (error: unknown) => {
        assert.ok(isTributaryError(error));
        assert.equal(error.code, 'REGISTRY_UNREACHABLE');
        assert.ok(error.message.includes(`127.0.0.1:${port}`), error.message);
        assert.match(error.hint ?? '', /stack -- up|TRIBUTARY_REGISTRY_URL/);
        return true;
      },
    );
  });
});
