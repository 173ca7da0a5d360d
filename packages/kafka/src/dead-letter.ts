// Dead letters: a record a consumer cannot process because of the record itself (a data error)
// goes to `dlq.<service>` unchanged — original key, value bytes and headers — plus error-context
// headers modelled on Kafka Connect's `__connect.errors.*`, under the `tributary-dlq-` prefix of
// the topic catalogue (docs/adr/0012). A redrive tool can re-produce the value to the origin
// topic as it is; an operator can see where it came from and why it failed without decoding it.
// Error messages are scrubbed of secret-looking query parameters and cut to a bounded length.
import { isTributaryError } from '@tributary/errors';
import { scrubSecrets } from '@tributary/telemetry';
import { headerText } from './records.ts';
import type { ProducedRecord, RecordHeaders } from './records.ts';

export const DLQ_HEADER_PREFIX = 'tributary-dlq-';

export const DLQ_HEADERS = {
  originTopic: 'tributary-dlq-origin-topic',
  originPartition: 'tributary-dlq-origin-partition',
  originOffset: 'tributary-dlq-origin-offset',
  /** Epoch ms of the original record (the dead letter itself gets the time it failed). */
  originTimestamp: 'tributary-dlq-origin-timestamp',
  /** Where it failed: deserialize | transform | sink. */
  stage: 'tributary-dlq-stage',
  /** The TributaryError code (SERDE_BAD_MAGIC, …), or UNCLASSIFIED. */
  errorCode: 'tributary-dlq-error-code',
  /** The error's class name (SerdeError, TributaryError, …). */
  errorClass: 'tributary-dlq-error-class',
  errorMessage: 'tributary-dlq-error-message',
  /** ISO 8601 UTC. */
  failedAt: 'tributary-dlq-failed-at',
  /** How many times processing was attempted (1 for records that could not be decoded). */
  attempts: 'tributary-dlq-attempts',
  service: 'tributary-dlq-service',
} as const;

export type DeadLetterStage = 'deserialize' | 'transform' | 'sink';

/** The record as it was read from Kafka, before any decoding. */
export interface OriginalRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
  timestamp: number;
}

export interface DeadLetterContext {
  service: string;
  stage: DeadLetterStage;
  error: unknown;
  attempts: number;
  failedAt: Date;
}

const MAX_MESSAGE_CHARS = 1000;

export function errorCodeOf(error: unknown): string {
  if (isTributaryError(error)) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : 'UNCLASSIFIED';
}

function errorClassOf(error: unknown): string {
  if (error instanceof Error) return error.name || error.constructor.name;
  return typeof error;
}

function errorMessageOf(error: unknown): string {
  const text = scrubSecrets(error instanceof Error ? error.message : String(error));
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 3)}...` : text;
}

/** The error-context headers of a dead letter. */
export function deadLetterHeaders(original: OriginalRecord, context: DeadLetterContext): Record<string, string> {
  return {
    [DLQ_HEADERS.originTopic]: original.topic,
    [DLQ_HEADERS.originPartition]: String(original.partition),
    [DLQ_HEADERS.originOffset]: original.offset,
    [DLQ_HEADERS.originTimestamp]: String(original.timestamp),
    [DLQ_HEADERS.stage]: context.stage,
    [DLQ_HEADERS.errorCode]: errorCodeOf(context.error),
    [DLQ_HEADERS.errorClass]: errorClassOf(context.error),
    [DLQ_HEADERS.errorMessage]: errorMessageOf(context.error),
    [DLQ_HEADERS.failedAt]: context.failedAt.toISOString(),
    [DLQ_HEADERS.attempts]: String(context.attempts),
    [DLQ_HEADERS.service]: context.service,
  };
}

/**
 * The dead letter for `original`: same key, same value bytes, original headers (a previous
 * failure's tributary-dlq-* headers replaced by this one's), to `deadLetterTopic`.
 */
export function deadLetterRecord(original: OriginalRecord, context: DeadLetterContext, deadLetterTopic: string): ProducedRecord {
  const headers: RecordHeaders = {};
  for (const [key, value] of Object.entries(original.headers)) if (!key.startsWith(DLQ_HEADER_PREFIX)) headers[key] = value;
  Object.assign(headers, deadLetterHeaders(original, context));
  return { topic: deadLetterTopic, key: original.key, value: original.value, headers };
}

/** Reads a dead letter's context back (for tools and tests); undefined when it has none. */
export function readDeadLetterHeaders(headers: RecordHeaders): Record<keyof typeof DLQ_HEADERS, string> | undefined {
  const out: Partial<Record<keyof typeof DLQ_HEADERS, string>> = {};
  for (const [name, header] of Object.entries(DLQ_HEADERS) as Array<[keyof typeof DLQ_HEADERS, string]>) {
    const value = headerText(headers, header);
    if (value === undefined) return undefined;
    out[name] = value;
  }
  return out as Record<keyof typeof DLQ_HEADERS, string>;
}
