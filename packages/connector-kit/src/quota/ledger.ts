// The quota ledger (contracts.ts QuotaLedger), composed from policies. Each policy owns some
// scopes (a TikTok endpoint window, YouTube's daily units, a Meta business id) and says for a
// call whether it fits now or from when it might. acquire() queues the call; the queue is
// served by priority (REQUEST_PRIORITIES order), FIFO within a priority, and a call is admitted
// only when every policy agrees — its units are reserved in the same synchronous step, so
// concurrent acquires can never overrun a budget. A call blocked on a scope holds that scope
// for lower-ranked calls (no overtaking inside a scope) but blocks nothing else.
import { ConfigError } from '@tributary/errors';
import type { Platform } from '@tributary/events';
import type { Logger } from '@tributary/telemetry';
import { REQUEST_PRIORITIES } from '../contracts.ts';
import type { Clock, QuotaCall, QuotaLedger, RequestPriority, RequesterHealth, ResponseVerdict } from '../contracts.ts';
import { ScopePauses } from './scope-pauses.ts';

export type QuotaScopeHealth = RequesterHealth['quotas'][number];
export type QuotaOutcome = Parameters<QuotaLedger['observe']>[1];

/** Why a call cannot go now: the scope that refuses it and the earliest time it may fit. */
export interface QuotaBlock {
  scope: string;
  /** Epoch ms, later than now. */
  until: number;
}

export interface QuotaPolicyContext {
  /** Lower-case platform name, the prefix of every scope: `youtube:daily-units`. */
  prefix: string;
  clock: Clock;
  pauses: ScopePauses;
  /** For state changes only (a budget spent, a pause), never per call. */
  logger: Logger;
}

/** A budget strategy; `attach` gives it the ledger's context and returns its live state. */
export interface QuotaPolicy {
  readonly name: string;
  attach(context: QuotaPolicyContext): AttachedQuotaPolicy;
}

export interface AttachedQuotaPolicy {
  /** The scopes the call is charged to or can be paused by. */
  scopes(call: QuotaCall): readonly string[];
  /** A reason the call can never fit (e.g. it costs more than the whole budget); null when it can. */
  refuse?(call: QuotaCall): string | null;
  /** Null when the call fits now. */
  check(call: QuotaCall, now: number): QuotaBlock | null;
  /** Charges the call; called only right after check() returned null for every policy. */
  reserve(call: QuotaCall, now: number): void;
  observe(call: QuotaCall, outcome: QuotaOutcome, now: number): void;
  health(now: number): QuotaScopeHealth[];
}

export interface QuotaLedgerOptions {
  platform: Platform;
  policies: readonly QuotaPolicy[];
  clock: Clock;
  logger: Logger;
}

