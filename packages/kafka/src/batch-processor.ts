// One fetched batch of one partition, from raw records to committed offset. Kept apart from the
// kafkajs wiring (consumer-runtime.ts) so the delivery rules are unit-tested without a broker:
//
// 1. Decode every record with the consumer's reader schema (writer schemas of new ids are
//    fetched first; an unreachable registry is transient). Records that cannot be decoded are
//    poison (SerdeError, stage `deserialize`).
// 2. Walk the batch in offset order as segments: runs of good records (at most maxBatchRecords
//    each) go to the handler; runs of poison go to the dead-letter topic. A segment's offsets are
//    resolved only after its effect is durable: the handler returned (its produce was acked or
//    its insert done) and any dead letters it produced were acknowledged.
// 3. Failures: transient → retried in place with backoff (heartbeating), then the partition is
//    paused and the batch is fetched again later from the first unresolved record; data → the
//    record is dead-lettered (a batch-level data error is narrowed down by handling its records
//    one by one); anything else → the runtime stops without committing.
// 4. Commit the next offset after the last resolved one (the runtime refuses when the partition
//    was revoked or the shutdown deadline passed).
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Link } from '@opentelemetry/api';
import type { DeadLetterStage, OriginalRecord } from './dead-letter.ts';
import { deadLetterRecord, errorCodeOf } from './dead-letter.ts';
import { isRebalanceError } from './kafka-errors.ts';
import type { ConsumedRecord, ProducedRecord } from './records.ts';
import { backoffDelayMs, failureVerdict } from './retry.ts';
import type { RetryPolicy } from './retry.ts';
import type { Decoded, Decoder } from './serde.ts';
import { extractTraceContext } from './trace-headers.ts';
import { readSchemaId } from './wire-format.ts';

export interface HandlerBatch<T> {
  topic: string;
  partition: number;
  /** In offset order; poison records are not among them (they went to the dead-letter topic). */
  records: ConsumedRecord<T>[];
}

export interface HandlerContext {
  /** 1 for the first call with these records, 2 for the first retry, … */
  attempt: number;
  /** Keeps group membership alive during long work; rejects when the group is rebalancing. */
  heartbeat(): Promise<void>;
  /** Aborted when the shutdown deadline passes (the result will not be committed). */
  signal: AbortSignal;
}

export interface RecordRejection<T> {
  record: ConsumedRecord<T>;
  /** Why; its code and message go into the dead letter's headers. */
  error: unknown;
  /** Defaults to the runtime's stage. */
  stage?: DeadLetterStage;
}

/** What a handler may return: records it rejects as bad data (dead-lettered); all others are done. */
export interface HandleOutcome<T> {
  rejected?: RecordRejection<T>[];
}

/**
 * Returns only when the effect of `batch` is durable (produce acknowledged, insert done). Throw
 * a transient TributaryError to be retried, a data error to have the records handled one by one
 * and the failing ones dead-lettered; anything else stops the consumer.
 */
export type BatchHandler<T> = (batch: HandlerBatch<T>, context: HandlerContext) => Promise<HandleOutcome<T> | void>;

export type RuntimeEvent =
  | { type: 'batch'; topic: string; partition: number; received: number; handled: number; deadLettered: number; durationMs: number }
  | { type: 'retry'; topic: string; partition: number; attempt: number; delayMs: number; errorCode: string }
  | { type: 'dead-lettered'; topic: string; partition: number; offset: string; stage: DeadLetterStage; errorCode: string }
  | { type: 'paused'; topic: string; partition: number; resumeInMs: number; errorCode: string }
  | { type: 'resumed'; topic: string; partition: number }
  | { type: 'committed'; topic: string; partition: number; offset: string }
  | { type: 'commit-failed'; topic: string; partition: number; offset: string; errorCode: string }
  | { type: 'assigned'; assignment: Record<string, number[]> }
  | { type: 'fatal'; errorCode: string; message: string }
  | { type: 'stopped'; abandoned: boolean };

export interface TopicConsumeStats {
  /** Records delivered by Kafka (a batch fetched again after a pause counts again). */
  received: number;
  /** Records whose handler call completed. */
  handled: number;
  deadLettered: number;
  /** Retries in place after transient failures. */
  retries: number;
  /** Failed attempts of any stage (decode lookup, handler, dead-letter produce, commit). */
  errors: number;
  commits: number;
}

