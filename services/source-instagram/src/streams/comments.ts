// Stream `comments`: the newest comments of YOUNG media only (cheap: later comments arrive through the
// `comments` webhook, webhooks.ts).
//   Endpoint   GET /{ig-media-id}/comments?fields=id,text,timestamp,username,like_count,from&limit=N, as sub-requests
//              of one Graph batch (graph-batch.ts): a deleted media fails alone.
//   Docs       https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments
//   Paging     cursor, newest first; only the first page is read per poll (a busier post is polled more often, and
//              the webhook covers the rest). Replies (/{ig-comment-id}/replies) are not collected.
//   Limits     each sub-request counts against the Platform and BUC budgets.
//   Changes    text (edits), like_count; hidden comments disappear.
// Maps to Comment events (content version over text and author: an edit is a new event, a re-read is not).
import { fanOutStream } from '@tributary/connector-kit';
import type { CadenceCurve, FanOutStreamDeclaration, OutgoingEvent, StreamContext, ApiResponse } from '@tributary/connector-kit';
import { contentVersion, entityKey, observation } from '@tributary/events';
import type { Comment, Envelope } from '@tributary/events';
import { forEachBatchAnswer, graphBatchRequest } from '../graph-batch.ts';
import { ENDPOINTS } from '../profile.ts';
import { polledEnvelope } from '../records.ts';
import type { DataIssues, Readers } from '../records.ts';

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
  read: Readers,
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

export function commentsStream(options: {
  apiVersion: string;
  issues: DataIssues;
  read: Readers;
  batchSize: number;
  cadence: CadenceCurve;
  trackingWindowMs: number;
  pageSize: number;
  productTypeOf(mediaId: string): string | null;
}): FanOutStreamDeclaration {
  const { issues, read } = options;
  const envelopeOf =
    (context: StreamContext, response: ApiResponse) => (identity: { entity_kind: 'COMMENT'; entity_id: string; observation: string }) =>
      polledEnvelope(identity, context, response, ENDPOINTS.comments.lineage, options.apiVersion);
  return fanOutStream({
    name: 'comments',
    entitySet: 'media',
    batchSize: options.batchSize,
    cadence: options.cadence,
    trackingWindowMs: options.trackingWindowMs,
    request: (context, entities) =>
      graphBatchRequest(
        ENDPOINTS.comments.name,
        context,
        entities,
        (entity) => `${entity.id}/comments?fields=${COMMENT_FIELDS}&limit=${options.pageSize}`,
      ),
    map: (response, entities, context) => {
      const events: OutgoingEvent[] = [];
      forEachBatchAnswer(response, entities, issues, 'batch-item-failed', (entity, body) => {
        const data = (body as { data?: unknown } | null)?.data;
        for (const item of Array.isArray(data) ? (data as GraphComment[]) : []) {
          const event = mapComment(item, entity.id, context.scope, read, envelopeOf(context, response), {
            productType: options.productTypeOf(entity.id),
          });
          if (event) events.push(event);
          else issues.report('item-without-id', entity.id, 'comment');
        }
      });
      return events;
    },
    // Comments carry no views or likes of the media: velocity is measured by the insights stream.
    velocityCount: () => null,
  });
}
