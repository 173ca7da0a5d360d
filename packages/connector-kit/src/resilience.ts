// Retry delays and circuit breakers, driven by the kit's Clock.
// cockatiel computes: ExponentialBackoff with fullJitterGenerator gives the retry delays, its
// IBreaker implementations (ConsecutiveBreaker by default) decide when a circuit opens, and an
// IBackoffFactory may grow the half-open delay. cockatiel's RetryPolicy and CircuitBreakerPolicy
// themselves are not used: they read Date.now() and sleep on setTimeout, which a test cannot
// move. The state machine below is theirs (closed → open → half-open with one trial call →
// closed or open again), with time read from the Clock. docs/adr/0017.
import { CircuitState, ConsecutiveBreaker, ExponentialBackoff, fullJitterGenerator } from 'cockatiel';
import type { IBackoff, IBackoffFactory, IBreaker } from 'cockatiel';
import { TributaryError } from '@tributary/errors';
import type { Clock, RequesterHealth } from './contracts.ts';

export interface RetryOptions {
  /** Attempts in total, the first included (throttled and transient answers, network errors). */
  maxAttempts?: number;
  /** Upper bound of the first backoff; it doubles per attempt (full jitter: uniform in [0, bound)). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Retry-After / estimated regain time is a lower bound on the next delay, capped at this. */
  maxRetryAfterMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxAttempts: 5,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 15 * 60_000,
};

/** The delays of one retried operation: exponential, full jitter, Retry-After as a floor. */
export class RetrySchedule {
  private readonly options: Required<RetryOptions>;
  private backoff: IBackoff<unknown> | undefined;
  private readonly factory: IBackoffFactory<unknown>;

  constructor(options: RetryOptions = {}) {
    this.options = { ...DEFAULT_RETRY, ...options };
    this.factory = new ExponentialBackoff({
      generator: fullJitterGenerator,
      initialDelay: this.options.initialDelayMs,
      maxDelay: this.options.maxDelayMs,
    });
  }

  get maxAttempts(): number {
    return this.options.maxAttempts;
  }

  /** The wait before the next attempt. */
  nextDelay(retryAfterMs?: number): number {
    this.backoff = this.backoff ? this.backoff.next(undefined) : this.factory.next(undefined);
    const jittered = this.backoff.duration;
    if (retryAfterMs === undefined) return jittered;
    return Math.max(jittered, Math.min(retryAfterMs, this.options.maxRetryAfterMs));
  }
}

export interface BreakerOptions {
  /** Consecutive failures that open a circuit (used when `createBreaker` is not given). */
  consecutiveFailures?: number;
  /** How long an open circuit rejects calls before one trial call goes through. */
  halfOpenAfterMs?: number | IBackoffFactory<unknown>;
  /** Any cockatiel breaker (ConsecutiveBreaker, CountBreaker; SamplingBreaker measures its windows in real time). */
  createBreaker?: () => IBreaker;
}

export type CircuitStateName = RequesterHealth['circuits'][number]['state'];

interface Circuit {
  breaker: IBreaker;
  state: CircuitStateName;
  openedAt: number;
  halfOpenDelay: IBackoff<unknown> | undefined;
  trialInFlight: boolean;
}

export interface CircuitPermit {
  /** The call worked, or failed in a way that says nothing about the endpoint's health. */
  success(): void;
  /** The endpoint is unhealthy (5xx, timeout, network error). */
  failure(): void;
  /** The call never reached the endpoint (aborted, no token): no verdict either way. */
  release(): void;
}

export interface CircuitEvents {
  onStateChange?(key: string, from: CircuitStateName, to: CircuitStateName): void;
}

