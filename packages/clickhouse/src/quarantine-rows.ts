// Failed records → rows of the `quarantine` table (schemas/clickhouse/migrations/0006): records a
// hard quality rule quarantined (social.quarantine.*, stage 'quality') and dead letters
// (dlq.<service>, stage deserialize | transform | sink). The column contract:
// - origin_* name the record that failed; source_* the quarantine/DLQ record the row was read from;
// - payload is the original value bytes, sent base64-encoded in the EPHEMERAL column
//   payload_base64 — so the INSERT must name its columns (QUARANTINE_INSERT_COLUMNS);
// - the mapping is total and deterministic: whatever a failed record lacks or carries malformed
//   (a missing header, an offset that is not a number, a time outside DateTime64) becomes the
//   column's "unknown" value ('' / -1 / NULL / the source record's own time) instead of an
//   error, because a failed record must never fail again on its way into the table, and a
//   re-formed batch must map to the same rows (docs/adr/0016).
import { toDateTime64, traceIdOf } from './landing-rows.ts';
import type { LandingRow } from './landing-rows.ts';

export const QUARANTINE_TABLE = 'quarantine';

/** The columns a quarantine row may carry, in table order (an INSERT names them all). */
export const QUARANTINE_INSERT_COLUMNS = [
  'failed_at',
  'stage',
  'service',
  'origin_topic',
  'origin_partition',
  'origin_offset',
  'origin_key',
  'origin_timestamp',
  'event_id',
  'platform',
  'schema_id',
  'reason_codes',
  'error_class',
  'error_message',
  'attempts',
  'payload_base64',
  'trace_id',
  'source_topic',
  'source_partition',
  'source_offset',
] as const satisfies readonly [string, ...string[]];

/** What is known about a failed record; anything left undefined lands as the column's "unknown". */
export interface FailedRecordFacts {
  /** 'quality' for a quarantined record; deserialize | transform | sink for a dead letter. */
  stage: string | undefined;
  /** The service that quarantined or dead-lettered it. */
  service: string | undefined;
  reasonCodes: readonly string[];
  errorClass?: string | undefined;
  errorMessage?: string | undefined;
  /** Text as carried in a header; 1 unless it is a positive integer. */
  attempts?: string | undefined;
  /** ISO 8601 (as carried in a header); when missing or unusable, the source record's timestamp. */
  failedAt: string | undefined;
  originTopic: string | undefined;
  /** Decimal text as carried in headers; -1 when missing or malformed. */
  originPartition: string | undefined;
  originOffset: string | undefined;
  /** Epoch milliseconds as decimal text; NULL when missing or malformed. */
  originTimestamp: string | undefined;
  /** The failed record's key (quarantine records and dead letters keep the original key). */
  originKey: Buffer | null;
  /** What the value decoded to, if it did. */
  event: { eventId: string; platform: string; schemaId: number } | undefined;
  /** W3C traceparent of the failed record (its header, else its envelope's); '' when unknown. */
  traceparent: string | undefined;
  /** The original value bytes (null: a tombstone). */
  payload: Buffer | null;
  /** The quarantine/DLQ record itself. */
  source: { topic: string; partition: number; offset: string | number | bigint; timestampMs: number };
}

const INT32_MAX = 2 ** 31 - 1;
const INT64_TEXT = /^(0|-?[1-9][0-9]{0,18})$/;
const UINT32_MAX = 2 ** 32 - 1;

function int32(text: string | undefined): number {
  if (text === undefined || !/^(0|[1-9][0-9]{0,9})$/.test(text.trim())) return -1;
  const value = Number(text.trim());
  return value <= INT32_MAX ? value : -1;
}

function int64(text: string | undefined): string {
  const trimmed = text?.trim() ?? '';
  if (!INT64_TEXT.test(trimmed)) return '-1';
  const value = BigInt(trimmed);
  return value >= -(2n ** 63n) && value < 2n ** 63n ? trimmed : '-1';
}

/** A DateTime64 literal, or undefined when `ms` is not a time ClickHouse can store. */
function dateTime(ms: number): string | undefined {
  try {
    return toDateTime64(ms, 'failed record time');
  } catch {
    return undefined;
  }
}

function epochText(text: string | undefined): string | undefined {
  const trimmed = text?.trim() ?? '';
  return /^-?[0-9]{1,16}$/.test(trimmed) ? dateTime(Number(trimmed)) : undefined;
}

function isoText(text: string | undefined): string | undefined {
  const ms = text === undefined || text.trim() === '' ? Number.NaN : Date.parse(text);
  return Number.isFinite(ms) ? dateTime(ms) : undefined;
}

function attemptsOf(text: string | undefined): number | undefined {
  const trimmed = text?.trim() ?? '';
  if (!/^[1-9][0-9]{0,9}$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return value <= UINT32_MAX ? value : undefined;
}

/** The quarantine row of a failed record (columns of QUARANTINE_INSERT_COLUMNS; never throws for bad facts). */
export function quarantineRow(facts: FailedRecordFacts): LandingRow {
  const sourceTime = dateTime(facts.source.timestampMs) ?? toDateTime64(0, 'epoch');
  const schemaId = facts.event?.schemaId;
  return {
    failed_at: isoText(facts.failedAt) ?? sourceTime,
    stage: facts.stage ?? '',
    service: facts.service ?? '',
    origin_topic: facts.originTopic ?? '',
    origin_partition: int32(facts.originPartition),
    origin_offset: int64(facts.originOffset),
    origin_key: facts.originKey?.toString('utf8') ?? '',
    origin_timestamp: epochText(facts.originTimestamp) ?? null,
    event_id: facts.event?.eventId ?? '',
    platform: facts.event?.platform ?? '',
    schema_id: schemaId !== undefined && Number.isInteger(schemaId) && schemaId >= 0 && schemaId <= UINT32_MAX ? schemaId : null,
    reason_codes: facts.reasonCodes.filter((code) => code !== ''),
    error_class: facts.errorClass ?? '',
    error_message: facts.errorMessage ?? '',
    attempts: attemptsOf(facts.attempts) ?? 1,
    payload_base64: facts.payload?.toString('base64') ?? '',
    trace_id: traceIdOf(facts.traceparent),
    source_topic: facts.source.topic,
    source_partition: facts.source.partition,
    source_offset: String(facts.source.offset),
  };
}
