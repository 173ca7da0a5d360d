// Keeps the WebSub subscriptions of the configured channels alive: on start, and again
// `renewBeforeMs` before each lease ends, POST hub.mode=subscribe (hub.callback, hub.topic,
// hub.secret, hub.lease_seconds, hub.verify=async) to the hub. The hub then verifies the intent with
// a GET on the callback, which the route's handshake answers and records as a lease. A topic whose
// subscription was requested but not yet verified is asked again after `retryMs`.
// Generic WebSub client (any hub, any topic): a candidate for the kit next to webSubIntentVerification.
import type { Clock, WebSubLease } from '@tributary/connector-kit';
import type { Logger } from '@tributary/telemetry';

export interface WebSubSubscriberOptions {
  hubUrl: string;
  callbackUrl: string;
  topics: readonly string[];
  secret: string;
  leaseSeconds: number;
  renewBeforeMs: number;
  /** Wait before asking again when a request failed or its verification has not come. */
  retryMs?: number;
  leases(): WebSubLease[];
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  fetch?: typeof fetch;
}

export interface WebSubSubscriber {
  /** Subscription requests sent (accepted by the hub), failed. */
  stats(): { requested: number; failed: number };
  readonly done: Promise<void>;
}

export function startWebSubSubscriber(options: WebSubSubscriberOptions): WebSubSubscriber {
  const { clock, signal } = options;
  const logger = options.logger.child({ component: 'websub-subscriber' });
  const retryMs = options.retryMs ?? 10 * 60_000;
  const doFetch = options.fetch ?? fetch;
  const askedAt = new Map<string, number>();
  let requested = 0;
  let failed = 0;

  const subscribe = async (topic: string): Promise<void> => {
    const form = new URLSearchParams({
      'hub.mode': 'subscribe',
      'hub.callback': options.callbackUrl,
      'hub.topic': topic,
      'hub.secret': options.secret,
      'hub.lease_seconds': String(options.leaseSeconds),
      'hub.verify': 'async',
    });
    askedAt.set(topic, clock.now());
    try {
      const response = await doFetch(options.hubUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
      });
      const text = await response.text();
      if (response.status >= 200 && response.status < 300) {
        requested += 1;
      } else {
        failed += 1;
        logger.warn({ topic, status: response.status, body: text.slice(0, 200) }, 'The WebSub hub refused the subscription.');
      }
    } catch (error) {
      if (signal.aborted) return;
      failed += 1;
      logger.warn({ err: error, topic }, 'WebSub subscription request failed.');
    }
  };

  /** When the topic needs a (re)subscription: no lease and not asked recently, or a lease about to end. */
  const dueAt = (topic: string, leases: Map<string, WebSubLease>): number => {
    const lease = leases.get(topic);
    const asked = askedAt.get(topic);
    const retryAt = asked === undefined ? Number.NEGATIVE_INFINITY : asked + retryMs;
    if (lease === undefined) return retryAt;
    const renewAt = lease.expiresAt === null ? Number.POSITIVE_INFINITY : lease.expiresAt - options.renewBeforeMs;
    // A renewal already asked for waits for its verification (or the retry delay).
    return asked !== undefined && asked > lease.verifiedAt ? Math.max(renewAt, retryAt) : renewAt;
  };

  const done = (async () => {
    while (!signal.aborted) {
      const leases = new Map(options.leases().map((lease) => [lease.topic, lease]));
      const now = clock.now();
      for (const topic of options.topics) if (dueAt(topic, leases) <= now) await subscribe(topic);
      const next = Math.min(...options.topics.map((topic) => dueAt(topic, leases)));
      const waitMs = Math.max(1_000, Math.min(retryMs, (Number.isFinite(next) ? next : now + retryMs) - clock.now()));
      try {
        await clock.sleep(waitMs, signal);
      } catch {
        return;
      }
    }
  })();
  return { stats: () => ({ requested, failed }), done };
}
