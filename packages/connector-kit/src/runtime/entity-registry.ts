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
  // `<track>\u0000<scope>` -> entity id -> tracked state. A track is one fan-out stream's schedule
  // over an entity set: two streams polling the same set (insights and comments of the same media)
  // keep their own cadence and tracking window.
  private readonly sets = new Map<string, Map<string, TrackedEntity>>();
  private readonly tracksBySet: ReadonlyMap<string, readonly string[]>;

  /** `tracksBySet`: the fan-out streams of each entity set; a set without entry is its own single track. */
  constructor(tracksBySet: ReadonlyMap<string, readonly string[]> = new Map()) {
    this.tracksBySet = tracksBySet;
  }

  private tracksOf(entitySet: string): readonly string[] {
    const tracks = this.tracksBySet.get(entitySet);
    return tracks && tracks.length > 0 ? tracks : [entitySet];
  }

  private entries(track: string, scope: string): Map<string, TrackedEntity> {
    const key = `${track}\u0000${scope}`;
    let entries = this.sets.get(key);
    if (!entries) this.sets.set(key, (entries = new Map()));
    return entries;
  }

  /** Adds or refreshes an entity on every track of its set (a re-discovery keeps each schedule and velocity). */
  register(entitySet: string, scope: string, entity: DiscoveredEntity): void {
    for (const track of this.tracksOf(entitySet)) {
      const entries = this.entries(track, scope);
      const known = entries.get(entity.id);
      if (known) known.entity = entity;
      else entries.set(entity.id, { entity, nextPollAt: 0, velocityPerHour: 0, polls: 0 });
    }
  }

  /** Adds the entity, or keeps its velocity, and makes it due at once on every track (a webhook asked for a targeted refresh). */
  dueNow(entitySet: string, scope: string, entity: DiscoveredEntity): void {
    this.register(entitySet, scope, entity);
    for (const track of this.tracksOf(entitySet)) {
      const tracked = this.entries(track, scope).get(entity.id)!;
      tracked.nextPollAt = 0;
      tracked.historyOnly = false;
    }
  }

  /** An entity a backfill walk found: polled once at backfill priority unless it is (or becomes) regularly tracked. */
  registerHistory(entitySet: string, scope: string, entity: DiscoveredEntity): void {
    for (const track of this.tracksOf(entitySet)) {
      const entries = this.entries(track, scope);
      if (!entries.has(entity.id)) entries.set(entity.id, { entity, nextPollAt: 0, velocityPerHour: 0, polls: 0, historyOnly: true });
    }
  }

  /**
   * Drops entities past the tracking window or expired (history-only ones once they were polled);
   * returns the ones due at `now`, earliest first.
   */
  due(track: string, scope: string, now: number, policy: EntityPolicy): TrackedEntity[] {
    const entries = this.entries(track, scope);
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

  /** The earliest nextPollAt of the track and scope, or undefined when it is empty. */
  nextDueAt(track: string, scope: string): number | undefined {
    let earliest: number | undefined;
    for (const tracked of this.entries(track, scope).values()) {
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

  /** Distinct entities of the set (over all its tracks and scopes), or of one track when `track` is given. */
  size(entitySetOrTrack: string): number {
    const tracks = this.tracksBySet.has(entitySetOrTrack) ? this.tracksOf(entitySetOrTrack) : [entitySetOrTrack];
    const ids = new Set<string>();
    for (const [key, entries] of this.sets) {
      const [track, scope] = key.split('\u0000') as [string, string];
      if (tracks.includes(track)) for (const id of entries.keys()) ids.add(`${scope}\u0000${id}`);
    }
    return ids.size;
  }

  /** The tracked state of an entity: on `track`, or on the first track of the set that has it. */
  get(entitySet: string, scope: string, id: string, track?: string): TrackedEntity | undefined {
    for (const candidate of track ? [track] : this.tracksOf(entitySet)) {
      const found = this.entries(candidate, scope).get(id);
      if (found) return found;
    }
    return undefined;
  }
}
