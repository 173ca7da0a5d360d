// TikTok objects → canonical records (schemas/avro/social/*.avsc, identity rules docs/adr/0013).
// Shared by the video list (Post + counters of the list page) and the video query (counters).
//
// The video object (platform-apis.md §3): id string (19 digits, above 2^53), create_time epoch
// SECONDS, share_url, video_description, title (≤150), duration s, width, height, embed_link, and
// the counters like_count, comment_count, share_count, view_count.
// - Content version: the content fields only (title, description, link, size, duration, publish
//   time); never the counters, never cover_image_url. cover_image_url is a signed URL valid 6 h,
//   so it is neither requested nor stored (thumbnail_url stays null): storing it would keep a dead
//   link and, inside the content version, mint a new version every 6 h.
// - Bad input is normalised and counted, never dropped silently: an id sent as a JSON number
//   becomes its decimal string (the kit's parser already keeps unsafe integers exact as strings);
//   a create_time too large to be seconds is taken as milliseconds.
import { createDataIssues, polledEnvelope, recordReaders } from '@tributary/connector-kit';
import type { ApiResponse, DataIssues, OutgoingEvent, ReaderIssue, RecordReaders, StreamContext } from '@tributary/connector-kit';
import { contentVersion, entityKey, observation } from '@tributary/events';
import type { Post, PostMetricsSnapshot } from '@tributary/events';
import type { Logger } from '@tributary/telemetry';
import type { TikTokMetrics } from './metrics.ts';
import { SERVICE } from './spec.ts';

export const API_VERSION = 'v2';

/** Video fields the streams ask for (cover_image_url deliberately not: see above). */
export const VIDEO_CONTENT_FIELDS = [
  'id',
  'create_time',
  'share_url',
  'video_description',
  'duration',
  'height',
  'width',
  'title',
  'embed_link',
];
export const VIDEO_COUNTER_FIELDS = ['like_count', 'comment_count', 'share_count', 'view_count'];

/** A video as the API sends it (any field may be missing: only the requested ones are returned). */
export interface TikTokVideoObject {
  id?: unknown;
  create_time?: unknown;
  share_url?: unknown;
  video_description?: unknown;
  duration?: unknown;
  height?: unknown;
  width?: unknown;
  title?: unknown;
  embed_link?: unknown;
  like_count?: unknown;
  comment_count?: unknown;
  share_count?: unknown;
  view_count?: unknown;
}

/** A video whose id and publish time are known, with create_time normalised to epoch ms. */
export interface TikTokVideo {
  id: string;
  publishedAt: number;
  raw: TikTokVideoObject;
}

/** Text fields a lone surrogate (a broken `\ud83d` escape) is replaced in: Avro writes UTF-8, which cannot hold one. */
const TEXT_FIELDS = ['title', 'video_description', 'share_url', 'embed_link'] as const;

/** Values normalised (counted in tributary_source_data_issues_total{source="source-tiktok"}). */
export type TikTokDataIssues = DataIssues<ReaderIssue>;

export function createTikTokDataIssues(): TikTokDataIssues {
  return createDataIssues<ReaderIssue>({ source: SERVICE });
}

export interface VideoReader {
  metrics: TikTokMetrics;
  /** Readers reporting to the source's data issues (create_time documented in epoch seconds). */
  read: RecordReaders;
  logger: Logger;
}

/** The kit's readers as TikTok documents its values: counters as JSON numbers, create_time in epoch seconds. */
export function tiktokReaders(issues: TikTokDataIssues): RecordReaders {
  return recordReaders(issues, { counters: 'numbers', timestamps: 'epoch-seconds' });
}

/**
 * The videos of `data.videos`, normalised. Unusable entries (no id, no numeric create_time) are
 * counted and logged with a sample, once per page; the rest of the page goes on.
 */
export function readVideos(body: unknown, stream: string, reader: VideoReader): TikTokVideo[] {
  const data = (body as { data?: { videos?: unknown } } | null)?.data;
  const list = data?.videos;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    reader.metrics.invalidVideos.inc({ stream, reason: 'videos-not-array' });
    reader.logger.error({ stream, type: typeof list }, 'TikTok answered data.videos that is not an array; the page is empty.');
    return [];
  }
  const videos: TikTokVideo[] = [];
  const invalid: Array<{ reason: string; id: unknown }> = [];
  for (const entry of list as unknown[]) {
    const raw = (typeof entry === 'object' && entry !== null ? entry : {}) as TikTokVideoObject;
    const id = reader.read.id(raw.id, `${stream}:id`, /^\d+$/);
    if (id === null) {
      invalid.push({ reason: 'id', id: raw.id });
      continue;
    }
    const created = raw.create_time;
    if (typeof created !== 'number' || !Number.isSafeInteger(created) || created <= 0) {
      invalid.push({ reason: 'create_time', id });
      continue;
    }
    // A positive safe integer: seconds as documented, or milliseconds (counted) when too large to be seconds.
    const publishedAt = reader.read.time(created, id, 'create_time')!;
    let wellFormed = raw;
    for (const field of TEXT_FIELDS) {
      const value = raw[field];
      const text = typeof value === 'string' ? reader.read.text(value, id, field) : value;
      if (text !== value) wellFormed = { ...wellFormed, [field]: text };
    }
    videos.push({ id, publishedAt, raw: wellFormed });
  }
  if (invalid.length > 0) {
    for (const { reason } of invalid) reader.metrics.invalidVideos.inc({ stream, reason });
    reader.logger.warn(
      { stream, invalid: invalid.length, sample: invalid.slice(0, 5) },
      'Videos without a usable id or create_time were left out.',
    );
  }
  return videos;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function count(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  // An unsafe integer counter arrives as its exact decimal string; a long in Avro holds it.
  if (typeof value === 'string' && /^\d+$/.test(value)) {
    const parsed = Number(value);
    return Number.isSafeInteger(parsed) ? parsed : null;
  }
  return null;
}

