// Streams `recent_uploads` (list) and `comments` (fan-out, one video per call), for young videos only.
// Endpoint: GET /youtube/v3/commentThreads?part=snippet&videoId=<id>&maxResults=100&order=time
//   https://developers.google.com/youtube/v3/docs/commentThreads/list
// Pagination: only the first page (the 100 newest threads) per poll: young videos are polled often
//   enough that older threads were seen on an earlier poll; replies (part=replies) are not collected.
// Quota: 1 unit per call — one call per young video and cadence, so comments are limited to videos
//   younger than `commentsTrackingWindowMs`.
// Changes after first fetch: textDisplay/textOriginal and updatedAt on edits (a new Comment event: the
//   content version covers text and author, never likeCount/totalReplyCount); threads disappear when
//   deleted or held for review (not reported: the API gives no tombstone).
// Why a second list stream: the kit keeps one poll schedule per entity set, so comments cannot share
//   the `videos` set with the statistics stream; `recent_uploads` re-reads the first page of the uploads
//   playlist (1 unit per walk) to fill the `young_videos` set.
import { fanOutStream, listStream, pageTokenPagination, polledEnvelope } from '@tributary/connector-kit';
import type { ApiResponse, FanOutStreamDeclaration, ListStreamDeclaration, OutgoingEvent, StreamContext } from '@tributary/connector-kit';
import { contentVersion, entityKey, observation } from '@tributary/events';
import type { Comment } from '@tributary/events';
import { DATA_API_VERSION } from '../profile.ts';
import { booleanAt, counterAt, isRecord, recordAt, stringAt, timestampAt } from '../records.ts';
import type { DataQuality } from '../records.ts';
import type { PlaylistItem } from './uploads.ts';
import { uploadsStream } from './uploads.ts';

const ENDPOINT = 'GET /youtube/v3/commentThreads';

export function recentUploadsStream(options: {
  everyMs: number;
  windowMs: number;
  quality: DataQuality;
}): ListStreamDeclaration<PlaylistItem> {
  const uploads = uploadsStream({ everyMs: options.everyMs, pageSize: 50, lookbackMs: options.windowMs, quality: options.quality });
  return listStream<PlaylistItem>({
    ...uploads,
    name: 'recent_uploads',
    paginate: pageTokenPagination<PlaylistItem>({ maxPages: 1 }),
    resumable: false,
    discovers: { entitySet: 'young_videos', entity: uploads.discovers!.entity },
  });
}

export function commentsStream(options: { everyMs: number; windowMs: number; quality: DataQuality }): FanOutStreamDeclaration {
  return fanOutStream({
    name: 'comments',
    entitySet: 'young_videos',
    batchSize: 1,
    cadence: {
      byAge: [{ maxAgeMs: Number.POSITIVE_INFINITY, intervalMs: options.everyMs }],
      minIntervalMs: options.everyMs,
      maxIntervalMs: options.everyMs,
    },
    trackingWindowMs: options.windowMs,
    freshForMs: options.windowMs,
    request: (context, entities) => ({
      endpoint: 'commentThreads.list',
      method: 'GET',
      path: '/commentThreads',
      query: { part: 'snippet', videoId: entities[0]!.id, maxResults: 100, order: 'time' },
      credential: context.credential,
      priority: context.priority,
    }),
    map: (response, _entities, context) => mapCommentThreads(response, context, options.quality),
    velocityCount: () => null,
  });
}

export function mapCommentThreads(response: ApiResponse, context: StreamContext, quality: DataQuality): OutgoingEvent[] {
  const items = isRecord(response.body) && Array.isArray(response.body.items) ? response.body.items : [];
  const events: OutgoingEvent[] = [];
  for (const thread of items) {
    const threadSnippet = recordAt(thread, 'snippet');
    const top = recordAt(threadSnippet, 'topLevelComment');
    const snippet = recordAt(top, 'snippet');
    const id = stringAt(top, 'id') ?? stringAt(thread, 'id');
    const postId = stringAt(snippet, 'videoId') ?? stringAt(threadSnippet, 'videoId');
    if (id === null || postId === null) {
      quality.report('item-without-id', context.scope, 'commentThreads.list');
      continue;
    }
    const authorChannelId = stringAt(recordAt(snippet, 'authorChannelId'), 'value');
    const content = {
      post_id: postId,
      post_account_id: stringAt(threadSnippet, 'channelId') ?? context.scope,
      parent_comment_id: null,
      author: {
        account_id: authorChannelId,
        username: null,
        display_name: stringAt(snippet, 'authorDisplayName'),
        profile_url: stringAt(snippet, 'authorChannelUrl'),
        avatar_url: null,
        is_verified: null,
      },
      text: stringAt(snippet, 'textDisplay'),
      published_at: timestampAt(snippet, 'publishedAt', quality, id),
      edited_at: timestampAt(snippet, 'updatedAt', quality, id),
    };
    const youtube = {
      text_original: stringAt(snippet, 'textOriginal'),
      moderation_status: stringAt(snippet, 'moderationStatus'),
      can_reply: booleanAt(threadSnippet, 'canReply'),
      is_public: booleanAt(threadSnippet, 'isPublic'),
    };
    const value: Comment = {
      enrichment: null,
      quality: null,
      envelope: polledEnvelope(
        {
          platform: 'YOUTUBE',
          entity_kind: 'COMMENT',
          entity_id: id,
          observation: observation.content(contentVersion({ ...content, text_original: youtube.text_original })),
        },
        context,
        response,
        { endpoint: ENDPOINT, apiVersion: DATA_API_VERSION },
      ),
      ...content,
      // likeCount and totalReplyCount are JSON numbers here (unlike video statistics).
      likes: exactCount(snippet?.likeCount, quality, id),
      replies: exactCount(threadSnippet?.totalReplyCount, quality, id),
      extensions: { instagram: null, youtube },
    };
    events.push({ topic: 'social.raw.comments', key: entityKey('YOUTUBE', id), value: value as unknown as Record<string, unknown> });
  }
  return events;
}

function exactCount(raw: unknown, quality: DataQuality, id: string): number | null {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw;
  return counterAt({ count: raw }, 'count', quality, id);
}
