// Stream `videos` (fan-out over the `videos` entity set the uploads stream discovers).
// Endpoint: GET /youtube/v3/videos?part=snippet,contentDetails,statistics,status,liveStreamingDetails&id=<≤50 ids>
//   https://developers.google.com/youtube/v3/docs/videos/list
// Pagination: none; up to 50 ids per call. Quota: 1 unit per call whatever the number of ids.
// Conditional: If-None-Match with the batch's last etag → 304 (still charged by Google; the stored
//   body is mapped again, so the snapshot series has no gap).
// Ids the API does not return (deleted, made private, never existed) are silently missing from
//   `items`: each one is COUNTED (video-missing-from-batch) and becomes a Deletion event
//   (ENTITY_DELETED, platform_reason "missing from videos.list"; the golden example youtube-video-gone).
// Changes after first fetch: statistics every poll (viewCount, likeCount, commentCount — decimal
//   STRINGS; likeCount absent when likes are hidden, commentCount when comments are off); snippet
//   title/description/tags on edits; status.privacyStatus; liveBroadcastContent upcoming→live→none.
// Maps to Post (content version over the content fields: an edit is a new event) and
// PostMetricsSnapshot (lifetime totals, period null). Format: SHORT or LIVE from the Analytics
// creatorContentType when known (the Data API has no Shorts flag), LIVE when liveStreamingDetails is
// present, else VIDEO.
import { fanOutStream, polledEnvelope } from '@tributary/connector-kit';
import type { ApiResponse, DiscoveredEntity, FanOutStreamDeclaration, OutgoingEvent, StreamContext } from '@tributary/connector-kit';
import { contentVersion, entityKey, observation } from '@tributary/events';
import type { Deletion, Post, PostFormat, PostMetricsSnapshot } from '@tributary/events';
import { DATA_API_VERSION } from '../profile.ts';
import { booleanAt, counterAt, durationMs, isRecord, recordAt, stringAt, timestampAt } from '../records.ts';
import type { DataQuality } from '../records.ts';

const ENDPOINT = 'GET /youtube/v3/videos';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface VideosStreamOptions {
  minIntervalMs: number;
  maxIntervalMs: number;
  trackingWindowMs: number;
  freshForMs: number;
  quality: DataQuality;
  /** creatorContentType per video id, when an Analytics report told it (SHORTS, VIDEO_ON_DEMAND, LIVE_STREAM, or camelCase). */
  contentTypes?: ReadonlyMap<string, string>;
}

export function videosStream(options: VideosStreamOptions): FanOutStreamDeclaration {
  const clamp = (ms: number): number => Math.min(options.maxIntervalMs, Math.max(options.minIntervalMs, ms));
  return fanOutStream({
    name: 'videos',
    entitySet: 'videos',
    batchSize: 50,
    cadence: {
      byAge: [
        { maxAgeMs: 6 * HOUR, intervalMs: clamp(15 * MINUTE) },
        { maxAgeMs: 2 * DAY, intervalMs: clamp(HOUR) },
        { maxAgeMs: 14 * DAY, intervalMs: clamp(6 * HOUR) },
        { maxAgeMs: Number.POSITIVE_INFINITY, intervalMs: options.maxIntervalMs },
      ],
      byVelocity: [{ minPerHour: 1_000, factor: 0.5 }],
      minIntervalMs: options.minIntervalMs,
      maxIntervalMs: options.maxIntervalMs,
    },
    trackingWindowMs: options.trackingWindowMs,
    freshForMs: options.freshForMs,
    request: (context, entities) => ({
      endpoint: 'videos.list',
      method: 'GET',
      path: '/videos',
      query: { part: 'snippet,contentDetails,statistics,status,liveStreamingDetails', id: entities.map((entity) => entity.id).join(',') },
      credential: context.credential,
      priority: context.priority,
      conditional: true,
    }),
    map: (response, entities, context) => mapVideos(response, entities, context, options),
  });
}

export function formatOf(item: unknown, creatorContentType: string | undefined): PostFormat {
  const kind = creatorContentType?.toUpperCase().replaceAll('_', '');
  if (kind === 'SHORTS') return 'SHORT';
  if (kind === 'LIVESTREAM') return 'LIVE';
  if (recordAt(item, 'liveStreamingDetails') !== undefined) return 'LIVE';
  const broadcast = stringAt(recordAt(item, 'snippet'), 'liveBroadcastContent');
  if (broadcast === 'live' || broadcast === 'upcoming') return 'LIVE';
  return 'VIDEO';
}

const HASHTAG = /(?<![\p{L}\p{N}_&])#([\p{L}\p{N}_]+)/gu;
const MENTION = /(?<![\p{L}\p{N}_.])@([\p{L}\p{N}_.-]{3,30})/gu;

function matches(text: string | null, pattern: RegExp): string[] {
  return text === null ? [] : [...text.matchAll(pattern)].map((match) => match[1]!);
}

function bestThumbnail(snippet: Record<string, unknown> | undefined): string | null {
  const thumbnails = recordAt(snippet, 'thumbnails');
  for (const size of ['maxres', 'standard', 'high', 'medium', 'default']) {
    const url = stringAt(recordAt(thumbnails, size), 'url');
    if (url !== null) return url;
  }
  return null;
}

