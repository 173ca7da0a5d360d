// The exactly-once protocol of the ClickHouse sink (docs/adr/0016), as pure functions:
// - the in-flight marker stored in the consumer group's committed-offset metadata;
// - the insert_deduplication_token of a range;
// - per-partition batch cutting by rows, bytes and time (and "exactly this range" after a crash);
// - the recovery decision on assignment: committed offset + metadata → re-form or normal.
// Offsets are bigint here; Kafka clients carry them as decimal strings.

export const MARKER_PREFIX = 'tributary.sink/v1 inflight ';

export interface OffsetRange {
  first: bigint;
  last: bigint;
}

/** Metadata committed with offset `first` before the INSERT of [first, last]. */
export function formatInflightMarker(range: OffsetRange): string {
  if (range.first < 0n || range.last < range.first) throw new RangeError(`Invalid range ${range.first}-${range.last}.`);
  return `${MARKER_PREFIX}${range.first}-${range.last}`;
}

/** The range named by a marker; undefined for empty, foreign or malformed metadata. */
export function parseInflightMarker(metadata: string | null | undefined): OffsetRange | undefined {
  if (!metadata?.startsWith(MARKER_PREFIX)) return undefined;
  const match = /^(0|[1-9][0-9]{0,18})-(0|[1-9][0-9]{0,18})$/.exec(metadata.slice(MARKER_PREFIX.length));
  if (!match) return undefined;
  const first = BigInt(match[1]!);
  const last = BigInt(match[2]!);
  return last >= first ? { first, last } : undefined;
}

/** One token per (table, topic, partition, range): a retry of the same range is a no-op in ClickHouse. */
export function dedupToken(table: string, topic: string, partition: number, range: OffsetRange): string {
  return `${table}:${topic}:${partition}:${range.first}-${range.last}`;
}

export type RecoveryDecision =
  | { kind: 'normal'; reason: string }
  /** The next batch of the partition is exactly [first, last], inserted with its token. */
  | { kind: 'reform'; range: OffsetRange };

/**
 * What to do with a partition on assignment, from its committed offset (null: none) and metadata.
 * Only a marker whose range starts at the committed offset is in flight: a marker left at any
 * other position (offsets reset by an operator, a foreign tool) is ignored.
 */
export function recoveryDecision(committedOffset: string | null, metadata: string | null | undefined): RecoveryDecision {
  if (!metadata) return { kind: 'normal', reason: 'no metadata' };
  const range = parseInflightMarker(metadata);
  if (!range) return { kind: 'normal', reason: `metadata is not an in-flight marker: ${JSON.stringify(metadata.slice(0, 80))}` };
  if (committedOffset === null || !/^[0-9]+$/.test(committedOffset))
    return { kind: 'normal', reason: `marker without a committed offset (${String(committedOffset)})` };
  if (BigInt(committedOffset) !== range.first)
    return { kind: 'normal', reason: `marker ${range.first}-${range.last} does not start at the committed offset ${committedOffset}` };
  return { kind: 'reform', range };
}

export interface BatchLimits {
  maxBatchRows: number;
  maxBatchBytes: number;
  maxBatchWaitMs: number;
}

/** What the cutter needs of a buffered record. */
export interface BufferedRecord {
  offset: bigint;
  sizeBytes: number;
}

export interface CutInput {
  /** Buffered records of one partition, in offset order. */
  pending: readonly BufferedRecord[];
  limits: BatchLimits;
  /** When the oldest pending record was buffered (ms). */
  oldestAt: number | undefined;
  now: number;
  /** A range to re-form (recovery), if any. */
  forced: OffsetRange | undefined;
  /** Offset of the next record the partition will have (high watermark), if known. */
  highWatermark: bigint | undefined;
  /** Shutting down: flush whatever is buffered. */
  draining: boolean;
}

export type Cut =
  | { ready: false }
  /** Take pending[0 .. count) as the batch [range.first, range.last]. */
  | { ready: true; count: number; range: OffsetRange; reason: 'rows' | 'bytes' | 'time' | 'drain' | 'reform' };

/**
 * Whether a batch is ready and which records it takes. Normal batches take records up to
 * maxBatchRows and maxBatchBytes (at least one record) and are ready when either limit is
 * reached, the oldest record waited maxBatchWaitMs, or on drain. A forced range takes exactly
 * the records of [first, last] and is ready once the partition has been read past `last` (or to
 * its end, when the tail of the range no longer exists); it ignores the limits, which may have
 * changed since the range was formed.
 */
export function cutBatch(input: CutInput): Cut {
  const { pending, limits, forced } = input;
  if (pending.length === 0) return { ready: false };
  if (forced) {
    let count = 0;
    while (count < pending.length && pending[count]!.offset <= forced.last) count += 1;
    const lastSeen = pending[pending.length - 1]!.offset;
    const pastEnd = lastSeen >= forced.last || (input.highWatermark !== undefined && lastSeen + 1n >= input.highWatermark);
    if (!pastEnd || count === 0) return { ready: false };
    return { ready: true, count, range: { first: forced.first, last: forced.last }, reason: 'reform' };
  }
  let count = 0;
  let bytes = 0;
  let reason: 'rows' | 'bytes' | undefined;
  while (count < pending.length) {
    const size = pending[count]!.sizeBytes;
    if (count > 0 && bytes + size > limits.maxBatchBytes) {
      reason = 'bytes';
      break;
    }
    count += 1;
    bytes += size;
    if (count >= limits.maxBatchRows) {
      reason = 'rows';
      break;
    }
    if (bytes >= limits.maxBatchBytes) {
      reason = 'bytes';
      break;
    }
  }
  const range = { first: pending[0]!.offset, last: pending[count - 1]!.offset };
  if (reason) return { ready: true, count, range, reason };
  if (input.draining) return { ready: true, count, range, reason: 'drain' };
  if (input.oldestAt !== undefined && input.now - input.oldestAt >= limits.maxBatchWaitMs)
    return { ready: true, count, range, reason: 'time' };
  return { ready: false };
}

