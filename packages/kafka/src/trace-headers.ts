// W3C trace context in Kafka headers: the producer injects `traceparent` (and `tracestate`),
// the consumer extracts it so its span continues the producer's trace.
import { context, propagation } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';

export type KafkaHeaders = Record<string, Buffer | string | undefined>;

export function injectTraceHeaders(headers: KafkaHeaders = {}, from: Context = context.active()): KafkaHeaders {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  return { ...headers, ...carrier };
}

export function extractTraceContext(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): Context {
  const carrier: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) carrier[key] = first.toString();
  }
  return propagation.extract(context.active(), carrier);
}
