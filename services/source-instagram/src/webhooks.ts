// The Instagram webhook route (research/platform-apis.md §1 "Webhooks"):
//   Handshake  GET ?hub.mode=subscribe&hub.challenge=<n>&hub.verify_token=<token> → 200 with the challenge when the
//              token matches the configured verify token, else 403 (unsigned; never persisted).
//   Signature  X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>; anything else is refused (401).
//   Delivery   Meta sends no message id: the delivery id is the SHA-256 of the raw body (a redelivery of the same bytes
//              is recognised by the receiver's replay cache and by the notification's event_id downstream).
//   Topic      instagram/<field> (comments, mentions, story_insights, …), from the entries' changes.
// After the notification is durable (and Meta has its 200), onPersisted turns the changes into canonical events:
//   comments / live_comments → Comment (the change value carries id, from, text, media{id, media_product_type});
//   story_insights           → PostMetricsSnapshot of the story: its final numbers, sent when it expires, which is how
//                              Stories insights survive the 24 h window;
//   mentions                 → a targeted refresh of the media when it is one of ours, else counted and logged.
import { eventEnvelope, metaSignature256, metaVerifyToken, parseMetaNotification, webhookValue } from '@tributary/connector-kit';
import type { EventWriter, MetaChange, RecordReaders, SourceRun, WebhookRoute } from '@tributary/connector-kit';
import { entityKey, observation } from '@tributary/events';
import type { Envelope, PostMetricsSnapshot, WebhookNotification } from '@tributary/events';
import type { Logger } from '@tributary/telemetry';
import type { DataIssues } from './records.ts';
import { mapComment } from './streams/comments.ts';
import type { SeenMedia } from './streams/media.ts';
import { STORY_LIFETIME_MS } from './streams/stories.ts';
import type { GraphComment } from './streams/comments.ts';
import { insightsSnapshot } from './streams/media-insights.ts';

export const WEBHOOK_PATH = '/webhooks/instagram';
const LINEAGE_ENDPOINT = `POST ${WEBHOOK_PATH}`;

/** story_insights value fields → the navigation action types of the insights API. */
const NAVIGATION_FIELDS: Record<string, string> = {
  taps_forward: 'tap_forward',
  taps_back: 'tap_back',
  exits: 'tap_exit',
  swipe_forward: 'swipe_forward',
};

export interface InstagramWebhookOptions {
  source: string;
  appSecret: string;
  verifyToken: string;
  apiVersion: string;
  /** Snapshot slot width of story_insights snapshots (the insights stream's), so a redelivery maps to the same event_id. */
  snapshotBucketMs: number;
  issues: DataIssues;
  read: RecordReaders;
  /** The media as the list streams saw it when it belongs to a tracked account; undefined otherwise. */
  ourMedia(mediaId: string): SeenMedia | undefined;
  writer: EventWriter;
  run: SourceRun;
  logger: Logger;
}

export function instagramWebhookRoute(options: InstagramWebhookOptions): WebhookRoute {
  return {
    path: WEBHOOK_PATH,
    platform: 'INSTAGRAM',
    name: 'instagram',
    verify: metaSignature256({ appSecret: options.appSecret }),
    handshake: metaVerifyToken({ verifyToken: options.verifyToken }),
    topic: webhookValue.metaObjectField(),
    contentTypes: ['application/json'],
    apiVersion: options.apiVersion,
    onPersisted: async (notification) => {
      const events = notificationEvents(notification, options);
      if (events.length > 0) await options.writer.write(events);
    },
  };
}

