// Stream `media_insights`: lifetime insights of every tracked media and live story, on an adaptive cadence — and, in
// the same batch, the first page of comments of media younger than commentsWindowMs (GET /{ig-media-id}/comments?
// fields=id,text,timestamp,username,like_count,from&limit=N, newest first; older comments arrive by webhook).
//   Endpoint   GET /{ig-media-id}/insights?metric=<list per media_product_type>, sent as sub-requests of one Graph
//              batch: POST /?batch=[{"method":"GET","relative_url":"<id>/insights?metric=…"}]&include_headers=true
//   Docs       https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
//              https://developers.facebook.com/docs/graph-api/batch-requests
//   Paging     none. Up to 50 sub-requests per batch (≤ 25 media: insights + comments each); each counts against the
//              rate limits (cost = sub-requests).
//   Limits     Platform and BUC budgets; a token or throttling error inside the batch stops the whole batch
//              (profile.ts metaBatchErrors) — the other item errors are per media and reported alone.
//   Changes    every metric, for up to 48 h after publication (Meta's processing lag), then slowly; stories' insights
//              exist for 24 h only (polled at 'ephemeral' priority until expiresAt). `views` replaced impressions,
//              plays, clips_replays_count, ig_reels_aggregated_all_plays_count and video_views (gone since v22.0 /
//              21 Apr 2025): they are never requested.
// Why a batch and not one call per media: a sweep of 50 media is 1 HTTP round trip instead of 50 (the budget cost is the
// same), and a failing media (error 10 "not enough viewers", a deleted post) is one item of the answer, so the others
// still land — with one call per media, one failing call would end the fan-out sweep.
// Unavailable insights (an empty `data` array, e.g. while Meta is still processing) map to null, never 0. likes and
// comments fall back to the organic like_count / comments_count the media list last read (one snapshot per slot).
import { fanOutStream, polledEnvelope } from '@tributary/connector-kit';
import type {
  ApiResponse,
  CadenceCurve,
  DiscoveredEntity,
  FanOutStreamDeclaration,
  OutgoingEvent,
  RecordReaders,
  StreamContext,
} from '@tributary/connector-kit';
import { entityKey, observation } from '@tributary/events';
import type { PostMetricsSnapshot } from '@tributary/events';
import { forEachBatchAnswer, graphBatchRequest } from '../graph-batch.ts';
import type { BatchPart } from '../graph-batch.ts';
import { ENDPOINTS } from '../profile.ts';
import type { DataIssues } from '../records.ts';
import type { SeenMedia } from './media.ts';
import { COMMENT_FIELDS, mapComment } from './comments.ts';
import type { GraphComment } from './comments.ts';

/** The metric list per media_product_type (research/platform-apis.md §1). */
export const INSIGHT_METRICS = {
  FEED: ['reach', 'views', 'likes', 'comments', 'saved', 'shares', 'total_interactions', 'profile_visits', 'follows'],
  REELS: [
    'reach',
    'views',
    'likes',
    'comments',
    'saved',
    'shares',
    'total_interactions',
    'ig_reels_avg_watch_time',
    'ig_reels_video_view_total_time',
  ],
  STORY: ['reach', 'views', 'replies', 'shares', 'navigation', 'follows', 'profile_visits', 'total_interactions'],
  /** When the product type is unknown (an entity known only from a webhook): the metrics every type supports. */
  UNKNOWN: ['reach', 'views', 'shares', 'total_interactions'],
} as const satisfies Record<string, readonly string[]>;

/** Removed metrics; a test proves none of them is ever requested. */
export const REMOVED_METRICS = ['impressions', 'plays', 'clips_replays_count', 'ig_reels_aggregated_all_plays_count', 'video_views'];

export function metricsFor(productType: string | null | undefined): readonly string[] {
  if (productType === 'REELS' || productType === 'STORY') return INSIGHT_METRICS[productType];
  if (productType === 'FEED' || productType === 'AD') return INSIGHT_METRICS.FEED;
  return INSIGHT_METRICS.UNKNOWN;
}

export interface MediaInsightsOptions {
  apiVersion: string;
  issues: DataIssues;
  read: RecordReaders;
  batchSize: number;
  cadence: CadenceCurve;
  trackingWindowMs: number;
  productTypeOf(mediaId: string): string | null;
  /** Media younger than this also get their newest comments in the same batch (one more sub-request each). */
  commentsWindowMs: number;
  commentsPageSize: number;
  /** The media as the list streams last saw it: its organic counters fill likes and comments when insights lack them. */
  seen(mediaId: string): SeenMedia | undefined;
}

interface InsightEntry {
  name?: unknown;
  values?: Array<{ value?: unknown }>;
  total_value?: { value?: unknown; breakdowns?: Array<{ results?: Array<{ dimension_values?: unknown[]; value?: unknown }> }> };
}

/** `{name → value}` of an insights answer; navigation keeps its breakdown by action type ('total' without one). */
export function readInsights(
  body: unknown,
  mediaId: string,
  read: RecordReaders,
): { values: Map<string, number | null>; navigation: Record<string, number> } {
  const values = new Map<string, number | null>();
  const navigation: Record<string, number> = {};
  const data = (body as { data?: unknown } | null)?.data;
  for (const entry of Array.isArray(data) ? (data as InsightEntry[]) : []) {
    if (typeof entry?.name !== 'string') continue;
    const raw = entry.values?.[0]?.value ?? entry.total_value?.value;
    values.set(entry.name, read.count(raw, mediaId, entry.name));
    if (entry.name === 'navigation') {
      const results = entry.total_value?.breakdowns?.[0]?.results ?? [];
      for (const result of results) {
        const type = result.dimension_values?.[0];
        const value = read.count(result.value, mediaId, 'navigation');
        if (typeof type === 'string' && value !== null) navigation[type] = value;
      }
      const total = values.get('navigation');
      if (results.length === 0 && total !== null && total !== undefined) navigation.total = total;
    }
  }
  return { values, navigation };
}

