// The PubSubHubbub / WebSub hub for YouTube channel feeds (real hub:
// https://pubsubhubbub.appspot.com/subscribe). POST form hub.mode=subscribe|unsubscribe,
// hub.callback, hub.topic=https://www.youtube.com/xml/feeds/videos.xml?channel_id=…, optional
// hub.lease_seconds, hub.secret, hub.verify=sync|async. Intent verification is a GET on the
// callback with hub.mode, hub.topic, hub.challenge, hub.lease_seconds that must echo the challenge
// with 2xx. Notifications are Atom POSTs (new upload, title change; at:deleted-entry for
// deletions), signed `X-Hub-Signature: sha1=<hex HMAC-SHA1(secret, body)>` when a secret was given.
import { createHmac } from 'node:crypto';
import { formParams, textResponse } from '../core/exchange.ts';
import type { SimRequest, SimResponse } from '../core/exchange.ts';
import { SeededRandom } from '../core/random.ts';
import type { SimContext } from '../core/sim-context.ts';
import type { DeliveryAttempt } from '../core/webhook-delivery.ts';
import { rfc3339 } from './model.ts';
import type { YouTubeVideo } from './model.ts';

export interface Subscription {
  callback: string;
  topic: string;
  channelId: string;
  secret: string | null;
  leaseSeconds: number;
  verifiedAt: number;
  expiresAt: number;
}

export interface VerificationRecord {
  callback: string;
  mode: 'subscribe' | 'unsubscribe';
  topic: string;
  status: number | null;
  ok: boolean;
  at: number;
}

const TOPIC = /^https:\/\/www\.youtube\.com\/(?:xml\/)?feeds\/videos\.xml\?channel_id=([A-Za-z0-9_-]+)$/;