/** The canonical events of one persisted notification (pure but for counting and targeted refreshes). */
export function notificationEvents(
  notification: WebhookNotification,
  options: Pick<InstagramWebhookOptions, 'source' | 'apiVersion' | 'snapshotBucketMs' | 'issues' | 'read' | 'ourMedia' | 'run' | 'logger'>,
) {
  const { read, issues } = options;
  const deliveryId = notification.envelope.entity_id;
  const parsed = parseMetaNotification(notification.body);
  const events = [];
  for (const change of parsed.changes) {
    const observedAt = change.entryTime ?? notification.envelope.observed_at;
    const envelopeFor = (identity: { entity_kind: 'COMMENT' | 'POST'; entity_id: string; observation: string }) =>
      eventEnvelope(
        { platform: 'INSTAGRAM', ...identity },
        { source: options.source, method: 'WEBHOOK', endpoint: LINEAGE_ENDPOINT, apiVersion: options.apiVersion, deliveryId },
        { observedAt, collectedAt: notification.envelope.collected_at },
        notification.envelope.traceparent,
      );
    const value = (typeof change.value === 'object' && change.value !== null ? change.value : {}) as Record<string, unknown>;
    if (change.field === 'comments' || change.field === 'live_comments') {
      const item = value as GraphComment;
      const mediaId = read.id(item.media?.id, 'comments.media.id');
      const event =
        mediaId === null
          ? null
          : mapComment(item, mediaId, change.entryId, read, envelopeFor, {
              productType: typeof item.media?.media_product_type === 'string' ? item.media.media_product_type : null,
              publishedAt: change.entryTime,
            });
      if (event) {
        const comment = event.value as { extensions: { instagram: { live: boolean | null } } };
        comment.extensions.instagram.live = change.field === 'live_comments';
        events.push(event);
      } else issues.report('webhook-change-unreadable', change.entryId, change.field);
    } else if (change.field === 'story_insights') {
      const snapshot = storyInsights(change, value, options, envelopeFor);
      if (snapshot) events.push(snapshot);
      else issues.report('webhook-change-unreadable', change.entryId, change.field);
    } else if (change.field === 'mentions') {
      const mediaId = read.id(value.media_id, 'mentions.media_id');
      const ours = mediaId === null ? undefined : options.ourMedia(mediaId);
      if (mediaId !== null && ours !== undefined) {
        // Keep the media's age (it drives the cadence); a story keeps its expiry.
        const publishedAt = ours.publishedAt ?? observedAt;
        options.run.refresh('media', change.entryId, {
          id: mediaId,
          publishedAt,
          ...(ours.productType === 'STORY' ? { expiresAt: publishedAt + STORY_LIFETIME_MS } : {}),
        });
      } else {
        issues.report('mention-of-foreign-media', change.entryId, mediaId ?? 'no media_id');
      }
    } else {
      options.logger.debug({ field: change.field, deliveryId }, 'Instagram webhook field not processed.');
    }
  }
  return events;
}

function storyInsights(
  change: MetaChange,
  value: Record<string, unknown>,
  options: Pick<InstagramWebhookOptions, 'snapshotBucketMs' | 'read'>,
  envelopeFor: (identity: { entity_kind: 'POST'; entity_id: string; observation: string }) => Envelope,
) {
  const { read } = options;
  const mediaId = read.id(value.media_id, 'story_insights.media_id');
  if (mediaId === null || change.entryTime === null) return null;
  const values = new Map<string, number | null>();
  for (const name of ['reach', 'views', 'replies', 'shares', 'follows', 'profile_visits', 'total_interactions'])
    if (name in value) values.set(name, read.count(value[name], mediaId, name));
  const navigation: Record<string, number> = {};
  for (const [field, type] of Object.entries(NAVIGATION_FIELDS)) {
    const count = read.count(value[field], mediaId, field);
    if (count !== null) navigation[type] = count;
  }
  const bucket = Math.floor(change.entryTime / options.snapshotBucketMs) * options.snapshotBucketMs;
  const snapshot: PostMetricsSnapshot = {
    envelope: envelopeFor({ entity_kind: 'POST', entity_id: mediaId, observation: observation.metrics(bucket) }),
    ...insightsSnapshot(values, navigation, change.entryId, bucket),
  };
  return { topic: 'social.raw.post-metrics', key: entityKey('INSTAGRAM', mediaId), value: snapshot as unknown as Record<string, unknown> };
}