/** The PostMetricsSnapshot of one media's insights (polled or from the story_insights webhook). */
export function insightsSnapshot(
  values: Map<string, number | null>,
  navigation: Record<string, number>,
  accountId: string,
  snapshotBucket: number,
): Omit<PostMetricsSnapshot, 'envelope'> {
  const value = (name: string): number | null => values.get(name) ?? null;
  return {
    enrichment: null,
    quality: null,
    account_id: accountId,
    snapshot_bucket: snapshotBucket,
    period: null,
    views: value('views'),
    reach: value('reach'),
    likes: value('likes'),
    comments: value('comments'),
    shares: value('shares'),
    saves: value('saved'),
    watch_time_total_ms: value('ig_reels_video_view_total_time'),
    average_watch_time_ms: value('ig_reels_avg_watch_time'),
    extensions: {
      tiktok: null,
      youtube: null,
      instagram: {
        total_interactions: value('total_interactions'),
        profile_visits: value('profile_visits'),
        follows: value('follows'),
        replies: value('replies'),
        navigation,
        impressions: null,
        plays: null,
      },
    },
  };
}

interface Part extends BatchPart {
  kind: 'insights' | 'comments';
}

/**
 * The sub-requests of one batch: insights for every media, plus the newest comments of media younger than
 * commentsWindowMs (not stories). Rebuilt identically in map() from the same entities and context.
 */
function plan(entities: readonly DiscoveredEntity[], context: StreamContext, options: MediaInsightsOptions): Part[] {
  return entities.flatMap((entity): Part[] => {
    const productType = entity.expiresAt === undefined ? options.productTypeOf(entity.id) : 'STORY';
    const insights: Part = {
      kind: 'insights',
      entityId: entity.id,
      relativeUrl: `${entity.id}/insights?metric=${metricsFor(productType).join(',')}`,
    };
    const young = entity.expiresAt === undefined && entity.publishedAt >= context.snapshotBucket - options.commentsWindowMs;
    if (!young) return [insights];
    const comments = `${entity.id}/comments?fields=${COMMENT_FIELDS}&limit=${options.commentsPageSize}`;
    return [insights, { kind: 'comments', entityId: entity.id, relativeUrl: comments }];
  });
}

export function mediaInsightsStream(options: MediaInsightsOptions): FanOutStreamDeclaration {
  const { issues, read } = options;
  return fanOutStream({
    name: 'media_insights',
    entitySet: 'media',
    batchSize: options.batchSize,
    cadence: options.cadence,
    trackingWindowMs: options.trackingWindowMs,
    freshForMs: 2 * 24 * 60 * 60 * 1000, // insights settle within 48 h
    request: (context, entities) => graphBatchRequest(ENDPOINTS.insights.name, context, plan(entities, context, options)),
    map: (response, entities, context) => {
      const events: OutgoingEvent[] = [];
      forEachBatchAnswer(response, plan(entities, context, options), issues, 'batch-item-failed', (part, body) => {
        if (part.kind === 'comments') {
          events.push(...commentEvents(body, part.entityId, response, context, options));
          return;
        }
        const { values, navigation } = readInsights(body, part.entityId, read);
        if (values.size === 0) issues.report('insights-unavailable', part.entityId);
        const seen = options.seen(part.entityId);
        if ((values.get('likes') ?? null) === null && seen?.likes != null) values.set('likes', seen.likes);
        if ((values.get('comments') ?? null) === null && seen?.comments != null) values.set('comments', seen.comments);
        const snapshot: PostMetricsSnapshot = {
          envelope: polledEnvelope(
            {
              platform: 'INSTAGRAM',
              entity_kind: 'POST',
              entity_id: part.entityId,
              observation: observation.metrics(context.snapshotBucket),
            },
            context,
            response,
            { endpoint: ENDPOINTS.insights.lineage, apiVersion: options.apiVersion },
          ),
          ...insightsSnapshot(values, navigation, context.scope, context.snapshotBucket),
        };
        events.push({
          topic: 'social.raw.post-metrics',
          key: entityKey('INSTAGRAM', part.entityId),
          value: snapshot as unknown as Record<string, unknown>,
        });
      });
      return events;
    },
  });
}

/** The Comment events of one comments sub-answer (first page, newest first). */
function commentEvents(
  body: unknown,
  mediaId: string,
  response: ApiResponse,
  context: StreamContext,
  options: MediaInsightsOptions,
): OutgoingEvent[] {
  const data = (body as { data?: unknown } | null)?.data;
  const events: OutgoingEvent[] = [];
  for (const item of Array.isArray(data) ? (data as GraphComment[]) : []) {
    const event = mapComment(
      item,
      mediaId,
      context.scope,
      options.read,
      (identity) =>
        polledEnvelope({ platform: 'INSTAGRAM', ...identity }, context, response, {
          endpoint: ENDPOINTS.comments.lineage,
          apiVersion: options.apiVersion,
        }),
      { productType: options.productTypeOf(mediaId) },
    );
    if (event) events.push(event);
    else options.issues.report('item-without-id', mediaId, 'comment');
  }
  return events;
}
