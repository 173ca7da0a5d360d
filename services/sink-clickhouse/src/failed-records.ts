// Quarantine records and dead letters → the facts of a `quarantine` row (quarantineRow in
// @tributary/clickhouse). Two kinds of source topic:
// - social.quarantine.<type>: the event itself (its schema, `quality` set) with the
//   tributary-quarantine-* headers (QUARANTINE_HEADERS); stage 'quality';
// - dlq.<service>: the original bytes, whatever they are, with the tributary-dlq-* headers
//   (DLQ_HEADERS); stage from the stage header.
// A record lands with what is known: a missing header is an unknown column, an undecodable value
// still lands its bytes. Only the header names and the event's envelope are read here.
import { LANDING_TABLES } from '@tributary/clickhouse';
import type { FailedRecordFacts, LandedSchemaName } from '@tributary/clickhouse';
import { TributaryError } from '@tributary/errors';
import { TOPICS } from '@tributary/events';
import type { QualityAssessment } from '@tributary/events';
import { DLQ_HEADERS, QUARANTINE_HEADERS, headerText } from '@tributary/kafka';
import type { OriginalRecord } from '@tributary/kafka';

export const QUARANTINE_TOPIC_PREFIX = 'social.quarantine.';
/** The catalogue's naming rule for dead-letter topics: dlq.<service>. */
export const DEAD_LETTER_TOPIC_PREFIX = 'dlq.';

export type FailedRecordKind = 'quarantined' | 'dead-letter';

export interface FailedTopicEntry {
  topic: string;
  kind: FailedRecordKind;
  /** The value schema of a quarantine topic; dead letters carry any bytes. */
  schema: LandedSchemaName | undefined;
}

/** Every quarantine and dead-letter topic of the catalogue (the default of sink.quarantineTopics). */
export function catalogueFailedTopics(): string[] {
  return Object.keys(TOPICS).filter((topic) => topic.startsWith(QUARANTINE_TOPIC_PREFIX) || topic.startsWith(DEAD_LETTER_TOPIC_PREFIX));
}

/**
 * `topic` or `topic=<schema>` of sink.quarantineTopics. A dlq.* topic holds dead letters; any other
 * topic holds quarantined events of the schema named, or of its catalogue value schema.
 */
export function parseFailedTopicEntry(entry: string): FailedTopicEntry {
  const [topic, explicit] = entry.split('=').map((part) => part.trim());
  if (topic?.startsWith(DEAD_LETTER_TOPIC_PREFIX) && !explicit) return { topic, kind: 'dead-letter', schema: undefined };
  const schema = explicit || (topic && topic in TOPICS ? TOPICS[topic as keyof typeof TOPICS].valueSchema : undefined);
  if (!topic || topic.startsWith(DEAD_LETTER_TOPIC_PREFIX) || !schema || !(schema in LANDING_TABLES))
    throw new TributaryError('SINK_QUARANTINE_TOPIC_UNKNOWN', `Cannot land quarantine topic entry "${entry}".`, {
      failureType: 'config',
      hint: `Use a dlq.<service> topic (no schema), a social.quarantine.* topic of the catalogue, or "topic=<schema>" with one of ${Object.keys(LANDING_TABLES).join(', ')}.`,
    });
  return { topic, kind: 'quarantined', schema: schema as LandedSchemaName };
}

/** What the sink reads of a decoded event (every canonical event has an envelope; Deletion no quality). */
export interface DecodedFailedEvent {
  value: {
    envelope: { event_id: string; platform: string; traceparent: string | null };
    quality?: QualityAssessment | null;
  };
  schemaId: number;
}

const TRACEPARENT_HEADER = 'traceparent';

function commonFacts(record: OriginalRecord, event: DecodedFailedEvent | undefined) {
  return {
    originKey: record.key,
    event: event && { eventId: event.value.envelope.event_id, platform: event.value.envelope.platform, schemaId: event.schemaId },
    traceparent: headerText(record.headers, TRACEPARENT_HEADER) ?? event?.value.envelope.traceparent ?? undefined,
    payload: record.value,
    source: { topic: record.topic, partition: record.partition, offset: record.offset, timestampMs: record.timestamp },
  };
}

/**
 * A record of social.quarantine.*: reasons from its header (or, without one, the codes of its HARD
 * flags), the HARD flags' details (or codes, for flags without one) as the message.
 */
export function quarantinedFacts(record: OriginalRecord, event: DecodedFailedEvent | undefined): FailedRecordFacts {
  const header = (name: keyof typeof QUARANTINE_HEADERS): string | undefined => headerText(record.headers, QUARANTINE_HEADERS[name]);
  const hard = (event?.value.quality?.flags ?? []).filter((flag) => flag.severity === 'HARD');
  const reasons = header('reasons');
  return {
    stage: 'quality',
    service: header('service'),
    reasonCodes: reasons === undefined ? hard.map((flag) => flag.code) : reasons.split(',').map((code) => code.trim()),
    errorMessage: hard.map((flag) => flag.detail ?? flag.code).join('; '),
    failedAt: header('quarantinedAt'),
    originTopic: header('originTopic'),
    originPartition: header('originPartition'),
    originOffset: header('originOffset'),
    originTimestamp: header('originTimestamp'),
    ...commonFacts(record, event),
  };
}

/** A record of dlq.<service>: the error context of its tributary-dlq-* headers. */
export function deadLetterFacts(record: OriginalRecord, event: DecodedFailedEvent | undefined): FailedRecordFacts {
  const header = (name: keyof typeof DLQ_HEADERS): string | undefined => headerText(record.headers, DLQ_HEADERS[name]);
  const code = header('errorCode');
  return {
    stage: header('stage'),
    service: header('service'),
    reasonCodes: code === undefined ? [] : [code],
    errorClass: header('errorClass'),
    errorMessage: header('errorMessage'),
    attempts: header('attempts'),
    failedAt: header('failedAt'),
    originTopic: header('originTopic'),
    originPartition: header('originPartition'),
    originOffset: header('originOffset'),
    originTimestamp: header('originTimestamp'),
    ...commonFacts(record, event),
  };
}

/**
 * The schemas to try a dead letter's value with, most likely first: the value schema of its origin
 * topic (when the catalogue knows it), then every canonical event.
 */
export function deadLetterSchemas(record: OriginalRecord): LandedSchemaName[] {
  const origin = headerText(record.headers, DLQ_HEADERS.originTopic);
  const known = origin !== undefined && origin in TOPICS ? TOPICS[origin as keyof typeof TOPICS].valueSchema : null;
  const all = Object.keys(LANDING_TABLES) as LandedSchemaName[];
  return known !== null && known in LANDING_TABLES ? [known as LandedSchemaName, ...all.filter((schema) => schema !== known)] : all;
}