/** One breaker per key (`<endpoint>|<credential>`). */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  private readonly createBreaker: () => IBreaker;
  private readonly halfOpenAfter: IBackoffFactory<unknown>;
  private readonly clock: Clock;
  private readonly events: CircuitEvents;

  constructor(clock: Clock, options: BreakerOptions = {}, events: CircuitEvents = {}) {
    this.clock = clock;
    this.events = events;
    const threshold = options.consecutiveFailures ?? 5;
    this.createBreaker = options.createBreaker ?? (() => new ConsecutiveBreaker(threshold));
    const halfOpen = options.halfOpenAfterMs ?? 30_000;
    this.halfOpenAfter = typeof halfOpen === 'number' ? { next: () => constantBackoff(halfOpen) } : halfOpen;
  }

  /** Admits a call or throws CONNECTOR_CIRCUIT_OPEN (retryable: try again after `retryAfterMs`). */
  admit(key: string): CircuitPermit {
    const circuit = this.circuit(key);
    if (circuit.state === 'open') {
      const openFor = circuit.halfOpenDelay?.duration ?? 0;
      const elapsed = this.clock.now() - circuit.openedAt;
      if (elapsed < openFor) throw circuitOpen(key, openFor - elapsed);
      this.transition(key, circuit, 'half-open');
    }
    if (circuit.state === 'half-open') {
      if (circuit.trialInFlight) throw circuitOpen(key, 0);
      circuit.trialInFlight = true;
      return this.permit(key, circuit, true);
    }
    return this.permit(key, circuit, false);
  }

  states(): RequesterHealth['circuits'] {
    return [...this.circuits].map(([key, circuit]) => ({ key, state: circuit.state }));
  }

  private permit(key: string, circuit: Circuit, trial: boolean): CircuitPermit {
    let settled = false;
    return {
      success: () => {
        if (settled) return;
        settled = true;
        if (trial) {
          circuit.trialInFlight = false;
          circuit.breaker.success(CircuitState.HalfOpen);
          circuit.halfOpenDelay = undefined;
          this.transition(key, circuit, 'closed');
        } else if (circuit.state === 'closed') {
          circuit.breaker.success(CircuitState.Closed);
        }
      },
      failure: () => {
        if (settled) return;
        settled = true;
        if (trial) {
          circuit.trialInFlight = false;
          circuit.breaker.failure(CircuitState.HalfOpen);
          this.open(key, circuit);
        } else if (circuit.state === 'closed' && circuit.breaker.failure(CircuitState.Closed)) {
          this.open(key, circuit);
        }
      },
      release: () => {
        if (settled) return;
        settled = true;
        if (trial) circuit.trialInFlight = false;
      },
    };
  }

  private open(key: string, circuit: Circuit): void {
    circuit.halfOpenDelay = circuit.halfOpenDelay ? circuit.halfOpenDelay.next(undefined) : this.halfOpenAfter.next(undefined);
    circuit.openedAt = this.clock.now();
    this.transition(key, circuit, 'open');
  }

  private transition(key: string, circuit: Circuit, to: CircuitStateName): void {
    const from = circuit.state;
    circuit.state = to;
    if (from !== to) this.events.onStateChange?.(key, from, to);
  }

  private circuit(key: string): Circuit {
    let circuit = this.circuits.get(key);
    if (!circuit) {
      circuit = { breaker: this.createBreaker(), state: 'closed', openedAt: 0, halfOpenDelay: undefined, trialInFlight: false };
      this.circuits.set(key, circuit);
    }
    return circuit;
  }
}

function constantBackoff(duration: number): IBackoff<unknown> {
  const backoff: IBackoff<unknown> = { duration, next: () => backoff };
  return backoff;
}

function circuitOpen(key: string, retryAfterMs: number): TributaryError {
  return new TributaryError('CONNECTOR_CIRCUIT_OPEN', `Circuit ${key} is open after repeated failures; calls are refused for now`, {
    failureType: 'transient',
    retryable: true,
    hint: 'The endpoint kept failing (5xx, timeouts, network errors). The circuit lets one trial call through after its half-open delay.',
    details: { circuit: key, retryAfterMs },
  });
}
