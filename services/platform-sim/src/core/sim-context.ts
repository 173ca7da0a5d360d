// What every platform simulator shares: time, knobs, faults, the ground-truth recorder, the webhook
// dispatcher, and background work (hub verifications) that sim.idle() can wait for.
import type { Logger } from '@tributary/telemetry';
import type { SimKnobs } from '../knobs.ts';
import type { SimClock } from './clock.ts';
import type { FaultBoard } from './faults.ts';
import type { GroundTruthRecorder } from './ground-truth.ts';
import type { WebhookDispatcher } from './webhook-delivery.ts';

export interface SimContext {
  seed: string;
  startTime: number;
  clock: SimClock;
  knobs: SimKnobs;
  faults: FaultBoard;
  recorder: GroundTruthRecorder;
  dispatcher: WebhookDispatcher;
  background: BackgroundWork;
  logger: Logger;
}

export class BackgroundWork {
  #pending = new Set<Promise<unknown>>();

  track(work: Promise<unknown>): void {
    const settled = work.catch(() => undefined).finally(() => this.#pending.delete(settled));
    this.#pending.add(settled);
  }

  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }
}

/** Graph/TikTok-style request ids: 11–32 random characters, not from the seeded stream (they never affect data). */
export function traceId(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < length; i++) id += alphabet[crypto.getRandomValues(new Uint8Array(1))[0]! % alphabet.length];
  return id;
}
