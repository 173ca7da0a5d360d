// WebSub push from YouTube's hub (research/platform-apis.md §2; https://developers.google.com/youtube/v3/guides/push_notifications):
// - route POST/GET /webhooks/youtube; signature `X-Hub-Signature: sha1=<hex HMAC-SHA1(hub.secret, raw body)>`
//   (webSubSignature; a missing, wrong-scheme or wrong signature is refused before anything is stored;
//   the receiver's replay cache refuses the same bytes twice);
// - handshake: intent verification GETs for the topics of the configured channels are answered with
//   the challenge; any other topic gets 404 (so nobody can subscribe us to foreign feeds);
// - delivery id: none from the hub → SHA-256 of the body; topic: Link rel=self (the feed URL);
// - onPersisted (after the notification is durable): a new upload or a metadata change → the video is
//   polled at once (run.refresh on the `videos` entity set); `at:deleted-entry` → a Deletion event.
// Subscription (hub.mode=subscribe, renewed before the lease ends) is in websub-subscriber.ts.
import { parseScopes, parseWebSubFeed, webSubIntentVerification, webSubSignature, webhookValue } from '@tributary/connector-kit';
import type { Clock, EventWriter, SourceRun, WebhookDependencies, WebSubIntentVerification, WebhookRoute } from '@tributary/connector-kit';
import { computeEventId, entityKey, observation } from '@tributary/events';
import type { Deletion, WebhookNotification } from '@tributary/events';
import type { Logger } from '@tributary/telemetry';
import type { YouTubeSourceSettings } from './spec.ts';
import { startWebSubSubscriber } from './websub-subscriber.ts';

export const WEBSUB_PATH = '/webhooks/youtube';
const TOPIC_PREFIX = 'https://www.youtube.com/xml/feeds/videos.xml?channel_id=';

export function channelTopic(channelId: string): string {
  return `${TOPIC_PREFIX}${channelId}`;
}

export interface YouTubeWebSubOptions {
  secret: string;
  channelIds: readonly string[];
  source: string;
  logger: Logger;
  clock: Clock;
  writer: EventWriter;
  run: Pick<SourceRun, 'refresh'>;
}

export interface YouTubeWebSub {
  route: WebhookRoute;
  /** The confirmed leases, for the subscriber's renewals. */
  handshake: WebSubIntentVerification;
}

export function youtubeWebSub(options: YouTubeWebSubOptions): YouTubeWebSub {
  const channels = new Set(options.channelIds);
  const topics = new Set(options.channelIds.map(channelTopic));
  const logger = options.logger.child({ component: 'youtube-websub' });
  const handshake = webSubIntentVerification({ expectsTopic: (topic) => topics.has(topic) });
  const route: WebhookRoute = {
    path: WEBSUB_PATH,
    platform: 'YOUTUBE',
    name: 'youtube-websub',
    verify: webSubSignature({ secret: options.secret }),
    handshake,
    topic: webhookValue.webSubTopic(),
    contentTypes: ['application/atom+xml', 'application/xml', 'text/xml'],
    onPersisted: async (notification) => {
      const feed = parseWebSubFeed(notification.body);
      for (const entry of feed.entries) {
        if (!channels.has(entry.channelId)) {
          logger.warn(
            { channelId: entry.channelId, videoId: entry.videoId },
            'WebSub entry for a channel this source does not collect; ignored.',
          );
          continue;
        }
        options.run.refresh('videos', entry.channelId, { id: entry.videoId, publishedAt: entry.published ?? options.clock.now() });
      }
      if (feed.deletedEntries.length === 0) return;
      const collectedAt = options.clock.now();
      const events = feed.deletedEntries.map((entry) => {
        const value = deletionOf(entry, notification, options.source, collectedAt);
        return {
          topic: 'social.raw.deletions',
          key: entityKey('YOUTUBE', entry.videoId),
          value: value as unknown as Record<string, unknown>,
        };
      });
      await options.writer.write(events);
    },
  };
  return { route, handshake };
}

function deletionOf(
  entry: ReturnType<typeof parseWebSubFeed>['deletedEntries'][number],
  notification: WebhookNotification,
  source: string,
  collectedAt: number,
): Deletion {
  const observed = observation.deletion('ENTITY_DELETED', entry.deletedAt);
  return {
    envelope: {
      event_id: computeEventId({ platform: 'YOUTUBE', entity_kind: 'POST', entity_id: entry.videoId, observation: observed }),
      platform: 'YOUTUBE',
      entity_kind: 'POST',
      entity_id: entry.videoId,
      observation: observed,
      observed_at: entry.deletedAt ?? notification.envelope.observed_at,
      collected_at: collectedAt,
      lineage: {
        source,
        method: 'WEBHOOK',
        endpoint: `POST ${WEBSUB_PATH}`,
        api_version: null,
        request_id: null,
        delivery_id: notification.envelope.entity_id,
      },
      traceparent: notification.envelope.traceparent,
    },
    action: 'ENTITY_DELETED',
    account_id: entry.channelId,
    occurred_at: entry.deletedAt,
    platform_reason: 'at:deleted-entry',
    confirmation_code: null,
  };
}

/**
 * runSourceService's `webhooks` option: the WebSub route (none when no secret is configured) and,
 * when a callback URL is configured, the subscriber that keeps the hub subscriptions alive until `signal`.
 */
export function youtubeWebhookRoutes(
  settings: Pick<YouTubeSourceSettings, 'youtube' | 'source'>,
  dependencies: WebhookDependencies,
  options: { source: string; signal: AbortSignal },
): WebhookRoute[] {
  const { youtube } = settings;
  if (youtube.webSubSecret === '') {
    dependencies.logger.warn('youtube.webSubSecret is empty: the WebSub route is not served and no subscription is made.');
    return [];
  }
  const channelIds = parseScopes(settings.source.scopes).map((scope) => scope.id);
  const webSub = youtubeWebSub({ secret: youtube.webSubSecret, channelIds, source: options.source, ...dependencies });
  if (youtube.webSubCallbackUrl !== '') {
    startWebSubSubscriber({
      hubUrl: youtube.hubUrl,
      callbackUrl: youtube.webSubCallbackUrl,
      topics: channelIds.map(channelTopic),
      secret: youtube.webSubSecret,
      leaseSeconds: youtube.webSubLeaseSeconds,
      renewBeforeMs: youtube.webSubRenewBeforeMs,
      leases: () => webSub.handshake.leases(),
      clock: dependencies.clock,
      logger: dependencies.logger,
      signal: options.signal,
    });
  }
  return [webSub.route];
}
