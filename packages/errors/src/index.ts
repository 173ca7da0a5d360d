// Errors that say how to recover. Every error that crosses a package boundary carries:
//   code         a stable, greppable identifier (SCREAMING_SNAKE, namespaced by area: KAFKA_..., STACK_...)
//   failureType  who has to act: config (the operator fixes configuration), transient (wait and
//                retry), system (a bug or an environment fault), data (the record itself is bad:
//                never retried, it goes to a dead-letter topic)
//   retryable    whether retrying the same operation can succeed
// When retries are exhausted, RetriesExhaustedError keeps every attempt, not only the last one.

export type FailureType = 'config' | 'transient' | 'system' | 'data';

export interface TributaryErrorOptions {
  failureType: FailureType;
  retryable?: boolean;
  cause?: unknown;
  /** What the operator can do about it; shown by the CLI under the message. */
  hint?: string;
  /** Structured context for logs (never secrets). */
  details?: Record<string, unknown>;
}

export class TributaryError extends Error {
  readonly code: string;
  readonly failureType: FailureType;
  readonly retryable: boolean;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, options: TributaryErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.failureType = options.failureType;
    this.retryable = options.retryable ?? options.failureType === 'transient';
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      failureType: this.failureType,
      retryable: this.retryable,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(Object.keys(this.details).length === 0 ? {} : { details: this.details }),
      ...(this.cause === undefined ? {} : { cause: describeCause(this.cause) }),
    };
  }
}

/** A configuration value is missing or invalid; nothing will work until an operator fixes it. */
export class ConfigError extends TributaryError {
  constructor(code: string, message: string, options: Omit<TributaryErrorOptions, 'failureType'> = {}) {
    super(code, message, { ...options, failureType: 'config', retryable: false });
  }
}

/** All attempts of a retried operation failed; `attempts` holds every failure in order. */
export class RetriesExhaustedError extends TributaryError {
  readonly attempts: readonly unknown[];

  constructor(code: string, message: string, attempts: readonly unknown[], options: Partial<TributaryErrorOptions> = {}) {
    const last = attempts.at(-1);
    super(code, `${message} (${attempts.length} attempt${attempts.length === 1 ? '' : 's'})`, {
      failureType: options.failureType ?? (isTributaryError(last) ? last.failureType : 'transient'),
      retryable: false,
      cause: options.cause ?? last,
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      details: { ...options.details, attempts: attempts.map(describeCause) },
    });
    this.attempts = attempts;
  }
}

export function isTributaryError(value: unknown): value is TributaryError {
  return value instanceof TributaryError;
}

/**
 * Whether retrying can help: true only when every error in the cause chain that has an
 * opinion says so. Unknown errors (plain Error, a library's error) count as not retryable
 * unless a caller's classifier has wrapped them first.
 */
export function isRetryable(error: unknown): boolean {
  let sawVerdict = false;
  for (let current: unknown = error; current !== undefined && current !== null; current = (current as { cause?: unknown }).cause) {
    if (isTributaryError(current)) {
      if (!current.retryable) return false;
      sawVerdict = true;
    }
    if (typeof current !== 'object') break;
  }
  return sawVerdict;
}

/** A compact, log-safe description of anything thrown. */
export function describeCause(cause: unknown): Record<string, unknown> {
  if (isTributaryError(cause)) {
    return { name: cause.name, code: cause.code, failureType: cause.failureType, message: cause.message };
  }
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return { name: cause.name, message: cause.message, ...(code === undefined ? {} : { code }) };
  }
  return { message: String(cause) };
}
