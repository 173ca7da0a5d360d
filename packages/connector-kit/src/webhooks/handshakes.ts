// Subscription handshakes a route answers besides deliveries: Meta's verify-token GET, WebSub intent
// verification (YouTube's hub) with lease tracking, and Twitch EventSub's signed callback
// verification POST. Handshakes are never persisted. Contracts: research/platform-apis.md §1, §2, §7.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { HeaderMap } from './signatures.ts';

/** A response the receiver sends as is. */
export interface HandshakeAnswer {
  status: number;
  /** text/plain body (the echoed challenge) or an error code. */
  body: string;
  outcome: 'accepted' | 'refused';
}

export interface Handshake {
  /** Answers a GET with this route's query; null when the GET is not a handshake (→ 405). */
  answerGet?(query: URLSearchParams, now: number): HandshakeAnswer | null;
  /** Answers a POST whose signature was verified, before it is persisted; null when it is a delivery. */
  answerSignedPost?(headers: HeaderMap, body: Buffer): HandshakeAnswer | null;
}

const refused = (status: number, body: string): HandshakeAnswer => ({ status, body, outcome: 'refused' });
const accepted = (challenge: string): HandshakeAnswer => ({ status: 200, body: challenge, outcome: 'accepted' });

function sameSecret(expected: string, provided: string): boolean {
  // Hash both so the comparison is constant time whatever the lengths.
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(provided));
}

/** Meta: `GET ?hub.mode=subscribe&hub.challenge=<n>&hub.verify_token=<token>` → 200 with the challenge when the token matches, else 403. */
export function metaVerifyToken(options: { verifyToken: string }): Handshake {
  return {
    answerGet(query) {
      if (!query.has('hub.mode')) return null;
      const challenge = query.get('hub.challenge');
      if (query.get('hub.mode') !== 'subscribe' || !challenge) return refused(403, 'WEBHOOK_HANDSHAKE_REFUSED');
      if (!sameSecret(options.verifyToken, query.get('hub.verify_token') ?? '')) return refused(403, 'WEBHOOK_HANDSHAKE_REFUSED');
      return accepted(challenge);
    },
  };
}

/** A WebSub subscription the hub confirmed, so the source can resubscribe before it lapses. */
export interface WebSubLease {
  topic: string;
  /** When the hub verified the intent (epoch ms). */
  verifiedAt: number;
  /** verifiedAt + hub.lease_seconds; null when the hub sent no lease. */
  expiresAt: number | null;
}

export interface WebSubIntentVerification extends Handshake {
  /** Confirmed subscriptions, soonest expiry first. */
  leases(): WebSubLease[];
}

/**
 * WebSub intent verification: `GET ?hub.mode=subscribe|unsubscribe&hub.topic=…&hub.challenge=…&hub.lease_seconds=…`
 * → 200 echoing the challenge when `expectsTopic(topic, mode)` holds, else 404 (WebSub §5.3). A subscribe
 * records the lease; an unsubscribe, or a hub's `hub.mode=denied`, drops it.
 */
export function webSubIntentVerification(options: {
  expectsTopic: (topic: string, mode: 'subscribe' | 'unsubscribe') => boolean;
}): WebSubIntentVerification {
  const leases = new Map<string, WebSubLease>();
  return {
    answerGet(query, now) {
      const mode = query.get('hub.mode');
      if (mode === null) return null;
      const topic = query.get('hub.topic');
      if (!topic) return refused(400, 'WEBHOOK_HANDSHAKE_MALFORMED');
      if (mode === 'denied') {
        leases.delete(topic);
        return { status: 200, body: '', outcome: 'accepted' };
      }
      const challenge = query.get('hub.challenge');
      if ((mode !== 'subscribe' && mode !== 'unsubscribe') || !challenge) return refused(400, 'WEBHOOK_HANDSHAKE_MALFORMED');
      if (!options.expectsTopic(topic, mode)) return refused(404, 'WEBHOOK_TOPIC_UNEXPECTED');
      if (mode === 'unsubscribe') {
        leases.delete(topic);
      } else {
        const seconds = Number(query.get('hub.lease_seconds'));
        const hasLease = query.has('hub.lease_seconds') && Number.isSafeInteger(seconds) && seconds > 0;
        leases.set(topic, { topic, verifiedAt: now, expiresAt: hasLease ? now + seconds * 1000 : null });
      }
      return accepted(challenge);
    },
    leases() {
      return [...leases.values()].sort((a, b) => (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity));
    },
  };
}

/** Twitch EventSub: a signed `webhook_callback_verification` POST is answered with its `challenge` as plain text. */
export function twitchCallbackVerification(): Handshake {
  return {
    answerSignedPost(headers, body) {
      if (headers['twitch-eventsub-message-type'] !== 'webhook_callback_verification') return null;
      let challenge: unknown;
      try {
        challenge = (JSON.parse(body.toString('utf8')) as { challenge?: unknown }).challenge;
      } catch {
        return refused(400, 'WEBHOOK_HANDSHAKE_MALFORMED');
      }
      return typeof challenge === 'string' && challenge !== '' ? accepted(challenge) : refused(400, 'WEBHOOK_HANDSHAKE_MALFORMED');
    },
  };
}
