// TikTok webhooks: `{client_key, event, create_time, user_openid, content: "<JSON string>"}`,
// signed `TikTok-Signature: t=<unix s>,s=<hex HMAC-SHA256(client_secret, t + "." + body)>`.
// No handshake (the callback URL is set in the developer portal).
import { createHmac } from 'node:crypto';
import type { WebhookMessage } from '../core/webhook-delivery.ts';

export type TikTokEvent = 'authorization.removed' | 'video.publish.completed' | 'video.upload.failed' | 'portability.download.ready';

export function tiktokSignature(clientSecret: string, body: string, unixSeconds: number): string {
  const signature = createHmac('sha256', clientSecret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},s=${signature}`;
}

export function tiktokWebhook(options: {
  url: string;
  clientKey: string;
  clientSecret: string;
  event: TikTokEvent;
  openId: string;
  content: Record<string, unknown>;
  createTime: number;
}): WebhookMessage {
  const body = JSON.stringify({
    client_key: options.clientKey,
    event: options.event,
    create_time: Math.floor(options.createTime / 1000),
    user_openid: options.openId,
    content: JSON.stringify(options.content),
  });
  return {
    platform: 'tiktok',
    event: options.event,
    url: options.url,
    body,
    contentType: 'application/json',
    sign: (raw, at) => ({ 'tiktok-signature': tiktokSignature(options.clientSecret, raw, Math.floor(at / 1000)) }),
  };
}
