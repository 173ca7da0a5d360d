// What the consumer runtime does with a failure, and how long it waits before trying again.
// One classification for every stage (decode, handler, dead-letter produce, commit):
//   transient → retried in place with exponential backoff and jitter, then back-pressure (the
//               partition is paused and retried later); never dead-lettered, never committed past;
//   data      → the record is dead-lettered and the partition moves on;
//   fatal     → anything else (config, system, unclassified errors): the runtime stops without
//               committing, so a bug cannot dead-letter a whole topic (docs/adr/0015).
import { isRetryable, isTributaryError } from '@tributary/errors';

export type FailureVerdict = 'transient' | 'data' | 'fatal';

export interface RetryPolicy {
  /** Attempts in place (the first one included) before the partition is paused. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, initialDelayMs: 200, maxDelayMs: 5_000 };

export function failureVerdict(error: unknown): FailureVerdict {
  // A transient error whose own retries ran out (RetriesExhaustedError, retryable false) is
  // still the world being unavailable: back-pressure, not a poison record.
  if (isRetryable(error) || (isTributaryError(error) && error.failureType === 'transient')) return 'transient';
  if (isTributaryError(error) && error.failureType === 'data') return 'data';
  return 'fatal';
}

/**
 * Delay before retry number `retry` (1 = after the first failure): exponential from
 * initialDelayMs, capped at maxDelayMs, with "equal jitter" (between half and all of it) so
 * consumers that failed together do not retry together.
 */
export function backoffDelayMs(
  retry: number,
  policy: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
