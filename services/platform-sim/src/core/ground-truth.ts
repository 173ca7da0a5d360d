// What the simulator exposed: every entity id and every metric value served through the API, with
// the simulated instant it was served. A request's records are committed only when its response
// left intact (no corrupting fault), so a completeness test compares against what a client could
// actually have read.
import type { PlatformName } from './platforms.ts';

export interface ServedEntity {
  platform: PlatformName;
  /** video, media, story, account, channel, comment, … */
  kind: string;
  id: string;
  accountId: string;
  endpoint: string;
  servedAt: number;
}

export interface MetricObservation {
  platform: PlatformName;
  kind: string;
  id: string;
  endpoint: string;
  observedAt: number;
  values: Record<string, number | string | null>;
}

export interface GroundTruth {
  /** Records older than this were dropped to stay under the recorder's cap (null: nothing dropped). */
  droppedBefore: number | null;
  /** First serving of each (platform, kind, id) inside the window. */
  entities: ServedEntity[];
  /** Every metric snapshot served inside the window, in serving order. */
  metrics: MetricObservation[];
}

/** Records of one request; committed or dropped as a whole. */
export class ServedLog {
  readonly entities: ServedEntity[] = [];
  readonly metrics: MetricObservation[] = [];

  readonly platform: PlatformName;
  readonly endpoint: string;
  readonly at: number;

  constructor(platform: PlatformName, endpoint: string, at: number) {
    this.platform = platform;
    this.endpoint = endpoint;
    this.at = at;
  }

  entity(kind: string, id: string, accountId: string): void {
    this.entities.push({ platform: this.platform, kind, id, accountId, endpoint: this.endpoint, servedAt: this.at });
  }

  metric(kind: string, id: string, values: Record<string, number | string | null>): void {
    if (Object.keys(values).length > 0)
      this.metrics.push({ platform: this.platform, kind, id, endpoint: this.endpoint, observedAt: this.at, values });
  }
}

export class GroundTruthRecorder {
  #entities: ServedEntity[] = [];
  #metrics: MetricObservation[] = [];
  #droppedBefore: number | null = null;
  readonly #maxRecords: number;

  /** Keeps at most `maxRecords` entity + metric records; beyond, the oldest half is dropped (long demo runs). */
  constructor(maxRecords = Infinity) {
    this.#maxRecords = maxRecords;
  }

  commit(log: ServedLog): void {
    this.#entities.push(...log.entities);
    this.#metrics.push(...log.metrics);
    if (this.#entities.length + this.#metrics.length > this.#maxRecords) {
      const entities = this.#entities.splice(0, Math.ceil(this.#entities.length / 2));
      const metrics = this.#metrics.splice(0, Math.ceil(this.#metrics.length / 2));
      const newest = Math.max(entities.at(-1)?.servedAt ?? -Infinity, metrics.at(-1)?.observedAt ?? -Infinity);
      this.#droppedBefore = Math.max(this.#droppedBefore ?? -Infinity, newest + 1);
    }
  }

  query(window: { from?: number; to?: number; platform?: PlatformName } = {}): GroundTruth {
    const inside = (at: number, platform: PlatformName): boolean =>
      at >= (window.from ?? -Infinity) && at <= (window.to ?? Infinity) && (window.platform === undefined || window.platform === platform);
    const seen = new Set<string>();
    const entities: ServedEntity[] = [];
    for (const entity of this.#entities) {
      const key = `${entity.platform}|${entity.kind}|${entity.id}`;
      if (!inside(entity.servedAt, entity.platform) || seen.has(key)) continue;
      seen.add(key);
      entities.push(entity);
    }
    return { droppedBefore: this.#droppedBefore, entities, metrics: this.#metrics.filter((m) => inside(m.observedAt, m.platform)) };
  }
}
