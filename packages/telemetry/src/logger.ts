// pino logger factory. Contract:
// - JSON lines to stdout (or the given destination), one object per event, `msg` capitalised.
// - Secrets never reach the output: known secret paths are censored, and the `err` serializer
//   strips query strings (tokens travel in URLs on some platforms) and request headers.
// - Every line written inside an active OpenTelemetry span carries trace_id and span_id.
// - The level can be changed at runtime (logger.level = 'debug'), e.g. from an admin endpoint.
// Quiet by default: info is for lifecycle changes and failures, never one line per message.
import { trace } from '@opentelemetry/api';
import pino from 'pino';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';

export type { Logger } from 'pino';

const CENSOR = '[redacted]';

/** Init-time constant paths (pino compiles them; they must never come from input). */
export const REDACTED_PATHS = [
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'secret',
  'authorization',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.clientSecret',
  '*.client_secret',
  '*.secret',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'res.headers["set-cookie"]',
  'config.kafka.sasl.password',
  'config.registry.password',
  'config.clickhouse.password',
];

const SECRET_QUERY = /([?&](?:access_token|refresh_token|token|key|client_secret|password|code)=)[^&\s"']+/gi;

/** Removes secret-looking query parameters from any string (URLs in messages, errors). */
export function scrubSecrets(text: string): string {
  return text.replace(SECRET_QUERY, `$1${CENSOR}`);
}

function serializeError(error: unknown): Record<string, unknown> {
  const base = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) {
    if (key === 'config' || key === 'request' || key === 'headers' || key === 'response') continue; // HTTP client errors carry credentials here
    out[key] = typeof value === 'string' ? scrubSecrets(value) : value;
  }
  return out;
}

export interface LoggerSettings {
  serviceName: string;
  level?: string;
  /** Extra fields on every line (e.g. { component: 'registry' }). */
  base?: Record<string, unknown>;
}

export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: settings.serviceName, ...settings.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    serializers: { err: serializeError, error: serializeError },
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