/** Buffered beyond this, the partition is paused until a flush makes room (bounded memory). */
export function overBufferLimit(rows: number, bytes: number, limits: BatchLimits): boolean {
  return rows >= 2 * limits.maxBatchRows || bytes >= 2 * limits.maxBatchBytes;
}

export type InsertFailure = 'transient' | 'data' | 'fatal';

// ClickHouse error codes (src/Common/ErrorCodes.cpp) for which a retry of the same insert can succeed.
const TRANSIENT_CODES = new Set([
  159, // TIMEOUT_EXCEEDED
  164, // READONLY
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  439, // CANNOT_SCHEDULE_TASK
  999, // KEEPER_EXCEPTION
]);

// Codes that blame the inserted data: some row cannot be stored as it is.
const DATA_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  457, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE (newer numbering)
  469, // VIOLATED_CONSTRAINT: a table CHECK refuses the row
]);

const TRANSIENT_NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/**
 * How an INSERT failure is handled: transient → same range, same token, after a backoff;
 * data → find the rows ClickHouse refuses and dead-letter them; fatal → stop the sink.
 * `error` is what @clickhouse/client threw (ClickHouseError with a numeric `code` string, a
 * Node network error, or its timeout error); `status` the HTTP status if known.
 */
export function classifyInsertFailure(error: unknown): InsertFailure {
  const err = error as { code?: unknown; message?: unknown; cause?: unknown; type?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : typeof err?.code === 'number' ? String(err.code) : '';
  if (/^[0-9]+$/.test(code)) {
    const numeric = Number(code);
    if (TRANSIENT_CODES.has(numeric)) return 'transient';
    if (DATA_CODES.has(numeric)) return 'data';
    return 'fatal';
  }
  if (TRANSIENT_NETWORK.has(code)) return 'transient';
  const message = typeof err?.message === 'string' ? err.message : String(error);
  if (/timeout|socket hang up|ECONNREFUSED|ECONNRESET|other side closed|fetch failed/i.test(message)) return 'transient';
  // An HTTP 5xx from a proxy or load balancer without a ClickHouse code.
  if (/\b(502|503|504)\b/.test(message) || /bad gateway|service unavailable/i.test(message)) return 'transient';
  if (err?.cause !== undefined && err.cause !== error) return classifyInsertFailure(err.cause);
  return 'fatal';
}

/** A row to insert and the offset of the Kafka record it comes from. */
export interface OffsetRow<Row> {
  offset: string;
  row: Row;
}

/**
 * Inserts `rows` under `token`; when ClickHouse refuses the data (classifyInsertFailure →
 * 'data'), halves the rows, each half under `<token>/<first offset>-<last offset>`, down to the
 * single rows it refuses, which are returned with their errors. Other failures are thrown.
 * Deterministic for the same rows: a re-formed range repeats the same inserts with the same
 * tokens, so the halves that were stored before a crash de-duplicate. Assumes a refused INSERT
 * stored nothing, which holds while a batch is one block per ClickHouse partition (far below
 * max_insert_block_size rows).
 */
export async function insertIsolating<Row>(
  insert: (rows: Row[], token: string) => Promise<void>,
  rows: readonly OffsetRow<Row>[],
  token: string,
): Promise<{ entry: OffsetRow<Row>; error: unknown }[]> {
  if (rows.length === 0) return [];
  try {
    await insert(
      rows.map((entry) => entry.row),
      token,
    );
    return [];
  } catch (error) {
    if (classifyInsertFailure(error) !== 'data') throw error;
    if (rows.length === 1) return [{ entry: rows[0]!, error }];
    const middle = Math.ceil(rows.length / 2);
    const refused: { entry: OffsetRow<Row>; error: unknown }[] = [];
    for (const half of [rows.slice(0, middle), rows.slice(middle)]) {
      refused.push(...(await insertIsolating(insert, half, `${token}/${half[0]!.offset}-${half[half.length - 1]!.offset}`)));
    }
    return refused;
  }
}

/**
 * Rows as JSONCompactEachRow: the union of the rows' columns in first-seen order, and each row as
 * an array in that order with null where a row has no value. Rows leave out unset extension
 * slots; ClickHouse stores a null in a non-Nullable column as the column default
 * (input_format_null_as_default, on by default and set explicitly by the sink), the same as an
 * omitted key in JSONEachRow. Deterministic for the same rows, so a re-formed range sends the same body.
 */
export function compactRows(rows: readonly Record<string, unknown>[]): { columns: [string, ...string[]]; values: unknown[][] } {
  const index = new Map<string, number>();
  for (const row of rows) for (const column of Object.keys(row)) if (!index.has(column)) index.set(column, index.size);
  const columns = [...index.keys()];
  if (columns.length === 0) throw new Error('compactRows: no columns in the rows');
  const values = rows.map((row) => {
    const array: unknown[] = new Array(columns.length).fill(null);
    for (const [column, value] of Object.entries(row)) array[index.get(column)!] = value ?? null;
    return array;
  });
  return { columns: columns as [string, ...string[]], values };
}
