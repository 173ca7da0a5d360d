// Pauses per quota scope, shared by the policies of one ledger. A pause only ever extends;
// it ends when its time passes. Logs state changes (paused, resumed), never individual calls.
import type { Logger } from '@tributary/telemetry';

interface Pause {
  until: number;
  reason: string;
}

export class ScopePauses {
  private readonly pauses = new Map<string, Pause>();
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** Pauses `scope` until `until` (epoch ms), or extends a shorter pause. */
  pause(scope: string, until: number, reason: string, now: number): void {
    if (until <= now) return;
    const current = this.pauses.get(scope);
    if (current !== undefined && current.until > now) {
      if (until > current.until) this.pauses.set(scope, { until, reason });
      return;
    }
    this.pauses.set(scope, { until, reason });
    this.logger.info({ scope, pausedUntil: new Date(until).toISOString(), reason }, 'Quota scope paused');
  }

  /** The end of the scope's pause, or null when it is not paused (a pause that has passed is logged as resumed). */
  pausedUntil(scope: string, now: number): number | null {
    const current = this.pauses.get(scope);
    if (current === undefined) return null;
    if (current.until > now) return current.until;
    this.pauses.delete(scope);
    this.logger.info({ scope }, 'Quota scope resumed');
    return null;
  }
}
