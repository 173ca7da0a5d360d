// The identity recipes of the event contract (docs/adr/0013): the deterministic event_id, the
// observation string it hashes, the content version of posts and comments, and the Kafka key.
// Collecting the same observation twice yields the same event_id, which makes every hop
// idempotent; these functions are the single implementation every producer uses.
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { TributaryError } from '@tributary/errors';
import type { DeletionAction, EntityKind, MetricPeriod, Platform } from './generated/types.ts';

/** Domain tag hashed first; a future recipe gets a new tag, so ids of the two can never collide. */
export const EVENT_ID_TAG = 'tributary.event-id.v1';

export interface EventIdentity {
  platform: Platform;
  entity_kind: EntityKind;
  entity_id: string;
  observation: string;
}

function invalid(message: string, details: Record<string, unknown>): TributaryError {
  return new TributaryError('EVENT_IDENTITY_INVALID', message, { failureType: 'data', details });
}

function updateLengthPrefixed(hash: Hash, part: string, name: string): void {
  if (!part.isWellFormed()) throw invalid(`${name} contains a lone surrogate; its UTF-8 bytes would be ambiguous.`, { name });
  const bytes = Buffer.from(part, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  hash.update(length);
  hash.update(bytes);
}

/**
 * SHA-256, as 64 lowercase hex characters, over EVENT_ID_TAG, platform, entity_kind, entity_id
 * and observation, each encoded as UTF-8 and prefixed by its byte length (4-byte big-endian).
 * The prefixes make the encoding unambiguous: no two different inputs hash the same bytes.
 */
export function computeEventId(identity: EventIdentity): string {
  if (identity.entity_id === '') throw invalid('entity_id is empty.', { platform: identity.platform });
  if (identity.observation === '') throw invalid('observation is empty.', { platform: identity.platform, entity_id: identity.entity_id });
  const hash = createHash('sha256');
  updateLengthPrefixed(hash, EVENT_ID_TAG, 'tag');
  updateLengthPrefixed(hash, identity.platform, 'platform');
  updateLengthPrefixed(hash, identity.entity_kind, 'entity_kind');
  updateLengthPrefixed(hash, identity.entity_id, 'entity_id');
  updateLengthPrefixed(hash, identity.observation, 'observation');
  return hash.digest('hex');
}

function epochMs(value: number, name: string): string {
  if (!Number.isSafeInteger(value) || value < 0)
    throw invalid(`${name} must be a non-negative integer of epoch milliseconds, got ${value}.`, { name, value });
  return String(value);
}

/** Builders for Envelope.observation, one per event kind. */
export const observation = {
  /** Posts and comments: `content:<content version>`. */
  content(version: string): string {
    if (version === '') throw invalid('The content version is empty.', {});
    return `content:${version}`;
  },
  /** Metric snapshots: `metrics:<snapshot bucket>`, plus `;period:<start>-<end>` for period aggregates. */
  metrics(snapshotBucket: number, period?: MetricPeriod | null): string {
    const base = `metrics:${epochMs(snapshotBucket, 'snapshot_bucket')}`;
    return period ? `${base};period:${epochMs(period.start, 'period.start')}-${epochMs(period.end, 'period.end')}` : base;
  },
  /** Deletions: `deletion:<action>:<occurred_at>`, with `-` when the platform gives no time. */
  deletion(action: DeletionAction, occurredAt: number | null): string {
    return `deletion:${action}:${occurredAt === null ? '-' : epochMs(occurredAt, 'occurred_at')}`;
  },
  /** Webhook notifications: `delivery:<delivery id>`. */
  delivery(deliveryId: string): string {
    if (deliveryId === '') throw invalid('The delivery id is empty.', {});
    return `delivery:${deliveryId}`;
  },
} as const;

function canonicalJson(value: unknown, path: string): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(`${path} is not a finite number.`, { path });
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item, i) => canonicalJson(item, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item, `${path}.${key}`)}`).join(',')}}`;
  }
  throw invalid(`${path} cannot be part of a content version (${typeof value}).`, { path });
}

/**
 * The content version of a post or comment: SHA-256 hex over the canonical JSON (keys sorted,
 * no whitespace) of the content fields the mapper chose — the text, title, media and author
 * fields, never counters or collection times. The same content always gives the same version.
 */
export function contentVersion(content: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(content, 'content'), 'utf8').digest('hex');
}

/** The Kafka key of an event: `<PLATFORM>:<entity id>`, so one entity's history stays in one partition. */
export function entityKey(platform: Platform, entityId: string): string {
  if (entityId === '') throw invalid('entity_id is empty.', { platform });
  return `${platform}:${entityId}`;
}
