// Comments: the mapping of an IG Comment to a Comment event, for the comments sub-requests of the insights batch
// (media-insights.ts) and the `comments` / `live_comments` webhook (webhooks.ts, whose change value carries id,
// from{id, username}, text and media{id, media_product_type}).
//   Node       GET /{ig-media-id}/comments?fields=id,text,timestamp,username,like_count,from
//   Docs       https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments
//   Paging     cursor, newest first; only the first page is read per poll. Replies are not collected.
//   Changes    text (edits), like_count; hidden comments disappear.
// Content version over text and author: an edit is a new event, a re-read or re-delivery is not.
import type { OutgoingEvent, RecordReaders } from '@tributary/connector-kit';
import { contentVersion, entityKey, observation } from '@tributary/events';
import type { Comment, Envelope } from '@tributary/events';

export const COMMENT_FIELDS = 'id,text,timestamp,username,like_count,from';

export interface GraphComment {
  id?: unknown;
  text?: unknown;
  timestamp?: unknown;
  username?: unknown;
  like_count?: unknown;
  from?: { id?: unknown; username?: unknown };
  media?: { id?: unknown; media_product_type?: unknown };
  parent_id?: unknown;
}

/** A Comment event, given how to build its envelope (polled or from a webhook). */
export function mapComment(
  item: GraphComment,
  mediaId: string,
  accountId: string,
  read: RecordReaders,
  envelopeFor: (identity: { entity_kind: 'COMMENT'; entity_id: string; observation: string }) => Envelope,
  options: { productType?: string | null; publishedAt?: number | null } = {},
): OutgoingEvent | null {
  const id = read.id(item.id, 'comment.id');
  if (id === null) return null;
  const text = read.text(item.text, id, 'text');
  const authorId = read.id(item.from?.id, 'comment.from.id');
  const username = read.text(item.from?.username ?? item.username, id, 'username');
  const version = contentVersion({ text, author_id: authorId, username });
  const comment: Comment = {
    enrichment: null,
    quality: null,
    envelope: envelopeFor({ entity_kind: 'COMMENT', entity_id: id, observation: observation.content(version) }),
    post_id: mediaId,
    post_account_id: accountId,
    parent_comment_id: read.id(item.parent_id, 'comment.parent_id'),
    author: { account_id: authorId, username, display_name: null, profile_url: null, avatar_url: null, is_verified: null },
    text,
    published_at: item.timestamp === undefined ? (options.publishedAt ?? null) : read.time(item.timestamp, id, 'timestamp'),
    edited_at: null,
    likes: read.count(item.like_count, id, 'like_count'),
    replies: null,
    extensions: {
      youtube: null,
      instagram: { media_product_type: options.productType ?? null, hidden: null, live: null },
    },
  };
  return { topic: 'social.raw.comments', key: entityKey('INSTAGRAM', id), value: comment as unknown as Record<string, unknown> };
}
