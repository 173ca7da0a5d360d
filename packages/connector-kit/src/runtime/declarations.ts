// What a platform folder declares (docs/adr/0019): a SourceDeclaration with its streams. Three
// kinds cover the collection patterns of the platforms in research/platform-apis.md:
//   list     paged content or account lists (TikTok video/list, YouTube playlistItems, IG media,
//            IG stories), newest first, with a watermark and a lookback window;
//   fan-out  per-entity requests over the entities a list stream discovered (YouTube videos.list
//            with 50 ids, TikTok video/query with 20, IG media insights one at a time), polled on
//            an adaptive cadence by content age and velocity;
//   single   one request per scope (profile / channel / account stats).
// The runtime (runner.ts) owns scheduling, priorities, checkpoints, retries-by-cadence and
// metrics; a declaration only says how to ask and how to map.
import type { Platform } from '@tributary/events';
import type { ApiRequest, ApiResponse, OutgoingEvent, RequestPriority, Requester } from '../contracts.ts';
import type { CadenceCurve } from './cadence.ts';

/** One account (or channel, page…) the collector works for, from configuration. */
export interface ScopeConfig {
  /** The platform account id: the checkpoint scope and the requests' subject. */
  id: string;
  /** The credential whose token authenticates this scope's calls; the scope id when left out. */
  credential?: string;
}

/** What every request builder and mapper gets. */
export interface StreamContext {
  source: string;
  platform: Platform;
  stream: string;
  scope: string;
  credential: string;
  /** The priority the runtime assigned to this run; builders put it on ApiRequest.priority (the runtime also sets it). */
  priority: RequestPriority;
  /** 'poll' for incremental runs, 'backfill' for history walks (SourceLineage.method). */
  method: 'poll' | 'backfill';
  /**
   * Start of the collection slot (epoch ms): clock time floored to the stream's snapshotBucketMs.
   * Metric snapshots use it as snapshot_bucket, so re-collecting within a slot (after a crash)
   * yields the same event_ids.
   */
  snapshotBucket: number;
  /** W3C traceparent of the page's `collect <stream>` span, for Envelope.traceparent; null when tracing is off. */
  traceparent: string | null;
}

/** One page of a paged list, as a paginator yields it. */
export interface ListPage<Item> {
  items: readonly Item[];
  /** The cursor that fetches the page after this one; null when this was the last page. */
  cursorAfter: string | null;
  response: ApiResponse;
}

/**
 * Walks a paged list from `firstRequest` (or from `resumeCursor`, a cursorAfter of an earlier
 * page). Same shape as the requester's paginators (paginators.ts): they refuse a repeated cursor.
 */
export type Paginator<Item> = (
  requester: Requester,
  firstRequest: ApiRequest,
  resumeCursor: string | null,
) => AsyncIterable<ListPage<Item>>;

/** An entity a list stream found, for the fan-out streams that poll it. */
export interface DiscoveredEntity {
  id: string;
  /** When the platform published it (epoch ms): drives the polling cadence. */
  publishedAt: number;
  /** Ephemeral content (Stories): polled at 'ephemeral' priority until then, forgotten after. */
  expiresAt?: number;
}

export interface ListStreamDeclaration<Item = unknown> {
  kind: 'list';
  name: string;
  /** How often an incremental walk starts, per scope. */
  everyMs: number;
  /** 'fresh' (default) or 'ephemeral' for lists of short-lived content (Stories). */
  priority?: 'fresh' | 'ephemeral';
  /** The first request of a walk; `cursor` is the resume cursor when the walk continues an earlier one. */
  request(context: StreamContext, cursor: string | null): ApiRequest;
  paginate: Paginator<Item>;
  /** Canonical events for one item, with deterministic event_ids (@tributary/events computeEventId). */
  map(item: Item, context: StreamContext, response: ApiResponse): OutgoingEvent[];
  /** The item's time on the list's order (create_time, publishedAt) in epoch ms; the list is newest first. */
  watermark(item: Item): number;
  /**
   * Re-observe items this much older than the previous watermark on every incremental walk, so
   * late metric revisions and edits are captured (Instagram insights lag up to 48 h).
   */
  lookbackMs: number;
  /** Persist the cursor of an unfinished walk and resume from it (default true). Meta's cursors die with the item: false. */
  resumable?: boolean;
  /** Entities for fan-out streams; `entitySet` names the set they join. */
  discovers?: { entitySet: string; entity(item: Item): DiscoveredEntity | null };
  /** Collection-slot width for StreamContext.snapshotBucket (default everyMs). */
  snapshotBucketMs?: number;
}

export interface FanOutStreamDeclaration {
  kind: 'fan-out';
  name: string;
  /** The entity set (ListStreamDeclaration.discovers.entitySet) this stream polls. */
  entitySet: string;
  /** Most entity ids in one request (YouTube videos.list 50, TikTok video/query 20, IG insights 1). */
  batchSize: number;
  /** How often each entity is polled, by its age and velocity. */
  cadence: CadenceCurve;
  /** Entities older than this are no longer polled (and not rebuilt after a restart). */
  trackingWindowMs: number;
  /** Entities younger than this are polled at 'fresh' priority, older ones at 'refresh' (default 24 h). */
  freshForMs?: number;
  request(context: StreamContext, entities: readonly DiscoveredEntity[]): ApiRequest;
  map(response: ApiResponse, entities: readonly DiscoveredEntity[], context: StreamContext): OutgoingEvent[];
  /**
   * The counter velocity is measured on, per entity, from the events just mapped (default: the
   * `views` of events whose envelope.entity_id is a polled entity, else `likes`).
   */
  velocityCount?(event: OutgoingEvent): { entityId: string; count: number } | null;
  /** Collection-slot width for StreamContext.snapshotBucket (default cadence.minIntervalMs). */
  snapshotBucketMs?: number;
}

export interface SingleStreamDeclaration {
  kind: 'single';
  name: string;
  everyMs: number;
  request(context: StreamContext): ApiRequest;
  map(response: ApiResponse, context: StreamContext): OutgoingEvent[];
  /** Collection-slot width for StreamContext.snapshotBucket (default everyMs). */
  snapshotBucketMs?: number;
}

export type StreamDeclaration = ListStreamDeclaration<any> | FanOutStreamDeclaration | SingleStreamDeclaration; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface SourceDeclaration {
  /** The collector's name, e.g. `source-tiktok`: checkpoint keys, metrics, SourceLineage.source. */
  name: string;
  platform: Platform;
  streams: readonly StreamDeclaration[];
}

/** Identity helpers that keep the item type of a list stream checked where it is declared. */
export function listStream<Item>(declaration: Omit<ListStreamDeclaration<Item>, 'kind'>): ListStreamDeclaration<Item> {
  return { kind: 'list', ...declaration };
}
export function fanOutStream(declaration: Omit<FanOutStreamDeclaration, 'kind'>): FanOutStreamDeclaration {
  return { kind: 'fan-out', ...declaration };
}
export function singleStream(declaration: Omit<SingleStreamDeclaration, 'kind'>): SingleStreamDeclaration {
  return { kind: 'single', ...declaration };
}
