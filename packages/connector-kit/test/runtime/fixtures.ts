// A tiny simulated platform for the runtime's unit tests: a newest-first post list paged by a
// numeric cursor, per-post view counters, a profile endpoint; a fake Requester that records every
// request (priority, credential) and can be told to fail; a fake EventWriter that records what
// it was given and can be held or told to reject.
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { computeEventId, contentVersion, entityKey, observation } from '@tributary/events';
import { createLogger } from '@tributary/telemetry';
import type { Logger } from '@tributary/telemetry';
import type { ApiRequest, ApiResponse, EventWriter, OutgoingEvent, Requester, RequesterHealth } from '../../src/contracts.ts';
import { fanOutStream, listStream, singleStream } from '../../src/runtime/declarations.ts';
import type { DiscoveredEntity, ListPage, Paginator, SourceDeclaration } from '../../src/runtime/declarations.ts';
import type { CadenceCurve } from '../../src/runtime/cadence.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface FakePost {
  id: string;
  createdAt: number;
  title: string;
  views: number;
  /** Views gained per hour of clock time (the fake counter grows with it). */
  viewsPerHour?: number;
  story?: boolean;
}

/** Lets every promise chain that does not wait on real I/O or the clock run to completion. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await nextMacrotask();
}

export class FakePlatform {
  posts: FakePost[] = [];
  pageSize = 2;

  readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  /** Newest first, as the platforms list content. */
  list(): FakePost[] {
    return [...this.posts].sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
  }

  viewsOf(post: FakePost): number {
    return post.views + Math.floor(((this.now() - post.createdAt) / HOUR) * (post.viewsPerHour ?? 0));
  }
}

export interface RecordedRequest {
  scope: string | undefined;
  endpoint: string;
  priority: ApiRequest['priority'];
  credential: string | undefined;
  query: ApiRequest['query'];
  at: number;
}

export class FakeRequester implements Requester {
  readonly requests: RecordedRequest[] = [];
  /** Throws this for requests of an endpoint (and scope, when set). */
  failures: Array<{ endpoint: string; scope?: string; when?: (request: ApiRequest) => boolean; error: () => unknown; times?: number }> = [];
  credentialStates = new Map<string, 'active' | 'suspended'>();

  readonly platform: FakePlatform;
  readonly now: () => number;

  constructor(platform: FakePlatform, now: () => number) {
    this.platform = platform;
    this.now = now;
  }

  async request<T>(request: ApiRequest): Promise<ApiResponse<T>> {
    const scope = request.query?.account as string | undefined;
    this.requests.push({
      scope,
      endpoint: request.endpoint,
      priority: request.priority,
      credential: request.credential,
      query: request.query,
      at: this.now(),
    });
    const failure = this.failures.find(
      (entry) =>
        entry.endpoint === request.endpoint && (entry.scope === undefined || entry.scope === scope) && (entry.when?.(request) ?? true),
    );
    if (failure && (failure.times === undefined || failure.times > 0)) {
      if (failure.times !== undefined) failure.times -= 1;
      throw failure.error();
    }
    const response = (body: unknown): ApiResponse<T> => ({
      status: 200,
      body: body as T,
      headers: {},
      requestId: null,
      receivedAt: this.now(),
      source: 'network',
    });
    if (request.endpoint === 'posts.list' || request.endpoint === 'stories.list') {
      const all = this.platform.list().filter((post) => Boolean(post.story) === (request.endpoint === 'stories.list'));
      const start = Number(request.query?.cursor ?? 0);
      const items = all.slice(start, start + this.platform.pageSize);
      const next = start + this.platform.pageSize < all.length ? String(start + this.platform.pageSize) : null;
      return response({ items, next });
    }
    if (request.endpoint === 'posts.metrics') {
      const ids = String(request.query?.ids ?? '').split(',');
      return response({
        items: this.platform.posts
          .filter((post) => ids.includes(post.id))
          .map((post) => ({ id: post.id, views: this.platform.viewsOf(post) })),
      });
    }
    if (request.endpoint === 'profile') return response({ followers: 42 });
    throw new Error(`unknown endpoint ${request.endpoint}`);
  }

  health(): RequesterHealth {
    return {
      platform: 'TIKTOK',
      credentials: [...this.credentialStates].map(([id, state]) => ({ id, state })),
      circuits: [],
      quotas: [],
      cache: { hits: 0, misses: 0, notModified: 0, shared: 0 },
    };
  }

  async close(): Promise<void> {}

  of(endpoint: string, scope?: string): RecordedRequest[] {
    return this.requests.filter((entry) => entry.endpoint === endpoint && (scope === undefined || entry.scope === scope));
  }
}

export class FakeWriter implements EventWriter {
  readonly written: OutgoingEvent[][] = [];
  /** When set, write() waits for this before resolving. */
  hold: Promise<void> | undefined;
  /** When set, write() rejects with it (after recording nothing). */
  failWith: unknown;

  async write(events: readonly OutgoingEvent[]): Promise<void> {
    if (this.hold) await this.hold;
    if (this.failWith !== undefined) throw this.failWith;
    this.written.push([...events]);
  }

  eventIds(): string[] {
    return this.written.flat().map((event) => (event.value as { envelope: { event_id: string } }).envelope.event_id);
  }
}

export const pagedList: Paginator<FakePost> = async function* (requester, first, resumeCursor) {
  let cursor = resumeCursor;
  for (;;) {
    const response = await requester.request<{ items: FakePost[]; next: string | null }>({
      ...first,
      query: { ...first.query, cursor: cursor ?? undefined },
    });
    const page: ListPage<FakePost> = { items: response.body.items, cursorAfter: response.body.next, response };
    yield page;
    if (response.body.next === null) return;
    cursor = response.body.next;
  }
};

