// Instagram webhooks (Meta): a verification GET `hub.mode=subscribe&hub.challenge&hub.verify_token`
// that the receiver answers with the challenge, then POSTed notifications
// `{"object":"instagram","entry":[{"id","time","changes":[{"field","value"}]}]}` signed
// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`.
import { createHmac } from 'node:crypto';
import type { WebhookMessage } from '../core/webhook-delivery.ts';

export type InstagramField = 'comments' | 'story_insights' | 'mentions';

export function metaSignature(appSecret: string, body: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

export function instagramWebhook(options: {
  url: string;
  appSecret: string;
  accountId: string;
  field: InstagramField;
  value: Record<string, unknown>;
  time: number;
}): WebhookMessage {
  const body = JSON.stringify({
    object: 'instagram',
    entry: [{ id: options.accountId, time: Math.floor(options.time / 1000), changes: [{ field: options.field, value: options.value }] }],
  });
  return {
    platform: 'instagram',
    event: options.field,
    url: options.url,
    body,
    contentType: 'application/json',
    sign: (raw) => ({ 'x-hub-signature-256': metaSignature(options.appSecret, raw) }),
  };
}

export interface VerificationResult {
  ok: boolean;
  status: number | null;
  challenge: string;
  body: string;
}

/** Calls the receiver's verification endpoint as Meta does when a subscription is saved. */
export async function verifySubscription(
  url: string,
  verifyToken: string,
  challenge: string,
  timeoutMs: number,
): Promise<VerificationResult> {
  const target = new URL(url);
  target.searchParams.set('hub.mode', 'subscribe');
  target.searchParams.set('hub.challenge', challenge);
  target.searchParams.set('hub.verify_token', verifyToken);
  try {
    const response = await fetch(target, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    return { ok: response.status === 200 && body === challenge, status: response.status, challenge, body };
  } catch (error) {
    return { ok: false, status: null, challenge, body: (error as Error).message };
  }
}
