// Stream `media`: the account's feed posts and reels, newest first.
//   Endpoint   GET /{ig-user-id}/media?fields=id,caption,media_type,media_product_type,media_url,permalink,shortcode,
//              thumbnail_url,timestamp,username,like_count,comments_count,is_comment_enabled,owner&limit=N
//   Docs       https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
//   Paging     cursor (paging.cursors.after → `after`); stop only when paging.next is absent: a page may be short
//              (privacy filtering) or EMPTY and still have `next`. Cursors die with the item they point to, so an
//              unfinished walk is not resumed (resumable: false) — the next walk starts from the top.
//   Limits     Platform (X-App-Usage) and BUC (X-Business-Use-Case-Usage) budgets, 1 call per page (profile.ts).
//   Changes    caption (edits), like_count and comments_count after first fetch; media insights lag up to 48 h,
//              hence the lookback. media_url is omitted for media with licensed audio.
// Maps to a Post (content version over caption, type, permalink, author). The organic like_count and comments_count
// go into the media's next insights snapshot (media-insights.ts), not into a snapshot of their own: two snapshots of
// one post in one collection slot would share an event_id (docs/adr/0013) and the newer would replace the other.
// Discovers the entity set `media` for the insights and comments fan-outs.
import { graphCursorPagination, listStream, polledEnvelope } from '@tributary/connector-kit';
import type { ApiResponse, ListStreamDeclaration, OutgoingEvent, RecordReaders, StreamContext } from '@tributary/connector-kit';
import { contentVersion, entityKey, observation } from '@tributary/events';
import type { Post, PostFormat } from '@tributary/events';
import { ENDPOINTS } from '../profile.ts';
import { hashtagsAndMentions } from '../records.ts';
import type { DataIssues } from '../records.ts';

/** A media node as the Graph API renders it (fields as requested; all optional). */
export interface GraphMedia {
  id?: unknown;
  caption?: unknown;
  media_type?: unknown;
  media_product_type?: unknown;
  media_url?: unknown;
  permalink?: unknown;
  shortcode?: unknown;
  thumbnail_url?: unknown;
  timestamp?: unknown;
  username?: unknown;
  like_count?: unknown;
  comments_count?: unknown;
  is_comment_enabled?: unknown;
  owner?: { id?: unknown };
  children?: { data?: Array<{ id?: unknown }> };
}

export const MEDIA_FIELDS = [
  'id',
  'caption',
  'media_type',
  'media_product_type',
  'media_url',
  'permalink',
  'shortcode',
  'thumbnail_url',
  'timestamp',
  'username',
  'like_count',
  'comments_count',
  'is_comment_enabled',
  'owner',
].join(',');

export interface SeenMedia {
  productType: string | null;
  /** The media's timestamp (epoch ms), for targeted refreshes that must keep its age. */
  publishedAt: number | null;
  likes: number | null;
  comments: number | null;
}

export interface MediaStreamOptions {
  apiVersion: string;
  issues: DataIssues;
  read: RecordReaders;
  everyMs: number;
  pageSize: number;
  lookbackMs: number;
  /**
   * Told what the insights stream needs of every media seen: its product type (for the metric list) and its organic
   * counters (the like_count and comments_count of the insights snapshot when insights do not give them).
   */
  remember(mediaId: string, seen: SeenMedia): void;
}

