// How a source declares a webhook route: its path, platform, signature scheme, handshake, and where
// the delivery id and the topic come from. Values are read only after the signature was verified.
import { createHash } from 'node:crypto';
import type { Platform, WebhookNotification } from '@tributary/events';
import type { Handshake } from './handshakes.ts';
import { metaTopicOf, parseMetaNotification, parseWebSubFeed } from './payloads.ts';
import type { HeaderMap, SignatureScheme } from './signatures.ts';

/** A verified delivery as the value readers see it. */
export interface VerifiedDelivery {
  headers: HeaderMap;
  body: Buffer;
  /** The body parsed as JSON (once, cached); throws when it is not JSON. */
  json(): unknown;
}

/** Reads a string from a verified delivery; null when it is not there. `headers` names the headers it reads, persisted with the notification. */
export type DeliveryValue = ((delivery: VerifiedDelivery) => string | null) & { readonly headers?: readonly string[] };

export interface WebhookRoute {
  /** Exact request path, e.g. `/webhooks/tiktok`. */
  path: string;
  platform: Platform;
  /** Label for metrics and logs; defaults to the path. */
  name?: string;
  verify: SignatureScheme;
  handshake?: Handshake;
  /** The platform's message id; without one (or when it reads null) the id is the SHA-256 hex of the raw body. */
  deliveryId?: DeliveryValue;
  /** What the delivery is about (WebhookNotification.topic); `unknown` when it reads null. */
  topic: DeliveryValue;
  /** Accepted media types (`application/json`); anything else gets 415. Undefined accepts any. */
  contentTypes?: readonly string[];
  /** Extra lower-case headers to persist besides the scheme's and the delivery id's (never credentials). */
  persistHeaders?: readonly string[];
  /** lineage.api_version of the notification, when the platform versions its webhooks. */
  apiVersion?: string;
  /**
   * Processing, called after the notification is durable and the 2xx is sent. Its failure is
   * logged and counted, never answered: the platform already has its 2xx; the persisted notification
   * can be reprocessed from Kafka.
   */
  onPersisted?: (notification: WebhookNotification) => Promise<void> | void;
}

/** The delivery id of a body without a platform message id: a redelivery of the same bytes keeps it. */
export function bodyDeliveryId(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

function nonEmpty(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}

/** Ready-made value readers for route declarations. */
export const webhookValue = {
  /** A request header (case-insensitive). */
  header(name: string): DeliveryValue {
    const key = name.toLowerCase();
    return Object.assign((delivery: VerifiedDelivery) => nonEmpty(delivery.headers[key]), { headers: [key] });
  },
  /** A string (or safe-integer) field of the JSON body, e.g. `json('event')`, `json('subscription', 'type')`. */
  json(...path: string[]): DeliveryValue {
    return (delivery) => {
      let node: unknown;
      try {
        node = delivery.json();
      } catch {
        return null;
      }
      for (const key of path) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
      return nonEmpty(node);
    };
  },
  /** Meta: `<object>/<field>` of the entries' changes (`instagram/comments`). */
  metaObjectField(): DeliveryValue {
    return (delivery) => {
      try {
        return metaTopicOf(parseMetaNotification(delivery.body));
      } catch {
        return null;
      }
    };
  },
  /** WebSub: the hub topic URL from `Link: <…>; rel="self"`, else the feed's `<link rel="self">`. */
  webSubTopic(): DeliveryValue {
    const read = (delivery: VerifiedDelivery): string | null => {
      const link = delivery.headers.link;
      const self = link === undefined ? undefined : /<([^>]+)>\s*;\s*rel="?self"?/i.exec(link)?.[1];
      if (self) return self;
      try {
        return parseWebSubFeed(delivery.body).topic;
      } catch {
        return null;
      }
    };
    return Object.assign(read, { headers: ['link'] });
  },
  constant(value: string): DeliveryValue {
    return () => value;
  },
} as const;