export function mapVideos(
  response: ApiResponse,
  entities: readonly DiscoveredEntity[],
  context: StreamContext,
  options: Pick<VideosStreamOptions, 'quality' | 'contentTypes'>,
): OutgoingEvent[] {
  const { quality } = options;
  const items = isRecord(response.body) && Array.isArray(response.body.items) ? response.body.items : [];
  const events: OutgoingEvent[] = [];
  const returned = new Set<string>();
  for (const item of items) {
    const id = stringAt(item, 'id');
    if (id === null) {
      quality.report('item-without-id', context.scope, 'videos.list');
      continue;
    }
    returned.add(id);
    events.push(...mapVideo(item as Record<string, unknown>, id, response, context, options));
  }
  for (const entity of entities) {
    if (returned.has(entity.id)) continue;
    quality.report('video-missing-from-batch', entity.id);
    const value: Deletion = {
      envelope: polledEnvelope(
        { platform: 'YOUTUBE', entity_kind: 'POST', entity_id: entity.id, observation: observation.deletion('ENTITY_DELETED', null) },
        context,
        response,
        { endpoint: ENDPOINT, apiVersion: DATA_API_VERSION },
      ),
      action: 'ENTITY_DELETED',
      account_id: context.scope,
      occurred_at: null,
      platform_reason: 'missing from videos.list',
      confirmation_code: null,
    };
    events.push({
      topic: 'social.raw.deletions',
      key: entityKey('YOUTUBE', entity.id),
      value: value as unknown as Record<string, unknown>,
    });
  }
  return events;
}

function mapVideo(
  item: Record<string, unknown>,
  id: string,
  response: ApiResponse,
  context: StreamContext,
  options: Pick<VideosStreamOptions, 'quality' | 'contentTypes'>,
): OutgoingEvent[] {
  const { quality } = options;
  const snippet = recordAt(item, 'snippet');
  const contentDetails = recordAt(item, 'contentDetails');
  const status = recordAt(item, 'status');
  const statistics = recordAt(item, 'statistics');
  const channelId = stringAt(snippet, 'channelId') ?? context.scope;
  const creatorContentType = options.contentTypes?.get(id);
  const format = formatOf(item, creatorContentType);
  const description = stringAt(snippet, 'description');
  const tags = Array.isArray(snippet?.tags) ? snippet.tags.filter((tag): tag is string => typeof tag === 'string') : [];
  const content = {
    account_id: channelId,
    author: {
      account_id: channelId,
      username: null,
      display_name: stringAt(snippet, 'channelTitle'),
      profile_url: `https://www.youtube.com/channel/${channelId}`,
      avatar_url: null,
      is_verified: null,
    },
    format,
    title: stringAt(snippet, 'title'),
    text: description,
    language: stringAt(snippet, 'defaultLanguage'),
    hashtags: matches(description, HASHTAG),
    mentions: matches(description, MENTION),
    permalink: format === 'SHORT' ? `https://www.youtube.com/shorts/${id}` : `https://www.youtube.com/watch?v=${id}`,
    thumbnail_url: bestThumbnail(snippet),
    duration_ms: durationMs(contentDetails?.duration, quality, id),
    width: null,
    height: null,
    published_at: timestampAt(snippet, 'publishedAt', quality, id),
    extensions: {
      tiktok: null,
      instagram: null,
      youtube: {
        channel_id: channelId,
        category_id: stringAt(snippet, 'categoryId'),
        tags,
        default_audio_language: stringAt(snippet, 'defaultAudioLanguage'),
        live_broadcast_content: stringAt(snippet, 'liveBroadcastContent'),
        privacy_status: stringAt(status, 'privacyStatus'),
        made_for_kids: booleanAt(status, 'madeForKids'),
        definition: stringAt(contentDetails, 'definition'),
        creator_content_type: creatorContentType ?? null,
      },
    },
  } satisfies Omit<Post, 'envelope' | 'enrichment' | 'quality'>;
  const post: Post = {
    envelope: polledEnvelope(
      { platform: 'YOUTUBE', entity_kind: 'POST', entity_id: id, observation: observation.content(contentVersion(content)) },
      context,
      response,
      { endpoint: ENDPOINT, apiVersion: DATA_API_VERSION },
    ),
    ...content,
    enrichment: null,
    quality: null,
  };
  const metrics: PostMetricsSnapshot = {
    enrichment: null,
    quality: null,
    envelope: polledEnvelope(
      { platform: 'YOUTUBE', entity_kind: 'POST', entity_id: id, observation: observation.metrics(context.snapshotBucket) },
      context,
      response,
      { endpoint: ENDPOINT, apiVersion: DATA_API_VERSION },
    ),
    account_id: channelId,
    snapshot_bucket: context.snapshotBucket,
    period: null,
    views: counterAt(statistics, 'viewCount', quality, id),
    reach: null,
    likes: counterAt(statistics, 'likeCount', quality, id),
    comments: counterAt(statistics, 'commentCount', quality, id),
    shares: null,
    saves: null,
    watch_time_total_ms: null,
    average_watch_time_ms: null,
    extensions: { tiktok: null, instagram: null, youtube: { engaged_views: null, subscribers_gained: null, subscribers_lost: null } },
  };
  const key = entityKey('YOUTUBE', id);
  return [
    { topic: 'social.raw.posts', key, value: post as unknown as Record<string, unknown> },
    { topic: 'social.raw.post-metrics', key, value: metrics as unknown as Record<string, unknown> },
  ];
}