export function emptyTopicStats(): TopicConsumeStats {
  return { received: 0, handled: 0, deadLettered: 0, retries: 0, errors: 0, commits: 0 };
}

/** What the runtime lets the processor do with the partition. */
export interface PartitionControl {
  /** May new work start on this partition: running, not stopping, not revoked? */
  active(): boolean;
  heartbeat(): Promise<void>;
  /** Waits `ms` while heartbeating; false as soon as the partition is no longer active. */
  sleep(ms: number): Promise<boolean>;
  /** Records up to and including `offset` are durable. */
  resolve(offset: string): void;
  /** Commits `nextOffset`; the runtime skips it when the partition was revoked or abandoned. */
  commit(nextOffset: string): Promise<void>;
  /** Back-pressure after retries in place ran out: pause, fetch again from the first unresolved record later. */
  pause(error: unknown): void;
  /** Stop the whole runtime, committing nothing more. */
  fail(error: unknown): void;
  readonly signal: AbortSignal;
}

export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: OriginalRecord[];
  /** Last offset of the fetched batch, control records included: committed past once all is done. */
  lastOffset: string;
}

export interface BatchProcessorOptions<T> {
  service: string;
  /** Stage named in dead letters the handler causes. */
  stage: DeadLetterStage;
  deadLetterTopic: string;
  decoder: Decoder<T>;
  loadWriterSchemas(ids: Iterable<number>): Promise<void>;
  handler: BatchHandler<T>;
  /** Produces dead letters; resolves when acknowledged. */
  sendDeadLetters(records: ProducedRecord[]): Promise<void>;
  maxBatchRecords: number;
  retry: RetryPolicy;
  heartbeatIntervalMs: number;
  stats: TopicConsumeStats;
  emit(event: RuntimeEvent): void;
  now?: () => Date;
  random?: () => number;
}

export type BatchOutcome = 'done' | 'paused' | 'failed' | 'aborted';

export interface BatchResult {
  outcome: BatchOutcome;
  /** Offset committed (the next one to read), if any. */
  committed?: string;
  handled: number;
  deadLettered: number;
}

interface Poison {
  original: OriginalRecord;
  error: unknown;
  stage: DeadLetterStage;
  attempts: number;
}

type Item<T> = { good: ConsumedRecord<T> } | { poison: Poison };

type Attempt<R> =
  | { ok: true; value: R; attempts: number }
  | { ok: false; verdict: 'exhausted' | 'data' | 'fatal' | 'aborted'; error: unknown; attempts: number };

interface HandledSegment {
  /** How many records, from the start of the segment, have a durable effect. */
  completed: number;
  rejected: Poison[];
  stop?: Attempt<never> & { ok: false };
}

const MAX_SPAN_LINKS = 128;

function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

function toConsumed<T>(original: OriginalRecord, decoded: Decoded<T>): ConsumedRecord<T> {
  return {
    topic: original.topic,
    partition: original.partition,
    offset: original.offset,
    key: original.key === null ? null : original.key.toString('utf8'),
    keyBytes: original.key,
    value: decoded.value,
    schemaId: decoded.schemaId,
    valueBytes: original.value as Buffer,
    headers: original.headers,
    timestamp: original.timestamp,
    traceContext: extractTraceContext(original.headers),
  };
}

function originalOf(record: ConsumedRecord<unknown>): OriginalRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.keyBytes,
    value: record.valueBytes,
    headers: record.headers,
    timestamp: record.timestamp,
  };
}