function postEvent(post: FakePost, scope: string, collectedAt: number): OutgoingEvent {
  const version = contentVersion({ title: post.title });
  const obs = observation.content(version);
  return {
    topic: 'social.raw.posts',
    key: entityKey('TIKTOK', post.id),
    value: {
      envelope: {
        event_id: computeEventId({ platform: 'TIKTOK', entity_kind: 'POST', entity_id: post.id, observation: obs }),
        entity_id: post.id,
        observation: obs,
        collected_at: collectedAt,
      },
      account_id: scope,
      title: post.title,
    },
  };
}

export const TEST_CADENCE: CadenceCurve = {
  byAge: [
    { maxAgeMs: HOUR, intervalMs: 5 * MINUTE },
    { maxAgeMs: DAY, intervalMs: 30 * MINUTE },
    { maxAgeMs: Number.POSITIVE_INFINITY, intervalMs: 6 * HOUR },
  ],
  byVelocity: [{ minPerHour: 1_000, factor: 0.25 }],
  minIntervalMs: 5 * MINUTE,
  maxIntervalMs: DAY,
};

export interface DeclarationOptions {
  lookbackMs?: number;
  trackingWindowMs?: number;
  resumable?: boolean;
  withStories?: boolean;
  listEveryMs?: number;
  /** A second fan-out over the same posts with a one-hour tracking window (requests carry `track: recent`). */
  withRecentFanOut?: boolean;
}

/** A source with a posts list (discovering entities), a per-post metrics fan-out and a profile stream. */
export function testDeclaration(options: DeclarationOptions = {}): SourceDeclaration {
  const discover = (post: FakePost): DiscoveredEntity =>
    post.story
      ? { id: post.id, publishedAt: post.createdAt, expiresAt: post.createdAt + DAY }
      : { id: post.id, publishedAt: post.createdAt };
  const streams: SourceDeclaration['streams'][number][] = [
    listStream<FakePost>({
      name: 'posts',
      everyMs: options.listEveryMs ?? 30 * MINUTE,
      lookbackMs: options.lookbackMs ?? 2 * HOUR,
      ...(options.resumable === undefined ? {} : { resumable: options.resumable }),
      request: (context) => ({ endpoint: 'posts.list', method: 'GET', path: '/posts', query: { account: context.scope } }),
      paginate: pagedList,
      map: (post, context, response) => [postEvent(post, context.scope, response.receivedAt)],
      watermark: (post) => post.createdAt,
      discovers: { entitySet: 'posts', entity: discover },
    }),
    fanOutStream({
      name: 'post_metrics',
      entitySet: 'posts',
      batchSize: 2,
      cadence: TEST_CADENCE,
      trackingWindowMs: options.trackingWindowMs ?? 3 * DAY,
      request: (context, entities) => ({
        endpoint: 'posts.metrics',
        method: 'GET',
        path: '/metrics',
        query: { account: context.scope, ids: entities.map((entity) => entity.id).join(',') },
      }),
      map: (response, _entities, context) =>
        (response.body as { items: Array<{ id: string; views: number }> }).items.map((item) => {
          const obs = observation.metrics(context.snapshotBucket);
          return {
            topic: 'social.raw.post-metrics',
            key: entityKey('TIKTOK', item.id),
            value: {
              envelope: {
                event_id: computeEventId({ platform: 'TIKTOK', entity_kind: 'POST', entity_id: item.id, observation: obs }),
                entity_id: item.id,
                observation: obs,
              },
              views: item.views,
            },
          };
        }),
    }),
    singleStream({
      name: 'profile',
      everyMs: 6 * HOUR,
      request: (context) => ({ endpoint: 'profile', method: 'GET', path: '/me', query: { account: context.scope } }),
      map: (_response, context) => [
        {
          topic: 'social.raw.account-metrics',
          key: entityKey('TIKTOK', context.scope),
          value: {
            envelope: {
              event_id: computeEventId({
                platform: 'TIKTOK',
                entity_kind: 'ACCOUNT',
                entity_id: context.scope,
                observation: observation.metrics(context.snapshotBucket),
              }),
            },
          },
        },
      ],
    }),
  ];
  if (options.withRecentFanOut) {
    streams.push(
      fanOutStream({
        name: 'post_recent',
        entitySet: 'posts',
        batchSize: 10,
        cadence: TEST_CADENCE,
        trackingWindowMs: HOUR,
        request: (context, entities) => ({
          endpoint: 'posts.metrics',
          method: 'GET',
          path: '/metrics',
          query: { account: context.scope, ids: entities.map((entity) => entity.id).join(','), track: 'recent' },
        }),
        map: () => [],
      }),
    );
  }
  if (options.withStories) {
    streams.push(
      listStream<FakePost>({
        name: 'stories',
        priority: 'ephemeral',
        everyMs: 15 * MINUTE,
        lookbackMs: DAY,
        request: (context) => ({ endpoint: 'stories.list', method: 'GET', path: '/stories', query: { account: context.scope } }),
        paginate: pagedList,
        map: (post, context, response) => [postEvent(post, context.scope, response.receivedAt)],
        watermark: (post) => post.createdAt,
        discovers: { entitySet: 'posts', entity: discover },
      }),
    );
  }
  return { name: 'source-test', platform: 'TIKTOK', streams };
}

/** A logger whose lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(
    { serviceName: 'runtime-test', level: 'info' },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}
