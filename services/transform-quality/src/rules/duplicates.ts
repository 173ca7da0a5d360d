// Duplicates: the same event_id seen again with different content.
//
// Exact duplicates are normal (at-least-once delivery, re-collection, replays) and are absorbed
// downstream by event_id (ReplacingMergeTree final tables, docs/adr/0016); they raise nothing, so
// reprocessing a record always gives the same verdict. What this rule catches is an event_id whose
// content differs from the first copy seen:
// - posts and comments have content-addressed ids (observation `content:<content version>`), so the
//   fields every mapper versions (owner, title and text of posts; post and text of comments) must
//   not differ: WARN — a mapper versions the wrong fields, or ids collide. Fields some mappers leave
//   out of the version are not compared: an Instagram comment webhook carries no comment time, so
//   its published_at legitimately differs from the polled copy's;
// - a metric snapshot's id names its collection slot, and re-collecting within the slot legitimately
//   yields new values ("the newest collected_at wins"): INFO, unless the owning account differs (WARN).
//
// Memory is bounded and in-process (the first fingerprint of the newest `capacity` event ids, oldest
// forgotten first), not kept in a state topic: after a restart, or further apart than the memory
// reaches, a conflict goes unflagged — the downstream dedup by event_id still holds. Comparing with
// the *first* copy (never the last) keeps the verdict of a record the same when it is processed again.
import { createHash } from 'node:crypto';
import type { QualityFlag } from '@tributary/events';
import { finding } from './catalogue.ts';
import { measuredValues } from './counters.ts';
import type { AssessedEvent } from './subject.ts';

/**
 * `<field hash>,<field hash>,…|<measures hash>`: one short string per event id (a few hundred bytes
 * with its key, measured), split only when two copies differ. Field hashes follow identityFieldsOf's
 * order; a difference there is a conflict (WARN), a difference in the measured values alone a
 * re-collection (INFO).
 */
type Fingerprint = string;

function digest(value: unknown): string {
  return createHash('sha1')
    .update(JSON.stringify(value) ?? 'undefined')
    .digest('base64url')
    .slice(0, 10);
}

function identityFieldsOf(subject: AssessedEvent): Record<string, unknown> {
  switch (subject.kind) {
    case 'post': {
      const { account_id, title, text } = subject.event;
      return { account_id, title, text };
    }
    case 'comment': {
      const { post_id, text } = subject.event;
      return { post_id, text };
    }
    case 'post-metrics':
      return { account_id: subject.event.account_id, snapshot_bucket: subject.event.snapshot_bucket };
    case 'account-metrics':
      return { snapshot_bucket: subject.event.snapshot_bucket };
  }
}

function fingerprintOf(subject: AssessedEvent): Fingerprint {
  const identity = Object.values(identityFieldsOf(subject)).map(digest).join(',');
  const measures = subject.kind === 'post-metrics' || subject.kind === 'account-metrics' ? digest(measuredValues(subject)) : '';
  return `${identity}|${measures}`;
}

export interface DuplicateMemory {
  /** Flags a conflict with the first copy of this event_id seen, and remembers this one if it is the first. */
  check(subject: AssessedEvent): QualityFlag[];
  readonly size: number;
}

export function createDuplicateMemory(capacity: number): DuplicateMemory {
  const firstSeen = new Map<string, Fingerprint>();
  return {
    get size() {
      return firstSeen.size;
    },
    check(subject) {
      const eventId = subject.event.envelope.event_id;
      const fingerprint = fingerprintOf(subject);
      const first = firstSeen.get(eventId);
      if (first === undefined) {
        firstSeen.set(eventId, fingerprint);
        if (firstSeen.size > capacity) firstSeen.delete(firstSeen.keys().next().value as string);
        return [];
      }
      if (fingerprint === first) return [];
      const [identity = '', measures] = fingerprint.split('|');
      const [firstIdentity = '', firstMeasures] = first.split('|');
      const firstFields = firstIdentity.split(',');
      const fields = Object.keys(identityFieldsOf(subject));
      const differing = identity.split(',').flatMap((hash, i) => (hash === firstFields[i] ? [] : [fields[i]!]));
      if (differing.length > 0) {
        return [finding('DUPLICATE_CONFLICT', 'WARN', differing[0]!, `event_id seen before with a different ${differing.join(', ')}`)];
      }
      if (measures !== firstMeasures) {
        return [
          finding('DUPLICATE_CONFLICT', 'INFO', null, 'event_id seen before with other metric values (re-collected within its slot)'),
        ];
      }
      return [];
    },
  };
}
