// kafkajs errors turned into TributaryErrors at the package boundary, so callers decide on
// failure type and retryability (docs/adr/0009) without knowing the client.
import { TributaryError } from '@tributary/errors';
import type { FailureType } from '@tributary/errors';

/** Broker error types (Kafka protocol names) the record itself is to blame for. */
const DATA_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP']);

/** Broker error types an operator must fix. */
const CONFIG_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_REQUIRED_ACKS',
  'POLICY_VIOLATION',
]);

/** Group membership moved on: the batch in hand belongs to an older generation. */
const REBALANCE_TYPES = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
  'NOT_COORDINATOR_FOR_GROUP',
]);

interface KafkaJsLike {
  name?: string;
  type?: string;
  retriable?: boolean;
  message?: string;
  cause?: unknown;
  originalError?: unknown;
}

/** The chain of errors kafkajs wraps (NumberOfRetriesExceeded → cause → …), outermost first. */
function chain(error: unknown): KafkaJsLike[] {
  const out: KafkaJsLike[] = [];
  const seen = new Set<unknown>();
  for (let current: unknown = error; current && typeof current === 'object' && !seen.has(current);) {
    seen.add(current);
    const entry = current as KafkaJsLike;
    out.push(entry);
    current = entry.cause ?? entry.originalError;
  }
  return out;
}

/** The Kafka protocol error type (e.g. MESSAGE_TOO_LARGE) anywhere in the chain. */
export function kafkaErrorType(error: unknown): string | undefined {
  return chain(error).find((entry) => typeof entry.type === 'string')?.type;
}

export function isKafkaClientError(error: unknown): boolean {
  return chain(error).some((entry) => typeof entry.name === 'string' && entry.name.startsWith('KafkaJS'));
}

/** Whether the error means this member's group generation is over (kafkajs rejoins by itself). */
export function isRebalanceError(error: unknown): boolean {
  return chain(error).some(
    (entry) => (entry.type !== undefined && REBALANCE_TYPES.has(entry.type)) || entry.name === 'KafkaJSFetcherRebalanceError',
  );
}

export function failureTypeOf(error: unknown): FailureType {
  const type = kafkaErrorType(error);
  if (type && DATA_TYPES.has(type)) return 'data';
  if (type && CONFIG_TYPES.has(type)) return 'config';
  const names = chain(error).map((entry) => entry.name ?? '');
  if (names.includes('KafkaJSSASLAuthenticationError')) return 'config';
  if (
    names.some((name) =>
      [
        'KafkaJSConnectionError',
        'KafkaJSConnectionClosedError',
        'KafkaJSRequestTimeoutError',
        'KafkaJSNoBrokerAvailableError',
        'KafkaJSBrokerNotFound',
      ].includes(name),
    )
  )
    return 'transient';
  // KafkaJSNumberOfRetriesExceeded is itself non-retriable; what it gave up on decides.
  const innermost = chain(error).at(-1);
  return innermost?.retriable === true ? 'transient' : 'system';
}

/** Wraps a kafkajs error as a TributaryError with a code, failure type and hint. */
export function classifyKafkaError(error: unknown, code: string, operation: string, brokers: readonly string[]): TributaryError {
  if (error instanceof TributaryError) return error;
  const failureType = failureTypeOf(error);
  const type = kafkaErrorType(error);
  const text = chain(error)
    .map((entry) => entry.message)
    .filter((message, index, all) => message && all.indexOf(message) === index)
    .join(': ');
  const hint =
    type === 'UNKNOWN_TOPIC_OR_PARTITION'
      ? 'Topics are never created implicitly: declare the topic in schemas/topics/catalogue.yaml and run `tributary topics apply`.'
      : failureType === 'transient'
        ? `Check that Kafka answers at ${brokers.join(',')} (npm run stack -- up for the local stack).`
        : undefined;
  return new TributaryError(code, `Kafka ${operation} failed: ${text || String(error)}`, {
    failureType,
    cause: error,
    ...(hint ? { hint } : {}),
    details: { operation, ...(type ? { kafkaErrorType: type } : {}) },
  });
}
