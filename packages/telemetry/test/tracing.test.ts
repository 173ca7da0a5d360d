import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { startTracing } from '../src/index.ts';

interface ExportedSpan {
  name: string;
  traceId: string;
}

describe('telemetry/tracing', () => {
  it('exports spans over OTLP/HTTP to the configured endpoint and flushes on shutdown', async () => {
    const received: {
      path: string;
      body: {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: ExportedSpan[] }[];
        }[];
      };
    }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    const tracing = startTracing({ serviceName: 'tracing-test', otlpEndpoint: `http://127.0.0.1:${port}`, exportDelayMs: 50 });
    try {
      const span = trace.getTracer('test').startSpan('collect page');
      const traceId = span.spanContext().traceId;
      span.end();
      await tracing.shutdown();
      assert.equal(received.length, 1);
      assert.equal(received[0]?.path, '/v1/traces');
      const resourceSpans = received[0]?.body.resourceSpans[0];
      const serviceName = resourceSpans?.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
      assert.equal(serviceName, 'tracing-test');
      const exported = resourceSpans?.scopeSpans[0]?.spans[0];
      assert.equal(exported?.name, 'collect page');
      assert.equal(exported?.traceId, traceId);
    } finally {
      await tracing.shutdown();
      receiver.close();
    }
  });
});

describe('telemetry/tracing without an endpoint', () => {
  it('still creates real, sampled spans so trace ids reach logs, headers and rows', async () => {
    const tracing = startTracing({ serviceName: 'no-export', otlpEndpoint: '' });
    try {
      const span = trace.getTracer('test').startSpan('work');
      assert.match(span.spanContext().traceId, /^(?!0{32})[0-9a-f]{32}$/);
      assert.equal(span.isRecording(), true);
      span.end();
    } finally {
      await tracing.shutdown();
    }
  });
});

describe('telemetry/tracing shutdown', () => {
  it('releases the global registration, so tracing started again in the same process records spans', async () => {
    for (const serviceName of ['first', 'second']) {
      const tracing = startTracing({ serviceName, otlpEndpoint: '' });
      const span = trace.getTracer('test').startSpan('work');
      assert.equal(span.isRecording(), true, `${serviceName} run records`);
      span.end();
      await tracing.shutdown();
    }
    assert.equal(trace.getTracer('test').startSpan('after').isRecording(), false, 'nothing registered after shutdown');
  });
});
