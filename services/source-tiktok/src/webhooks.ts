// TikTok webhooks (platform-apis.md §3): one callback URL per app, set in the developer portal — no
// handshake. Body {"client_key","event","create_time" (epoch s),"user_openid","content":"<JSON string>"},
// signed `TikTok-Signature: t=<unix s>,s=<hex HMAC-SHA256(client secret, "<t>.<raw body>")>`; stale or
// future timestamps beyond the receiver's tolerance are refused. Delivery is at least once with retries
// for up to 72 h and carries no message id, so the delivery id is the SHA-256 of the body (a redelivery
// of the same bytes is recognised by the replay cache); the topic is the `event` field.
//
// After the notification is durable (onPersisted):
//   authorization.removed     the token is already revoked: suspend the account's credential (its streams
//                             pause, other accounts go on) and write a Deletion (AUTHORIZATION_REVOKED,
//                             platform_reason = content.reason) so downstream stores drop the account's data;
//   video.publish.completed   targeted refresh: the announced video is polled for counters at once and
//                             the video list walks now (its Post).
// Other events are persisted only.
import { parseTikTokEvent, tiktokSignature, webhookValue } from '@tributary/connector-kit';
import type { Authenticator, EventWriter, ScopeConfig, SourceRun, WebhookRoute } from '@tributary/connector-kit';
import { computeEventId, entityKey, observation } from '@tributary/events';
import type { Deletion, WebhookNotification } from '@tributary/events';
import type { Logger } from '@tributary/telemetry';
import type { TikTokMetrics } from './metrics.ts';

export const WEBHOOK_PATH = '/webhooks/tiktok';

export interface TikTokWebhookOptions {
  source: string;
  clientSecret: string;
  scopes: readonly ScopeConfig[];
  writer: EventWriter;
  run: SourceRun;
  /** The authenticator behind the requester; suspend() stops a revoked account's calls. */
  authenticator: () => Authenticator | undefined;
  logger: Logger;
  metrics: TikTokMetrics;
  path?: string;
}

export function tiktokWebhookRoutes(options: TikTokWebhookOptions): WebhookRoute[] {
  const path = options.path ?? WEBHOOK_PATH;
  const logger = options.logger.child({ component: 'tiktok-webhooks' });
  const scopeOf = (openId: string): ScopeConfig | undefined => options.scopes.find((scope) => scope.id === openId);

  const onPersisted = async (notification: WebhookNotification): Promise<void> => {
    const event = parseTikTokEvent(notification.body);
    options.metrics.webhookEvents.inc({ event: event.event });
    const scope = scopeOf(event.userOpenId);
    if (event.event === 'authorization.removed') {
      const credential = scope?.credential ?? event.userOpenId;
      const reason = event.content.reason;
      const platformReason = typeof reason === 'number' || typeof reason === 'string' ? String(reason) : null;
      // Suspend first: the grant is gone whatever happens to the write, and a failed write leaves the
      // notification in Kafka for reprocessing.
      // An account this collector has no credential for (never configured, or removed since) still gets its Deletion.
      const authenticator = options.authenticator();
      const known = authenticator?.health().some((entry) => entry.id === credential) ?? false;
      if (known) await authenticator!.suspend?.(credential, `authorization.removed (reason ${platformReason ?? 'unknown'})`);
      await options.writer.write([revocation(options.source, notification, event.userOpenId, event.createTime, platformReason, path)]);
      logger.warn(
        { account: event.userOpenId, credential: known ? credential : null, reason: platformReason, configured: scope !== undefined },
        known
          ? 'TikTok authorization removed: credential suspended, deletion written.'
          : 'TikTok authorization removed for an account without a credential here: deletion written.',
      );
      return;
    }
    if (event.event === 'video.publish.completed') {
      const videoId = event.content.video_id;
      if (!scope) {
        logger.debug({ account: event.userOpenId }, 'video.publish.completed for an account this source does not collect.');
        return;
      }
      if (typeof videoId === 'string' && /^\d+$/.test(videoId))
        options.run.refresh('videos', scope.id, { id: videoId, publishedAt: event.createTime });
      options.run.wake('videos', scope.id);
    }
  };

  return [
    {
      path,
      platform: 'TIKTOK',
      name: 'tiktok',
      verify: tiktokSignature({ clientSecret: options.clientSecret }),
      topic: webhookValue.json('event'),
      contentTypes: ['application/json'],
      onPersisted,
    },
  ];
}

/** The Deletion for a revoked account: everything collected through it must go downstream. */
export function revocation(
  source: string,
  notification: WebhookNotification,
  openId: string,
  occurredAt: number,
  platformReason: string | null,
  path: string,
): { topic: string; key: string; value: Record<string, unknown> } {
  const obs = observation.deletion('AUTHORIZATION_REVOKED', occurredAt);
  const value: Deletion = {
    envelope: {
      event_id: computeEventId({ platform: 'TIKTOK', entity_kind: 'ACCOUNT', entity_id: openId, observation: obs }),
      platform: 'TIKTOK',
      entity_kind: 'ACCOUNT',
      entity_id: openId,
      observation: obs,
      observed_at: occurredAt,
      collected_at: notification.envelope.collected_at,
      lineage: {
        source,
        method: 'WEBHOOK',
        endpoint: `POST ${path}`,
        api_version: null,
        request_id: null,
        delivery_id: notification.envelope.entity_id,
      },
      traceparent: notification.envelope.traceparent,
    },
    action: 'AUTHORIZATION_REVOKED',
    account_id: openId,
    occurred_at: occurredAt,
    platform_reason: platformReason,
    confirmation_code: null,
  };
  return { topic: 'social.raw.deletions', key: entityKey('TIKTOK', openId), value: value as unknown as Record<string, unknown> };
}