/** Canonical format (schemas/avro/social/post-format.avsc): REELS → REEL, STORY → STORY, FEED by media_type. */
export function postFormat(mediaType: unknown, productType: unknown): PostFormat {
  if (productType === 'REELS') return 'REEL';
  if (productType === 'STORY') return 'STORY';
  if (mediaType === 'IMAGE') return 'IMAGE';
  if (mediaType === 'VIDEO') return 'VIDEO';
  if (mediaType === 'CAROUSEL_ALBUM') return 'CAROUSEL';
  return 'UNKNOWN';
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Post + counters snapshot of one media node (media list, stories list); [] when it has no readable id (counted). */
export function mapMedia(
  item: GraphMedia,
  context: StreamContext,
  response: ApiResponse,
  options: {
    apiVersion: string;
    issues: DataIssues;
    read: RecordReaders;
    lineage: string;
    remember(mediaId: string, seen: SeenMedia): void;
  },
): OutgoingEvent[] {
  const { read, issues } = options;
  const id = read.id(item.id, 'media.id');
  if (id === null) {
    issues.report('item-without-id', '-', options.lineage);
    return [];
  }
  const caption = read.text(item.caption, id, 'caption');
  const username = read.text(item.username, id, 'username');
  const ownerId = read.id(item.owner?.id, 'media.owner.id') ?? context.scope;
  const permalink = text(item.permalink);
  const mediaType = text(item.media_type);
  const productType = text(item.media_product_type);
  const shortcode = text(item.shortcode);
  const format = postFormat(mediaType, productType);
  const version = contentVersion({ caption, media_type: mediaType, media_product_type: productType, permalink, shortcode, username });
  const { hashtags, mentions } = hashtagsAndMentions(caption);
  const post: Post = {
    enrichment: null,
    quality: null,
    envelope: polledEnvelope(
      { platform: 'INSTAGRAM', entity_kind: 'POST', entity_id: id, observation: observation.content(version) },
      context,
      response,
      { endpoint: options.lineage, apiVersion: options.apiVersion },
    ),
    account_id: context.scope,
    author: { account_id: ownerId, username, display_name: null, profile_url: null, avatar_url: null, is_verified: null },
    format,
    title: null,
    text: caption,
    language: null,
    hashtags,
    mentions,
    permalink,
    thumbnail_url: text(item.thumbnail_url) ?? (mediaType === 'IMAGE' ? text(item.media_url) : null),
    duration_ms: null,
    width: null,
    height: null,
    published_at: read.time(item.timestamp, id, 'timestamp'),
    extensions: {
      tiktok: null,
      youtube: null,
      instagram: {
        media_type: mediaType,
        media_product_type: productType,
        shortcode,
        legacy_instagram_media_id: null,
        is_comment_enabled: typeof item.is_comment_enabled === 'boolean' ? item.is_comment_enabled : null,
        children_ids: (item.children?.data ?? []).flatMap((child) => {
          const childId = read.id(child.id, 'media.children.id');
          return childId === null ? [] : [childId];
        }),
      },
    },
  };
  options.remember(id, {
    productType,
    publishedAt: post.published_at,
    likes: read.count(item.like_count, id, 'like_count'),
    comments: read.count(item.comments_count, id, 'comments_count'),
  });
  return [{ topic: 'social.raw.posts', key: entityKey('INSTAGRAM', id), value: post as unknown as Record<string, unknown> }];
}

export function mediaStream(options: MediaStreamOptions): ListStreamDeclaration<GraphMedia> {
  const { read } = options;
  return listStream<GraphMedia>({
    name: 'media',
    everyMs: options.everyMs,
    request: (context) => ({
      endpoint: ENDPOINTS.media.name,
      method: 'GET',
      path: `/${context.scope}/media`,
      query: { fields: MEDIA_FIELDS, limit: options.pageSize },
      credential: context.credential,
      priority: context.priority,
    }),
    paginate: graphCursorPagination<GraphMedia>({}),
    map: (item, context, response) => mapMedia(item, context, response, { ...options, lineage: ENDPOINTS.media.lineage }),
    watermark: (item) => read.time(item.timestamp, String(item.id), 'timestamp') ?? 0,
    lookbackMs: options.lookbackMs,
    resumable: false,
    discovers: {
      entitySet: 'media',
      entity: (item) => {
        const id = read.id(item.id, 'media.id');
        const publishedAt = read.time(item.timestamp, id ?? '-', 'timestamp');
        return id === null || publishedAt === null ? null : { id, publishedAt };
      },
    },
  });
}