export function websubSignature(secret: string, body: string): string {
  return `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
}

export class WebSubHub {
  readonly #context: SimContext;
  readonly #hubUrl: () => string;
  #subscriptions: Subscription[] = [];
  #verifications: VerificationRecord[] = [];
  readonly #random: SeededRandom;

  constructor(context: SimContext, hubUrl: () => string) {
    this.#context = context;
    this.#hubUrl = hubUrl;
    this.#random = new SeededRandom(context.seed, 'websub', 'challenges');
  }

  subscriptions(): Subscription[] {
    const now = this.#context.clock.now();
    return this.#subscriptions.filter((s) => s.expiresAt > now).map((s) => ({ ...s }));
  }

  verifications(): VerificationRecord[] {
    return [...this.#verifications];
  }

  async handle(request: SimRequest): Promise<SimResponse> {
    if (request.method !== 'POST') return textResponse(405, 'Method Not Allowed\n');
    const form = formParams(request);
    const mode = form.get('hub.mode');
    const callback = form.get('hub.callback');
    const topic = form.get('hub.topic');
    if (mode !== 'subscribe' && mode !== 'unsubscribe') return textResponse(400, 'Invalid value for hub.mode\n');
    if (!callback || !/^https?:\/\//.test(callback)) return textResponse(400, 'Invalid value for hub.callback\n');
    const match = topic === null ? null : TOPIC.exec(topic);
    if (!topic || !match?.[1]) return textResponse(400, 'Invalid value for hub.topic\n');
    const leaseParam = form.get('hub.lease_seconds');
    const leaseSeconds = leaseParam === null ? this.#context.knobs.youtube.defaultLeaseSeconds : Number(leaseParam);
    if (!Number.isInteger(leaseSeconds) || leaseSeconds <= 0) return textResponse(400, 'Invalid value for hub.lease_seconds\n');
    const verify = this.#verify(mode, callback, topic, match[1], form.get('hub.secret'), leaseSeconds);
    if (form.get('hub.verify') === 'sync')
      return (await verify) ? { status: 204, headers: {}, body: '' } : textResponse(409, 'Challenge verification failed\n');
    this.#context.background.track(verify);
    return textResponse(202, 'Accepted\n');
  }

  async #verify(
    mode: 'subscribe' | 'unsubscribe',
    callback: string,
    topic: string,
    channelId: string,
    secret: string | null,
    leaseSeconds: number,
  ): Promise<boolean> {
    const challenge = this.#random.string(24);
    const url = new URL(callback);
    url.searchParams.set('hub.mode', mode);
    url.searchParams.set('hub.topic', topic);
    url.searchParams.set('hub.challenge', challenge);
    if (mode === 'subscribe') url.searchParams.set('hub.lease_seconds', String(leaseSeconds));
    let status: number | null = null;
    let ok: boolean;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.#context.knobs.webhooks.timeoutMs) });
      status = response.status;
      ok = status >= 200 && status < 300 && (await response.text()) === challenge;
    } catch {
      ok = false;
    }
    const now = this.#context.clock.now();
    this.#verifications.push({ callback, mode, topic, status, ok, at: now });
    if (!ok) return false;
    this.#subscriptions = this.#subscriptions.filter((s) => !(s.callback === callback && s.topic === topic));
    if (mode === 'subscribe')
      this.#subscriptions.push({ callback, topic, channelId, secret, leaseSeconds, verifiedAt: now, expiresAt: now + leaseSeconds * 1000 });
    return true;
  }

  /** A new upload or a metadata change (title, description). */
  async notifyVideo(video: YouTubeVideo, title: string, event: 'upload' | 'update'): Promise<DeliveryAttempt[]> {
    return this.#notify(video.channelId, `websub.${event}`, this.videoFeed(video, title));
  }

  /** The Atom feed of one video entry, as pushed for uploads and metadata changes. */
  videoFeed(video: YouTubeVideo, title: string): string {
    const self = `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${video.channelId}`;
    const body = `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">
 <link rel="hub" href="${this.#hubUrl()}"/>
 <link rel="self" href="${escapeXml(self)}"/>
 <title>YouTube video feed</title>
 <updated>${rfc3339(this.#context.clock.now())}</updated>
 <entry>
  <id>yt:video:${video.id}</id>
  <yt:videoId>${video.id}</yt:videoId>
  <yt:channelId>${video.channelId}</yt:channelId>
  <title>${escapeXml(title)}</title>
  <link rel="alternate" href="https://www.youtube.com/watch?v=${video.id}"/>
  <author>
   <name>${escapeXml(video.channelTitle)}</name>
   <uri>https://www.youtube.com/channel/${video.channelId}</uri>
  </author>
  <published>${rfc3339(video.publishedAt)}</published>
  <updated>${rfc3339(this.#context.clock.now())}</updated>
 </entry>
</feed>
`;
    return body;
  }

  async notifyDeleted(video: YouTubeVideo): Promise<DeliveryAttempt[]> {
    return this.#notify(video.channelId, 'websub.deleted', this.deletedFeed(video));
  }

  deletedFeed(video: YouTubeVideo): string {
    const now = rfc3339(this.#context.clock.now());
    const body = `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:at="http://purl.org/atompub/tombstones/1.0" xmlns="http://www.w3.org/2005/Atom">
 <at:deleted-entry ref="yt:video:${video.id}" when="${now}">
  <link href="https://www.youtube.com/watch?v=${video.id}"/>
  <at:by>
   <name>${escapeXml(video.channelTitle)}</name>
   <uri>https://www.youtube.com/channel/${video.channelId}</uri>
  </at:by>
 </at:deleted-entry>
</feed>
`;
    return body;
  }

  async #notify(channelId: string, event: string, body: string): Promise<DeliveryAttempt[]> {
    const attempts: DeliveryAttempt[] = [];
    for (const subscription of this.subscriptions().filter((s) => s.channelId === channelId)) {
      const secret = subscription.secret;
      attempts.push(
        await this.#context.dispatcher.deliver({
          platform: 'youtube',
          event,
          url: subscription.callback,
          body,
          contentType: 'application/atom+xml',
          sign: (raw): Record<string, string> => ({
            link: `<${this.#hubUrl()}>; rel=hub, <${subscription.topic}>; rel=self`,
            ...(secret === null ? {} : { 'x-hub-signature': websubSignature(secret, raw) }),
          }),
        }),
      );
    }
    return attempts;
  }
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');
}
