// Identity and required fields. An event without an entity id, owner account or post is not
// attributable (HARD); an event_id that is not the recipe's hash of its identity would make the
// downstream dedup collapse different observations or keep copies of one (HARD, docs/adr/0013).
// The remaining checks keep the record but say what is off.
import { computeEventId } from '@tributary/events';
import type { EntityKind, QualityFlag } from '@tributary/events';
import { finding } from './catalogue.ts';
import { measuredValues } from './counters.ts';
import type { AssessedEvent, AssessedKind, Rule } from './subject.ts';

const ENTITY_KIND: Record<AssessedKind, EntityKind> = {
  post: 'POST',
  'post-metrics': 'POST',
  'account-metrics': 'ACCOUNT',
  comment: 'COMMENT',
};

function blank(value: string | null | undefined): boolean {
  return value === null || value === undefined || value.trim() === '';
}

function requiredOf(subject: AssessedEvent): Array<[field: string, value: string | null | undefined]> {
  const { envelope } = subject.event;
  const fields: Array<[string, string | null | undefined]> = [
    ['envelope.event_id', envelope.event_id],
    ['envelope.entity_id', envelope.entity_id],
    ['envelope.observation', envelope.observation],
  ];
  if (subject.kind === 'post' || subject.kind === 'post-metrics') fields.push(['account_id', subject.event.account_id]);
  if (subject.kind === 'comment') fields.push(['post_id', subject.event.post_id]);
  return fields;
}

export const requiredFieldRules: Rule = (subject) => {
  const flags: QualityFlag[] = [];
  const { envelope } = subject.event;
  const missing = requiredOf(subject).filter(([, value]) => blank(value));
  for (const [field] of missing) flags.push(finding('REQUIRED_FIELD_MISSING', 'HARD', field, `${field} is empty`));

  const expectedKind = ENTITY_KIND[subject.kind];
  if (envelope.entity_kind !== expectedKind) {
    flags.push(
      finding(
        'ENTITY_KIND_MISMATCH',
        'HARD',
        'envelope.entity_kind',
        `entity_kind is ${envelope.entity_kind}, a ${subject.kind} event is ${expectedKind}`,
      ),
    );
  }

  if (!blank(envelope.event_id) && !blank(envelope.entity_id) && !blank(envelope.observation)) {
    let expected: string;
    try {
      expected = computeEventId(envelope);
    } catch (error) {
      expected = `unhashable identity (${(error as Error).message})`;
    }
    if (expected !== envelope.event_id) {
      flags.push(
        finding('EVENT_ID_MISMATCH', 'HARD', 'envelope.event_id', `event_id ${envelope.event_id} is not the identity's hash ${expected}`),
      );
    }
  }

  if ((subject.kind === 'post-metrics' || subject.kind === 'account-metrics') && measuredValues(subject).length === 0) {
    flags.push(finding('METRICS_EMPTY', 'HARD', null, 'the snapshot carries no metric at all'));
  }

  if (envelope.platform === 'UNKNOWN') {
    flags.push(finding('PLATFORM_UNKNOWN', 'WARN', 'envelope.platform', 'platform is UNKNOWN (written by a newer producer, or unmapped)'));
  }

  const ownSlot = envelope.platform.toLowerCase();
  for (const [slot, value] of Object.entries(subject.event.extensions)) {
    if (value !== null && slot !== ownSlot) {
      flags.push(
        finding(
          'EXTENSION_PLATFORM_MISMATCH',
          'WARN',
          `extensions.${slot}`,
          `extension slot ${slot} is set on an event of platform ${envelope.platform}`,
        ),
      );
    }
  }

  if (subject.event.enrichment === null) {
    flags.push(finding('ENRICHMENT_MISSING', 'WARN', 'enrichment', 'enrichment is null on an enriched topic; derived rules were skipped'));
  }
  return flags;
};