/** The envelope of a polled video record: ids from the identity rules, lineage from the response. */
export function videoEnvelope(entityId: string, obs: string, context: StreamContext, response: ApiResponse, endpoint: string) {
  return polledEnvelope({ platform: 'TIKTOK', entity_kind: 'POST', entity_id: entityId, observation: obs }, context, response, {
    endpoint,
    apiVersion: API_VERSION,
  });
}

const HASHTAG = /#([\p{L}\p{N}_]+)/gu;
const MENTION = /@([\p{L}\p{N}_.]+)/gu;
const USERNAME_IN_SHARE_URL = /tiktok\.com\/@([^/?#]+)\//;

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

/** The Post of a video (format VIDEO), versioned over its content fields. */
export function videoPost(video: TikTokVideo, context: StreamContext, response: ApiResponse, endpoint: string): OutgoingEvent {
  const { raw } = video;
  const description = text(raw.video_description);
  const shareUrl = text(raw.share_url);
  const durationSeconds = count(raw.duration);
  const content = {
    title: text(raw.title),
    text: description,
    permalink: shareUrl,
    embed_link: text(raw.embed_link),
    duration_ms: durationSeconds === null ? null : durationSeconds * 1000,
    width: count(raw.width),
    height: count(raw.height),
    published_at: video.publishedAt,
  };
  const obs = observation.content(contentVersion(content));
  const value: Post = {
    enrichment: null,
    quality: null,
    envelope: videoEnvelope(video.id, obs, context, response, endpoint),
    account_id: context.scope,
    author: {
      account_id: context.scope,
      username: shareUrl === null ? null : (USERNAME_IN_SHARE_URL.exec(shareUrl)?.[1] ?? null),
      display_name: null,
      profile_url: null,
      avatar_url: null,
      is_verified: null,
    },
    format: 'VIDEO',
    title: content.title,
    text: description,
    language: null,
    hashtags: description === null ? [] : unique([...description.matchAll(HASHTAG)].map((match) => match[1]!)),
    mentions: description === null ? [] : unique([...description.matchAll(MENTION)].map((match) => match[1]!)),
    permalink: shareUrl,
    thumbnail_url: null,
    duration_ms: content.duration_ms,
    width: content.width,
    height: content.height,
    published_at: video.publishedAt,
    extensions: {
      tiktok: { share_url: shareUrl, embed_link: content.embed_link, region_code: null, music_id: null },
      instagram: null,
      youtube: null,
    },
  };
  return { topic: 'social.raw.posts', key: entityKey('TIKTOK', video.id), value: value as unknown as Record<string, unknown> };
}

/**
 * The counters of a video as a PostMetricsSnapshot of the collection slot (context.snapshotBucket).
 * The list page and video/query observing one video in the same slot give the same event_id: one
 * observation of that slot (docs/adr/0013); downstream deduplication keeps the first.
 */
export function videoMetricsSnapshot(video: TikTokVideo, context: StreamContext, response: ApiResponse, endpoint: string): OutgoingEvent {
  const { raw } = video;
  const obs = observation.metrics(context.snapshotBucket);
  const value: PostMetricsSnapshot = {
    enrichment: null,
    quality: null,
    envelope: videoEnvelope(video.id, obs, context, response, endpoint),
    account_id: context.scope,
    snapshot_bucket: context.snapshotBucket,
    period: null,
    views: count(raw.view_count),
    reach: null,
    likes: count(raw.like_count),
    comments: count(raw.comment_count),
    shares: count(raw.share_count),
    saves: null,
    watch_time_total_ms: null,
    average_watch_time_ms: null,
    extensions: { tiktok: { favorites: null }, instagram: null, youtube: null },
  };
  return { topic: 'social.raw.post-metrics', key: entityKey('TIKTOK', video.id), value: value as unknown as Record<string, unknown> };
}
