// OpenTelemetry bootstrap. One call at process start, one awaited shutdown at exit:
//   const tracing = startTracing({ serviceName, otlpEndpoint }); … await tracing.shutdown();
// With an OTLP endpoint, spans are batched and exported over OTLP/HTTP (Jaeger, a collector,
// or the receiver inside the tests). Without one, the SDK still creates real spans so trace ids
// reach logs, Kafka headers and ClickHouse rows; nothing leaves the process.
import { context, propagation, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TracingSettings {
  serviceName: string;
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318; empty disables export. */
  otlpEndpoint: string;
  serviceVersion?: string;
  /** Export batching delay; tests shorten it. */
  exportDelayMs?: number;
}

export interface Tracing {
  /** Flushes pending spans and stops the SDK. Safe to call twice. */
  shutdown(): Promise<void>;
}

// NodeSDK registers a tracer provider only when it has at least one span processor; without an
// endpoint this one keeps spans (and so trace ids) alive and sends them nowhere.
const keepInProcess: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

export function startTracing(settings: TracingSettings): Tracing {
  const spanProcessors: SpanProcessor[] =
    settings.otlpEndpoint === ''
      ? [keepInProcess]
      : [
          new BatchSpanProcessor(new OTLPTraceExporter({ url: `${settings.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }), {
            scheduledDelayMillis: settings.exportDelayMs ?? 1000,
          }),
        ];
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      [ATTR_SERVICE_VERSION]: settings.serviceVersion ?? '0.1.0',
    }),
    autoDetectResources: false,
    spanProcessors,
    instrumentations: [],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    // The SDK's shutdown leaves its provider, context manager and propagator registered globally, and
    // the OpenTelemetry API refuses a second registration: release them, so a later startTracing in
    // the same process (tests, a restarted component) takes effect.
    shutdown: () =>
      (stopped ??= sdk.shutdown().finally(() => {
        trace.disable();
        context.disable();
        propagation.disable();
      })),
  };
}