interface Waiter {
  call: QuotaCall;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export function createQuotaLedger(options: QuotaLedgerOptions): QuotaLedger & { waiting(): number } {
  const { clock } = options;
  const logger = options.logger.child({ component: 'quota-ledger', platform: options.platform });
  const context: QuotaPolicyContext = { prefix: options.platform.toLowerCase(), clock, pauses: new ScopePauses(logger), logger };
  const policies = options.policies.map((policy) => policy.attach(context));
  const queues = new Map<RequestPriority, Waiter[]>(REQUEST_PRIORITIES.map((priority) => [priority, []]));
  let timer: { at: number; controller: AbortController } | null = null;

  function blocksOf(call: QuotaCall, now: number): QuotaBlock[] {
    const blocks: QuotaBlock[] = [];
    for (const policy of policies) {
      const block = policy.check(call, now);
      if (block !== null) blocks.push(block);
    }
    return blocks;
  }

  // Scopes held by blocked waiters, per priority, as of the last full pass at `passAt`. While
  // nothing changed since (same clock time; observe, abort and wake-ups run a full pass), a new
  // waiter is judged alone against them: an arrival never unblocks anyone, so a full pass would
  // decide the same. This keeps a burst of acquires linear instead of quadratic.
  const held = new Map<RequestPriority, Set<string>>(REQUEST_PRIORITIES.map((priority) => [priority, new Set<string>()]));
  let passAt = Number.NaN;
  let wakeAt = Infinity;

  /** Whether a waiter of higher or equal priority holds one of the call's scopes. */
  function isHeld(call: QuotaCall): boolean {
    const scopes = policies.flatMap((policy) => policy.scopes(call));
    for (const priority of REQUEST_PRIORITIES) {
      const scopesHeld = held.get(priority)!;
      if (scopesHeld.size > 0 && scopes.some((scope) => scopesHeld.has(scope))) return true;
      if (priority === call.priority) return false;
    }
    return false;
  }

  /** Admits the waiter if every policy agrees, reserving in the same step; else records the scopes it holds. */
  function tryAdmit(waiter: Waiter, now: number): boolean {
    const blocks = blocksOf(waiter.call, now);
    if (blocks.length === 0) {
      for (const policy of policies) policy.reserve(waiter.call, now);
      if (waiter.onAbort !== undefined) waiter.signal!.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
      return true;
    }
    for (const block of blocks) {
      held.get(waiter.call.priority)!.add(block.scope);
      wakeAt = Math.min(wakeAt, block.until);
    }
    return false;
  }

  /** Full pass: admits every waiter that fits, in priority order; schedules a wake-up for the earliest block. */
  function pump(): void {
    const now = clock.now();
    passAt = now;
    wakeAt = Infinity;
    for (const scopes of held.values()) scopes.clear();
    for (const priority of REQUEST_PRIORITIES) {
      const queue = queues.get(priority)!;
      for (let index = 0; index < queue.length;) {
        const waiter = queue[index]!;
        if (!isHeld(waiter.call) && tryAdmit(waiter, now)) queue.splice(index, 1);
        else index++;
      }
    }
    schedule(wakeAt);
  }

  /** A new waiter: judged alone when nothing changed since the last full pass, else a full pass. */
  function arrive(waiter: Waiter): void {
    const queue = queues.get(waiter.call.priority)!;
    queue.push(waiter);
    const now = clock.now();
    if (now !== passAt) {
      pump();
      return;
    }
    if (!isHeld(waiter.call) && tryAdmit(waiter, now)) queue.pop();
    else schedule(wakeAt);
  }

  function schedule(at: number): void {
    if (timer !== null && timer.at === at) return;
    timer?.controller.abort();
    timer = null;
    if (!Number.isFinite(at)) return;
    const current = { at, controller: new AbortController() };
    timer = current;
    clock.sleep(Math.max(0, at - clock.now()), current.controller.signal).then(
      () => {
        if (timer !== current) return;
        timer = null;
        pump();
      },
      () => undefined, // superseded by an earlier or later wake-up
    );
  }

  return {
    acquire(call, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      for (const policy of policies) {
        const refusal = policy.refuse?.(call) ?? null;
        if (refusal !== null) {
          return Promise.reject(
            new ConfigError('CONNECTOR_QUOTA_CALL_TOO_LARGE', `Call to ${call.endpoint} can never fit the quota: ${refusal}`, {
              hint: 'Check the endpoint cost table and the configured quota limit of the platform profile.',
            }),
          );
        }
      }
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { call, resolve, reject, signal, onAbort: undefined };
        if (signal !== undefined) {
          waiter.onAbort = () => {
            const queue = queues.get(call.priority)!;
            const index = queue.indexOf(waiter);
            if (index === -1) return;
            queue.splice(index, 1);
            reject(signal.reason as Error);
            pump(); // the aborted call may have been holding a scope
          };
          signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        arrive(waiter);
      });
    },

    observe(call, outcome: { status: number; headers: Readonly<Record<string, string>>; verdict: ResponseVerdict | null }) {
      const now = clock.now();
      for (const policy of policies) policy.observe(call, outcome, now);
      pump();
    },

    health() {
      const now = clock.now();
      return policies.flatMap((policy) => policy.health(now));
    },

    waiting() {
      let count = 0;
      for (const queue of queues.values()) count += queue.length;
      return count;
    },
  };
}