export async function processPartitionBatch<T>(
  batch: PartitionBatch,
  control: PartitionControl,
  options: BatchProcessorOptions<T>,
): Promise<BatchResult> {
  const started = Date.now();
  const { topic, partition } = batch;
  const { stats, emit } = options;
  const now = options.now ?? (() => new Date());
  let handled = 0;
  let deadLettered = 0;
  let resolved: string | undefined;
  let committedOffset: string | undefined;
  let outcome: BatchOutcome = 'done';

  stats.received += batch.messages.length;

  /** Runs `run` until it succeeds, retrying transient failures in place. Rebalance errors propagate. */
  const attempt = async <R>(run: (attempt: number) => Promise<R>): Promise<Attempt<R>> => {
    for (let count = 1; ; count++) {
      try {
        return { ok: true, value: await run(count), attempts: count };
      } catch (error) {
        if (isRebalanceError(error)) throw error;
        const verdict = failureVerdict(error);
        if (verdict !== 'transient') {
          if (verdict === 'fatal') stats.errors += 1;
          return { ok: false, verdict, error, attempts: count };
        }
        stats.errors += 1;
        if (count >= options.retry.attempts) return { ok: false, verdict: 'exhausted', error, attempts: count };
        const delayMs = backoffDelayMs(count, options.retry, options.random);
        stats.retries += 1;
        emit({ type: 'retry', topic, partition, attempt: count, delayMs, errorCode: errorCodeOf(error) });
        if (!(await control.sleep(delayMs))) return { ok: false, verdict: 'aborted', error, attempts: count };
      }
    }
  };

  const stopWith = (failure: Attempt<unknown> & { ok: false }, dataIsFatal = false): void => {
    if (failure.verdict === 'exhausted') {
      outcome = 'paused';
      control.pause(failure.error);
    } else if (failure.verdict === 'fatal' || (failure.verdict === 'data' && dataIsFatal)) {
      outcome = 'failed';
      control.fail(failure.error);
    } else outcome = 'aborted';
  };

  const deadLetter = async (poison: Poison[]): Promise<boolean> => {
    if (poison.length === 0) return true;
    const failedAt = now();
    const records = poison.map((entry) =>
      deadLetterRecord(
        entry.original,
        { service: options.service, stage: entry.stage, error: entry.error, attempts: entry.attempts, failedAt },
        options.deadLetterTopic,
      ),
    );
    const sent = await attempt(() => options.sendDeadLetters(records));
    if (!sent.ok) {
      // A dead letter the dead-letter topic refuses is not a reason to drop the record: stop.
      stopWith(sent, true);
      return false;
    }
    deadLettered += poison.length;
    stats.deadLettered += poison.length;
    for (const entry of poison) {
      emit({
        type: 'dead-lettered',
        topic,
        partition,
        offset: entry.original.offset,
        stage: entry.stage,
        errorCode: errorCodeOf(entry.error),
      });
    }
    return true;
  };

  const callHandler = async (records: ConsumedRecord<T>[], attemptNumber: number): Promise<HandleOutcome<T> | void> => {
    const links: Link[] = [];
    for (const record of records) {
      if (links.length >= MAX_SPAN_LINKS) break;
      const linked = trace.getSpanContext(record.traceContext);
      if (linked) links.push({ context: linked });
    }
    // One span per handler call; a single record continues its producer's trace, a batch links to them.
    const parent = records.length === 1 ? records[0]!.traceContext : context.active();
    const span = trace.getTracer('@tributary/kafka').startSpan(
      `process ${topic}`,
      {
        kind: SpanKind.CONSUMER,
        links: records.length === 1 ? [] : links,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': topic,
          'messaging.destination.partition.id': String(partition),
          'messaging.batch.message_count': records.length,
          'messaging.consumer.group.name': options.service,
          'tributary.attempt': attemptNumber,
        },
      },
      parent,
    );
    // kafkajs has no background heartbeat: keep the membership alive while the handler works.
    const heartbeats = setInterval(() => {
      control.heartbeat().catch(() => undefined);
    }, options.heartbeatIntervalMs);
    try {
      return await context.with(trace.setSpan(parent, span), () =>
        options.handler(
          { topic, partition, records },
          { attempt: attemptNumber, heartbeat: () => control.heartbeat(), signal: control.signal },
        ),
      );
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      clearInterval(heartbeats);
      span.end();
    }
  };

  const handle = async (records: ConsumedRecord<T>[]): Promise<HandledSegment> => {
    const result = await attempt((count) => callHandler(records, count));
    if (result.ok) {
      const members = new Set<ConsumedRecord<T>>(records);
      const rejected: Poison[] = [];
      for (const rejection of result.value?.rejected ?? []) {
        if (!members.has(rejection.record)) continue; // not one of this batch's records: ignore
        rejected.push({
          original: originalOf(rejection.record),
          error: rejection.error,
          stage: rejection.stage ?? options.stage,
          attempts: result.attempts,
        });
      }
      rejected.sort((a, b) => (BigInt(a.original.offset) < BigInt(b.original.offset) ? -1 : 1));
      return { completed: records.length, rejected };
    }
    if (result.verdict !== 'data') return { completed: 0, rejected: [], stop: result };
    if (records.length === 1) {
      return {
        completed: 1,
        rejected: [{ original: originalOf(records[0]!), error: result.error, stage: options.stage, attempts: result.attempts }],
      };
    }
    // The batch as a whole was refused as bad data: find the records to blame, one at a time.
    let completed = 0;
    const rejected: Poison[] = [];
    for (const record of records) {
      if (!control.active()) return { completed, rejected, stop: { ok: false, verdict: 'aborted', error: undefined, attempts: 0 } };
      const single = await handle([record]);
      rejected.push(...single.rejected);
      if (single.stop) return { completed: completed + single.completed, rejected, stop: single.stop };
      completed += 1;
    }
    return { completed, rejected };
  };

  try {
    if (batch.messages.length === 0 || !control.active()) {
      outcome = batch.messages.length === 0 ? 'done' : 'aborted';
      return { outcome, handled, deadLettered };
    }

    // 1. Decode.
    const ids = new Set<number>();
    for (const message of batch.messages) {
      try {
        ids.add(readSchemaId(message.value));
      } catch {
        // bad framing: found again below, as poison
      }
    }
    const loaded = await attempt(() => options.loadWriterSchemas(ids));
    if (!loaded.ok) {
      stopWith(loaded, true);
      return { outcome, handled, deadLettered };
    }
    const items: Item<T>[] = batch.messages.map((original) => {
      try {
        return { good: toConsumed(original, options.decoder.decodeSync(original.value)) };
      } catch (error) {
        if (failureVerdict(error) !== 'data') throw error;
        return { poison: { original, error, stage: 'deserialize', attempts: 1 } };
      }
    });

    // 2. Segments in offset order.
    let index = 0;
    while (index < items.length) {
      if (!control.active()) {
        outcome = 'aborted';
        break;
      }
      const first = items[index]!;
      if ('poison' in first) {
        const run: Poison[] = [];
        while (index < items.length && 'poison' in items[index]!) run.push((items[index++] as { poison: Poison }).poison);
        if (!(await deadLetter(run))) break;
        resolved = run.at(-1)!.original.offset;
        control.resolve(resolved);
        continue;
      }
      const run: ConsumedRecord<T>[] = [];
      while (index < items.length && run.length < options.maxBatchRecords && 'good' in items[index]!) {
        run.push((items[index++] as { good: ConsumedRecord<T> }).good);
      }
      const segment = await handle(run);
      if (!(await deadLetter(segment.rejected))) break;
      const done = segment.completed - segment.rejected.length;
      handled += done;
      stats.handled += done;
      if (segment.completed > 0) {
        resolved = run[segment.completed - 1]!.offset;
        control.resolve(resolved);
      }
      if (segment.stop) {
        stopWith(segment.stop);
        break;
      }
    }
    if (outcome === 'done' && index >= items.length) {
      resolved = batch.lastOffset; // past trailing control records too
      control.resolve(resolved);
    }
  } finally {
    // 4. Commit what is durable, whatever happened after it.
    if (resolved !== undefined) {
      const offset = nextOffset(resolved);
      const committed = await attempt(() => control.commit(offset));
      if (committed.ok) {
        committedOffset = offset;
        stats.commits += 1;
        emit({ type: 'committed', topic, partition, offset });
      } else {
        // Offsets stay resolved: the next commit of this partition covers them; a crash before
        // it means those records are processed again (at-least-once).
        emit({ type: 'commit-failed', topic, partition, offset, errorCode: errorCodeOf(committed.error) });
      }
    }
    emit({ type: 'batch', topic, partition, received: batch.messages.length, handled, deadLettered, durationMs: Date.now() - started });
  }
  return { outcome, ...(committedOffset !== undefined ? { committed: committedOffset } : {}), handled, deadLettered };
}
