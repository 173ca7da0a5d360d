// The entities fan-out streams poll, per entity set and scope, kept in memory only. After a
// restart it is rebuilt by the first incremental walk of each discovering list stream, which
// reaches back over the longest tracking window of the fan-out streams that use its set
// (docs/adr/0019): nothing a crash forgets is lost, it costs one longer walk per restart.
import type { RequestPriority } from '../contracts.ts';
import { pollIntervalMs, velocityPerHour } from './cadence.ts';
import type { CadenceCurve } from './cadence.ts';
import type { DiscoveredEntity } from './declarations.ts';

export interface TrackedEntity {
  entity: DiscoveredEntity;
  /** Clock time the entity is due next; 0 = at once. */
  nextPollAt: number;
  lastCount?: { count: number; at: number };
  velocityPerHour: number;
  polls: number;
  /**
   * Found by a backfill walk and older than the tracking window: polled once at backfill
   * priority (so history gets its content and metrics), then forgotten.
   */
  historyOnly?: boolean;
}

export interface EntityPolicy {
  cadence: CadenceCurve;
  trackingWindowMs: number;
  freshForMs: number;
}

const DAY = 86_400_000;

export class EntityRegistry {
  // `<entitySet>\u0000<scope>` -> entity id -> tracked state
  private readonly sets = new Map<string, Map<string, TrackedEntity>>();

  private entries(entitySet: string, scope: string): Map<string, TrackedEntity> {
    const key = `${entitySet}\u0000${scope}`;
    let entries = this.sets.get(key);
    if (!entries) this.sets.set(key, (entries = new Map()));
    return entries;
  }

  /** Adds or refreshes an entity (a re-discovery keeps its schedule and velocity). */
  register(entitySet: string, scope: string, entity: DiscoveredEntity): void {
    const entries = this.entries(entitySet, scope);
    const known = entries.get(entity.id);
    if (known) known.entity = entity;
    else entries.set(entity.id, { entity, nextPollAt: 0, velocityPerHour: 0, polls: 0 });
  }

  /** Adds the entity, or keeps its velocity, and makes it due at once (a webhook asked for a targeted refresh). */
  dueNow(entitySet: string, scope: string, entity: DiscoveredEntity): void {
    this.register(entitySet, scope, entity);
    this.entries(entitySet, scope).get(entity.id)!.nextPollAt = 0;
  }

  /** An entity a backfill walk found: polled once at backfill priority unless it is (or becomes) regularly tracked. */
  registerHistory(entitySet: string, scope: string, entity: DiscoveredEntity): void {
    const entries = this.entries(entitySet, scope);
    if (!entries.has(entity.id)) entries.set(entity.id, { entity, nextPollAt: 0, velocityPerHour: 0, polls: 0, historyOnly: true });
  }

  /**
   * Drops entities past the tracking window or expired (history-only ones once they were polled);
   * returns the ones due at `now`, earliest first.
   */
  due(entitySet: string, scope: string, now: number, policy: EntityPolicy): TrackedEntity[] {
    const entries = this.entries(entitySet, scope);
    const due: TrackedEntity[] = [];
    for (const [id, tracked] of entries) {
      const { entity } = tracked;
      const outsideWindow = entity.publishedAt < now - policy.trackingWindowMs;
      if (tracked.historyOnly && !outsideWindow) tracked.historyOnly = false; // young enough to track like the rest
      const keepForHistory = tracked.historyOnly === true && tracked.polls === 0;
      if ((outsideWindow && !keepForHistory) || (entity.expiresAt !== undefined && entity.expiresAt <= now)) {
        entries.delete(id);
        continue;
      }
      if (tracked.nextPollAt <= now) due.push(tracked);
    }
    return due.sort((a, b) => a.nextPollAt - b.nextPollAt || a.entity.id.localeCompare(b.entity.id));
  }

  /** The earliest nextPollAt of the set and scope, or undefined when it is empty. */
  nextDueAt(entitySet: string, scope: string): number | undefined {
    let earliest: number | undefined;
    for (const tracked of this.entries(entitySet, scope).values()) {
      if (earliest === undefined || tracked.nextPollAt < earliest) earliest = tracked.nextPollAt;
    }
    return earliest;
  }

  /** Records a poll at `now` (with the velocity counter when the mapper gave one) and schedules the next. */
  polled(tracked: TrackedEntity, now: number, policy: EntityPolicy, count?: number): void {
    if (count !== undefined) {
      const current = { count, at: now };
      tracked.velocityPerHour = velocityPerHour(tracked.lastCount, current);
      tracked.lastCount = current;
    }
    tracked.polls += 1;
    tracked.nextPollAt = now + pollIntervalMs(policy.cadence, now - tracked.entity.publishedAt, tracked.velocityPerHour);
  }

  /** Backfill for history-only entities, else by the entity (priorityOf). */
  static priorityOfTracked(tracked: TrackedEntity, now: number, freshForMs: number = DAY): RequestPriority {
    return tracked.historyOnly ? 'backfill' : EntityRegistry.priorityOf(tracked.entity, now, freshForMs);
  }

  /** Ephemeral while it has not expired, fresh while young, refresh afterwards. */
  static priorityOf(entity: DiscoveredEntity, now: number, freshForMs: number = DAY): RequestPriority {
    if (entity.expiresAt !== undefined && entity.expiresAt > now) return 'ephemeral';
    return now - entity.publishedAt < freshForMs ? 'fresh' : 'refresh';
  }

  size(entitySet: string): number {
    let total = 0;
    for (const [key, entries] of this.sets) if (key.startsWith(`${entitySet}\u0000`)) total += entries.size;
    return total;
  }

  get(entitySet: string, scope: string, id: string): TrackedEntity | undefined {
    return this.entries(entitySet, scope).get(id);
  }
}
