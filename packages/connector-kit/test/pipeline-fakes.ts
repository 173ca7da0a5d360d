// Minimal stand-ins for the Authenticator and QuotaLedger contracts (the real ones live in
// src/auth and src/quota), just enough to observe what the requester asks of them.
import { TributaryError } from '@tributary/errors';
import type {
  ApiRequest,
  ApiResponse,
  Authenticator,
  Clock,
  QuotaCall,
  QuotaLedger,
  Requester,
  RequesterHealth,
  ResponseVerdict,
} from '../src/contracts.ts';

export class FakeAuthenticator implements Authenticator {
  readonly tokens = new Map<string, string>();
  readonly refreshes: Array<{ credential: string; rejectedToken: string }> = [];
  private readonly suspended = new Set<string>();
  /** What the next refreshAfterRejection calls return, in order (then true). */
  refreshResults: boolean[] = [];

  constructor(tokens: Record<string, string>) {
    for (const [credential, token] of Object.entries(tokens)) this.tokens.set(credential, token);
  }

  accessToken(credential: string): Promise<string> {
    if (this.suspended.has(credential)) {
      return Promise.reject(
        new TributaryError('CONNECTOR_CREDENTIAL_SUSPENDED', `${credential} is suspended`, { failureType: 'config', retryable: false }),
      );
    }
    return Promise.resolve(this.tokens.get(credential)!);
  }

  refreshAfterRejection(credential: string, rejectedToken: string): Promise<boolean> {
    this.refreshes.push({ credential, rejectedToken });
    const ok = this.refreshResults.shift() ?? true;
    if (ok) this.tokens.set(credential, `${rejectedToken}-refreshed`);
    else this.suspended.add(credential);
    return Promise.resolve(ok);
  }

  suspend(credential: string): Promise<void> {
    this.suspended.add(credential);
    return Promise.resolve();
  }

  health(): RequesterHealth['credentials'] {
    return [...this.tokens.keys()].map((id) => ({ id, state: this.suspended.has(id) ? 'suspended' : 'active' }));
  }
}

/** Pauses every call after a quota-exhausted or throttled verdict, until resumeAt / retryAfterMs. */
export class FakeQuotaLedger implements QuotaLedger {
  acquires = 0;
  readonly observed: Array<{ call: QuotaCall; status: number; verdict: ResponseVerdict | null }> = [];
  private pausedUntil = 0;
  private used = 0;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  async acquire(call: QuotaCall, signal?: AbortSignal): Promise<void> {
    this.acquires++;
    const wait = this.pausedUntil - this.clock.now();
    if (wait > 0) await this.clock.sleep(wait, signal);
    this.used += call.cost;
  }

  observe(call: QuotaCall, outcome: { status: number; headers: Readonly<Record<string, string>>; verdict: ResponseVerdict | null }): void {
    this.observed.push({ call, status: outcome.status, verdict: outcome.verdict });
    const verdict = outcome.verdict;
    if (verdict?.kind === 'quota-exhausted') this.pausedUntil = verdict.resumeAt ?? this.clock.now() + 60_000;
  }

  health(): RequesterHealth['quotas'] {
    return [{ scope: 'youtube:daily-units', used: this.used, limit: 10_000, resetsAt: null, pausedUntil: this.pausedUntil || null }];
  }
}

/** A Requester that answers from a function of the request and records every request. */
export class FakeRequester implements Requester {
  readonly requests: ApiRequest[] = [];
  private readonly answer: (request: ApiRequest, index: number) => unknown;

  constructor(answer: (request: ApiRequest, index: number) => unknown) {
    this.answer = answer;
  }

  request<T = unknown>(request: ApiRequest): Promise<ApiResponse<T>> {
    const index = this.requests.push(request) - 1;
    try {
      const body = this.answer(request, index);
      if (body instanceof Error) return Promise.reject(body);
      return Promise.resolve({ status: 200, body: body as T, headers: {}, requestId: null, receivedAt: 0, source: 'network' });
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  health(): RequesterHealth {
    return { platform: 'UNKNOWN', credentials: [], circuits: [], quotas: [], cache: { hits: 0, misses: 0, notModified: 0, shared: 0 } };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
