// Webhook deliveries as platforms make them: at-least-once. An attempt that gets a non-2xx answer
// or no answer within timeoutMs is retried with exponential backoff scheduled on the simulated
// clock (so a 72 h retry schedule runs in one advance); a delivery can be duplicated on purpose
// (same bytes, same headers). Every attempt is recorded for assertions.
import type { SimClock } from './clock.ts';
import type { SeededRandom } from './random.ts';
import type { PlatformName } from './platforms.ts';

export interface DeliveryPolicy {
  /** Wall-clock wait for the receiver's answer. */
  timeoutMs: number;
  maxAttempts: number;
  /** Simulated delay before the first retry; multiplied by backoffMultiplier for each further one. */
  initialBackoffMs: number;
  backoffMultiplier: number;
  maxBackoffMs: number;
  /** No retry is scheduled later than this after the first attempt (TikTok: 72 h). */
  maxRetrySpanMs: number;
  /** Probability that a delivered (2xx) event is sent again, identically. */
  duplicateProbability: number;
}

export interface WebhookMessage {
  platform: PlatformName;
  /** Event name for assertions: `authorization.removed`, `comments`, `websub.upload`, … */
  event: string;
  url: string;
  body: string;
  contentType: string;
  /** Signature headers for the body at simulated second `at` (TikTok signs a timestamp too). */
  sign(body: string, at: number): Record<string, string>;
}

export interface DeliveryAttempt {
  deliveryId: string;
  platform: PlatformName;
  event: string;
  url: string;
  attempt: number;
  duplicate: boolean;
  /** Simulated instant of the attempt. */
  at: number;
  /** Receiver's status, null on timeout or connection error. */
  status: number | null;
  error: string | null;
  headers: Record<string, string>;
  body: string;
}

export class WebhookDispatcher {
  readonly #clock: SimClock;
  readonly #random: SeededRandom;
  #policy: DeliveryPolicy;
  #attempts: DeliveryAttempt[] = [];
  #nextId = 1;
  #pending = 0;
  #closed = false;

  constructor(clock: SimClock, random: SeededRandom, policy: DeliveryPolicy) {
    this.#clock = clock;
    this.#random = random;
    this.#policy = policy;
  }

  get policy(): DeliveryPolicy {
    return this.#policy;
  }

  setPolicy(changes: Partial<DeliveryPolicy>): void {
    this.#policy = { ...this.#policy, ...changes };
  }

  /** Makes the first attempt now (awaited); retries and duplicates follow on the simulated clock. */
  async deliver(message: WebhookMessage): Promise<DeliveryAttempt> {
    const deliveryId = `delivery-${this.#nextId++}`;
    return this.#attempt(deliveryId, message, 1, this.#clock.now());
  }

  attempts(filter: { platform?: PlatformName; event?: string; deliveryId?: string } = {}): DeliveryAttempt[] {
    return this.#attempts.filter(
      (a) =>
        (filter.platform === undefined || a.platform === filter.platform) &&
        (filter.event === undefined || a.event === filter.event) &&
        (filter.deliveryId === undefined || a.deliveryId === filter.deliveryId),
    );
  }

  /** Retries scheduled but not yet made. */
  pending(): number {
    return this.#pending;
  }

  close(): void {
    this.#closed = true;
  }

  async #attempt(deliveryId: string, message: WebhookMessage, attempt: number, firstAt: number): Promise<DeliveryAttempt> {
    const at = this.#clock.now();
    const headers = {
      'content-type': message.contentType,
      'user-agent': `platform-sim/${message.platform}`,
      ...message.sign(message.body, at),
    };
    const record = await this.#send(deliveryId, message, attempt, false, at, headers);
    if (record.status !== null && record.status >= 200 && record.status < 300) {
      if (this.#random.chance(this.#policy.duplicateProbability))
        await this.#send(deliveryId, message, attempt, true, this.#clock.now(), headers);
      return record;
    }
    const backoff = Math.min(this.#policy.maxBackoffMs, this.#policy.initialBackoffMs * this.#policy.backoffMultiplier ** (attempt - 1));
    const retryAt = at + backoff;
    if (attempt < this.#policy.maxAttempts && retryAt - firstAt <= this.#policy.maxRetrySpanMs && !this.#closed) {
      this.#pending += 1;
      this.#clock.schedule(retryAt, async () => {
        this.#pending -= 1;
        if (!this.#closed) await this.#attempt(deliveryId, message, attempt + 1, firstAt);
      });
    }
    return record;
  }

  async #send(
    deliveryId: string,
    message: WebhookMessage,
    attempt: number,
    duplicate: boolean,
    at: number,
    headers: Record<string, string>,
  ): Promise<DeliveryAttempt> {
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(message.url, {
        method: 'POST',
        headers,
        body: message.body,
        signal: AbortSignal.timeout(this.#policy.timeoutMs),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch (cause) {
      error = (cause as Error).name === 'TimeoutError' ? 'timeout' : (cause as Error).message;
    }
    const record: DeliveryAttempt = {
      deliveryId,
      platform: message.platform,
      event: message.event,
      url: message.url,
      attempt,
      duplicate,
      at,
      status,
      error,
      headers,
      body: message.body,
    };
    this.#attempts.push(record);
    return record;
  }
}
