// sink-clickhouse: social.curated.* → ClickHouse landing tables, exactly once per Kafka record.
//
// Per partition (docs/adr/0016), for each batch [first, last]:
//   1. commit offset `first` with metadata "tributary.sink/v1 inflight <first>-<last>";
//   2. INSERT its rows with insert_deduplication_token "<table>:<topic>:<partition>:<first>-<last>";
//      dead letters of the range (undecodable records, rows ClickHouse refuses) are acknowledged;
//   3. commit offset `last + 1` with empty metadata.
// On assignment, a marker that starts at the committed offset makes the next batch exactly that
// range again, with the same token: ClickHouse acknowledges it without storing it twice.
//
// Failures: ClickHouse down or slow (connection refused, timeouts, 5xx, TOO_MANY_PARTS) and Kafka
// hiccups pause the partition and retry the SAME range with the SAME token with backoff, forever;
// nothing is dead-lettered for a transient reason, and a paused partition stops fetching, so
// memory stays bounded (at most 2 × the batch limits buffered per partition plus one fetch).
// Data errors go to dlq.sink-clickhouse with their original bytes. Anything unclassified (unknown
// table, authentication, a bug) stops the sink without committing past the range.
//
// Quarantine and dead-letter topics (sink.quarantineTopics) land in the `quarantine` table by the
// same protocol, one row per record, whatever the record holds (failed-records.ts): an
// undecodable value or a missing header is never a reason to dead-letter a failed record. A row
// ClickHouse refuses is dead-lettered like any other, except when it was read from the sink's own
// dead-letter topic: then it is logged and skipped (it stays in that topic), so nothing loops.
import type { ClickHouseClient } from '@tributary/clickhouse';
import { LANDING_TABLES, QUARANTINE_INSERT_COLUMNS, QUARANTINE_TABLE, landingRow, quarantineRow } from '@tributary/clickhouse';
import type { LandedSchemaName, LandingRow } from '@tributary/clickhouse';
import type { KafkaSettings, RegistrySettings } from '@tributary/config';
import { TributaryError, isTributaryError } from '@tributary/errors';
import { EVENT_SCHEMAS, TOPICS } from '@tributary/events';
import type { EventTypes } from '@tributary/events';
import {
  StaleGenerationError,
  backoffDelayMs,
  createProducer,
  createSerde,
  deadLetterRecord,
  failureVerdict,
  isSerdeError,
  startRangeConsumer,
} from '@tributary/kafka';
import type { AvroSchema, DeadLetterStage, Decoder, PartitionRun, Producer, RangeRecord, Serde } from '@tributary/kafka';
import type { Logger } from '@tributary/telemetry';
import {
  classifyInsertFailure,
  cutBatch,
  dedupToken,
  compactRows,
  formatInflightMarker,
  insertIsolating,
  overBufferLimit,
  recoveryDecision,
} from './protocol.ts';
import type { BatchLimits, OffsetRange } from './protocol.ts';
import { deadLetterFacts, deadLetterSchemas, parseFailedTopicEntry, quarantinedFacts } from './failed-records.ts';
import type { DecodedFailedEvent, FailedRecordKind } from './failed-records.ts';
import { SERVICE } from './spec.ts';
import type { SinkOptions } from './spec.ts';

export interface SinkDependencies {
  options: SinkOptions;
  kafka: KafkaSettings;
  registry: RegistrySettings | Serde;
  clickhouse: ClickHouseClient;
  logger: Logger;
  /** Test hook: called instead of process.kill(process.pid, 'SIGKILL') at the crash point. */
  crash?: (point: string) => void;
}

export interface SinkStats {
  batches: number;
  rows: number;
  deadLetters: number;
  /** Rows of the sink's own dead-letter topic that ClickHouse refused: skipped, not dead-lettered again. */
  skipped: number;
  retries: number;
  reformed: number;
}

export interface Sink {
  stats(): SinkStats;
  /** Rejects when the sink stopped on a fatal error. */
  readonly done: Promise<void>;
  /** Inserts and commits what is buffered (within timeoutMs), then leaves the group. */
  stop(timeoutMs?: number): Promise<void>;
}

type TopicRoute =
  | { kind: 'landing'; topic: string; schema: LandedSchemaName; table: string; decoder: Decoder<unknown> }
  /** Quarantined events of one schema, or dead letters (decoder undefined: tried with every canonical schema). */
  | { kind: FailedRecordKind; topic: string; table: typeof QUARANTINE_TABLE; decoder: Decoder<unknown> | undefined };

interface PartitionState {
  key: string;
  topic: string;
  partition: number;
  generation: number;
  pending: RangeRecord[];
  arrivals: number[];
  pendingBytes: number;
  forced: OffsetRange | undefined;
  highWatermark: bigint | undefined;
  flushing: boolean;
  bufferPaused: boolean;
  retryPaused: boolean;
  dead: boolean;
}

/** `topic` or `topic=<schema>` → the route of a topic. */
export function parseTopicEntry(entry: string): { topic: string; schema: LandedSchemaName } {
  const [topic, explicit] = entry.split('=').map((part) => part.trim());
  const schema = explicit || (topic && topic in TOPICS ? TOPICS[topic as keyof typeof TOPICS].valueSchema : undefined);
  if (!topic || !schema || !(schema in LANDING_TABLES))
    throw new TributaryError(
      'SINK_TOPIC_UNKNOWN',
      `Cannot land topic entry "${entry}": no landing table for its value schema (${String(schema)}).`,
      {
        failureType: 'config',
        hint: `Use a social.curated.* topic of the catalogue or "topic=<schema>" with one of ${Object.keys(LANDING_TABLES).join(', ')}.`,
      },
    );
  return { topic, schema: schema as LandedSchemaName };
}

class ClickHouseInsertError extends Error {
  readonly failure: 'transient' | 'data' | 'fatal';
  constructor(cause: unknown) {
    super(`INSERT failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'ClickHouseInsertError';
    this.failure = classifyInsertFailure(cause);
  }
}

interface Rejected {
  record: RangeRecord;
  error: unknown;
  stage: DeadLetterStage;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export async function startSink(deps: SinkDependencies): Promise<Sink> {
  const { options, logger, clickhouse } = deps;
  const limits: BatchLimits = {
    maxBatchRows: options.maxBatchRows,
    maxBatchBytes: options.maxBatchBytes,
    maxBatchWaitMs: options.maxBatchWaitMs,
  };
  const serde: Serde = 'load' in deps.registry ? deps.registry : createSerde(deps.registry);
  const routes = new Map<string, TopicRoute>();
  const decoders = new Map<LandedSchemaName, Decoder<unknown>>();
  const decoderOf = (schema: LandedSchemaName): Decoder<unknown> => {
    let decoder = decoders.get(schema);
    if (!decoder) decoders.set(schema, (decoder = serde.decoder(EVENT_SCHEMAS[schema].schema as AvroSchema)));
    return decoder;
  };
  const addRoute = (route: TopicRoute): void => {
    if (routes.has(route.topic))
      throw new TributaryError('SINK_TOPIC_TWICE', `Topic ${route.topic} is named twice in sink.topics and sink.quarantineTopics.`, {
        failureType: 'config',
        hint: 'Land each topic once: curated topics in sink.topics, quarantine and dead-letter topics in sink.quarantineTopics.',
      });
    routes.set(route.topic, route);
  };
  for (const entry of options.topics) {
    const { topic, schema } = parseTopicEntry(entry);
    addRoute({ kind: 'landing', topic, schema, table: LANDING_TABLES[schema], decoder: decoderOf(schema) });
  }
  for (const entry of (options.quarantineTopics ?? []).filter((text) => text.trim() !== '')) {
    const { topic, kind, schema } = parseFailedTopicEntry(entry);
    addRoute({ kind, topic, table: QUARANTINE_TABLE, decoder: schema === undefined ? undefined : decoderOf(schema) });
  }
  const stats: SinkStats = { batches: 0, rows: 0, deadLetters: 0, skipped: 0, retries: 0, reformed: 0 };
  const states = new Map<string, PartitionState>();
  const locks = new Map<string, Promise<void>>();
  const abort = new AbortController();
  let stopping = false;
  let draining = false;
  let fatal: unknown;
  let settle!: { resolve: () => void; reject: (error: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined);
  let batchNumber = 0;

  const producer: Producer = await createProducer({ kafka: deps.kafka, logger, clientName: `${SERVICE}-dlq` });
  // `consumer` is declared once startRangeConsumer returns; kafkajs may hand over runs before
  // that, so onRun waits for it.
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const crash = (point: string): void => {
    logger.warn({ point, batch: batchNumber }, 'TEST crash point reached: SIGKILL.');
    if (deps.crash) deps.crash(point);
    else process.kill(process.pid, 'SIGKILL');
  };

  const fail = (error: unknown): void => {
    if (fatal !== undefined) return;
    fatal = error;
    logger.fatal({ err: error }, 'Sink stopped on an error it cannot retry; nothing was committed past the failed range.');
    abort.abort();
    void shutdown(0).then(() => settle.reject(error));
  };

  const live = (state: PartitionState): boolean => !state.dead && state.generation === consumer.generation() && fatal === undefined;

  async function decodeRange(
    route: TopicRoute,
    records: RangeRecord[],
  ): Promise<{ rows: { row: LandingRow; record: RangeRecord }[]; rejected: Rejected[] }> {
    const rows: { row: LandingRow; record: RangeRecord }[] = [];
    const rejected: Rejected[] = [];
    if (route.kind !== 'landing') {
      for (const record of records) {
        const event = await decodeFailed(route.decoder, record);
        const facts = route.kind === 'quarantined' ? quarantinedFacts(record, event) : deadLetterFacts(record, event);
        rows.push({ row: quarantineRow(facts), record });
      }
      return { rows, rejected };
    }
    for (const record of records) {
      let stage: DeadLetterStage = 'deserialize';
      try {
        const decoded = await route.decoder.decode(record.value);
        stage = 'transform';
        const { row } = landingRow(route.schema, decoded.value as EventTypes[LandedSchemaName], {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          schemaId: decoded.schemaId,
        });
        rows.push({ row, record });
      } catch (error) {
        if (isSerdeError(error) || failureVerdict(error) === 'data') rejected.push({ record, error, stage });
        else throw error;
      }
    }
    return { rows, rejected };
  }

  /**
   * A failed record's value as an event, or undefined when it is not one (bad framing, unknown or
   * foreign schema, a tombstone). Registry outages are thrown: the range is retried, so a row
   * never lacks its event only because the registry was briefly away.
   */
  async function decodeFailed(decoder: Decoder<unknown> | undefined, record: RangeRecord): Promise<DecodedFailedEvent | undefined> {
    const candidates = decoder ? [decoder] : deadLetterSchemas(record).map(decoderOf);
    for (const candidate of candidates) {
      try {
        return (await candidate.decode(record.value)) as DecodedFailedEvent;
      } catch (error) {
        if (!isSerdeError(error)) throw error;
        // Another schema can only help when this one was the wrong reader.
        if (error.code !== 'SERDE_INCOMPATIBLE') return undefined;
      }
    }
    return undefined;
  }

  async function insert(table: string, rows: LandingRow[], token: string): Promise<void> {
    const clickhouse_settings = { insert_deduplicate: 1, insert_deduplication_token: token, async_insert: 0 } as const;
    if (options.insertFormat === 'JSONCompactEachRow') {
      const { columns, values } = compactRows(rows);
      await clickhouse.insert({
        table,
        columns,
        values,
        format: 'JSONCompactEachRow',
        clickhouse_settings: { ...clickhouse_settings, input_format_null_as_default: 1 },
      });
    } else if (table === QUARANTINE_TABLE)
      // Named columns: ClickHouse reads the EPHEMERAL payload_base64 only when the INSERT names it.
      await clickhouse.insert({ table, values: rows, columns: [...QUARANTINE_INSERT_COLUMNS], format: 'JSONEachRow', clickhouse_settings });
    else await clickhouse.insert({ table, values: rows, format: 'JSONEachRow', clickhouse_settings });
  }

  /** The batch's rows under its token; rows ClickHouse refuses come back as dead letters (stage sink). */
  async function insertRange(table: string, rows: { row: LandingRow; record: RangeRecord }[], token: string): Promise<Rejected[]> {
    const byOffset = new Map(rows.map((entry) => [entry.record.offset, entry.record]));
    try {
      const refused = await insertIsolating(
        (batch: LandingRow[], batchToken: string) => insert(table, batch, batchToken),
        rows.map((entry) => ({ offset: entry.record.offset, row: entry.row })),
        token,
      );
      return refused.map(({ entry, error }) => ({ record: byOffset.get(entry.offset)!, error, stage: 'sink' as const }));
    } catch (error) {
      throw new ClickHouseInsertError(error);
    }
  }

  async function attempt(
    state: PartitionState,
    route: TopicRoute,
    records: RangeRecord[],
    range: OffsetRange,
    generation: number,
  ): Promise<void> {
    const { topic, partition } = state;
    const token = dedupToken(route.table, topic, partition, range);
    const { rows, rejected } = await decodeRange(route, records);
    // 1. The range is durable before anything of it is inserted.
    await consumer.commit(topic, partition, String(range.first), formatInflightMarker(range), generation);
    if (!live(state)) throw new StaleGenerationError(generation, consumer.generation());
    batchNumber += 1;
    const thisBatch = batchNumber;
    if (options.crashPoint === 'after-marker' && thisBatch === options.crashAfterInserts) crash('after-marker');
    // 2. Insert with the range's token; dead letters acknowledged before the commit.
    rejected.push(...(await insertRange(route.table, rows, token)));
    // A failed record the quarantine table refuses, read from our own dead-letter topic: sending it
    // there again would loop. It stays where it is, for `tributary dlq`.
    const skipped = route.kind === 'landing' ? [] : rejected.filter(({ record }) => record.topic === options.deadLetterTopic);
    const deadLetters = rejected.filter((entry) => !skipped.includes(entry));
    if (skipped.length > 0)
      logger.error(
        {
          topic,
          partition,
          offsets: skipped.map(({ record }) => record.offset),
          err: skipped[0]!.error,
        },
        'The quarantine table refused dead letters of the sink itself: skipped, not dead-lettered again (they stay in the topic).',
      );
    if (deadLetters.length > 0) {
      const failedAt = new Date();
      await producer.send(
        deadLetters.map(({ record, error, stage }) =>
          deadLetterRecord(
            {
              topic: record.topic,
              partition: record.partition,
              offset: record.offset,
              key: record.key,
              value: record.value,
              headers: record.headers,
              timestamp: record.timestamp,
            },
            { service: SERVICE, stage, error, attempts: 1, failedAt },
            options.deadLetterTopic,
          ),
        ),
      );
    }
    if (options.crashPoint === 'after-insert' && thisBatch === options.crashAfterInserts) crash('after-insert');
    // 3. Done: the position moves past the range, the marker is cleared.
    await consumer.commit(topic, partition, String(range.last + 1n), '', generation);
    stats.batches += 1;
    stats.rows += rows.length - rejected.filter((entry) => entry.stage === 'sink').length;
    stats.deadLetters += deadLetters.length;
    stats.skipped += skipped.length;
    logger.debug(
      { topic, partition, first: String(range.first), last: String(range.last), rows: rows.length, deadLetters: deadLetters.length },
      'Batch landed.',
    );
  }

  function isFatal(error: unknown): boolean {
    if (error instanceof ClickHouseInsertError) return error.failure === 'fatal';
    if (error instanceof StaleGenerationError) return false;
    const name = (error as { name?: unknown } | null)?.name;
    if (typeof name === 'string' && name.startsWith('KafkaJS')) return false;
    return failureVerdict(error) === 'fatal' && !(isTributaryError(error) && error.failureType === 'transient');
  }

  async function runBatch(state: PartitionState, route: TopicRoute, records: RangeRecord[], range: OffsetRange): Promise<void> {
    let retry = 0;
    for (;;) {
      if (!live(state) || (stopping && !draining)) return;
      try {
        await attempt(state, route, records, range, state.generation);
        if (state.retryPaused) {
          state.retryPaused = false;
          logger.info({ topic: state.topic, partition: state.partition, retries: retry }, 'Range landed after retries; partition resumed.');
          if (!state.bufferPaused && live(state)) consumer.resume(state.topic, state.partition);
        }
        return;
      } catch (error) {
        if (error instanceof StaleGenerationError || !live(state)) {
          logger.info(
            { topic: state.topic, partition: state.partition },
            'Rebalanced during a batch: its range is re-formed by the new owner.',
          );
          return;
        }
        if (isFatal(error)) throw error;
        retry += 1;
        stats.retries += 1;
        if (!state.retryPaused) {
          state.retryPaused = true;
          consumer.pause(state.topic, state.partition);
        }
        const delay = backoffDelayMs(retry, { initialDelayMs: options.retryInitialDelayMs, maxDelayMs: options.retryMaxDelayMs });
        logger.warn(
          {
            err: error,
            topic: state.topic,
            partition: state.partition,
            first: String(range.first),
            last: String(range.last),
            retry,
            delayMs: delay,
          },
          'Batch failed transiently: partition paused, retrying the same range with the same token.',
        );
        await sleep(delay, abort.signal);
      }
    }
  }

  function kick(state: PartitionState): void {
    if (state.flushing || !live(state)) return;
    const route = routes.get(state.topic)!;
    const cut = cutBatch({
      pending: state.pending.map((record) => ({ offset: BigInt(record.offset), sizeBytes: record.sizeBytes })),
      limits,
      oldestAt: state.arrivals[0],
      now: Date.now(),
      forced: state.forced,
      highWatermark: state.highWatermark,
      draining,
    });
    if (!cut.ready) return;
    const records = state.pending.splice(0, cut.count);
    state.arrivals.splice(0, cut.count);
    state.pendingBytes -= records.reduce((sum, record) => sum + record.sizeBytes, 0);
    if (cut.reason === 'reform') {
      stats.reformed += 1;
      logger.info(
        { topic: state.topic, partition: state.partition, first: String(cut.range.first), last: String(cut.range.last) },
        'Re-forming the in-flight range of a previous owner.',
      );
    }
    state.forced = undefined;
    state.flushing = true;
    const previous = locks.get(state.key) ?? Promise.resolve();
    const next = previous
      .then(() => runBatch(state, route, records, cut.range))
      .then(
        () => {
          state.flushing = false;
          if (state.bufferPaused && !overBufferLimit(state.pending.length, state.pendingBytes, limits) && live(state)) {
            state.bufferPaused = false;
            if (!state.retryPaused) consumer.resume(state.topic, state.partition);
          }
          kick(state);
        },
        (error: unknown) => {
          state.flushing = false;
          fail(error);
        },
      );
    locks.set(state.key, next);
  }

  async function onRun(run: PartitionRun): Promise<void> {
    await ready;
    if (stopping || fatal !== undefined) return;
    const key = `${run.topic}:${run.partition}`;
    let state = states.get(key);
    if (!state || state.generation !== run.generation) {
      if (state) state.dead = true;
      state = {
        key,
        topic: run.topic,
        partition: run.partition,
        generation: run.generation,
        pending: [],
        arrivals: [],
        pendingBytes: 0,
        forced: undefined,
        highWatermark: undefined,
        flushing: false,
        bufferPaused: false,
        retryPaused: false,
        dead: false,
      };
      states.set(key, state);
      const decision = recoveryDecision(run.assigned?.offset ?? null, run.assigned?.metadata);
      if (decision.kind === 'reform') state.forced = decision.range;
      logger.info({ topic: run.topic, partition: run.partition, committed: run.assigned?.offset ?? null, decision }, 'Partition assigned.');
    }
    const now = Date.now();
    for (const record of run.records) {
      if (state.forced && BigInt(record.offset) < state.forced.first) continue;
      state.pending.push(record);
      state.arrivals.push(now);
      state.pendingBytes += record.sizeBytes;
    }
    state.highWatermark = BigInt(run.highWatermark);
    if (!state.bufferPaused && overBufferLimit(state.pending.length, state.pendingBytes, limits)) {
      state.bufferPaused = true;
      consumer.pause(state.topic, state.partition);
    }
    kick(state);
  }

  const consumer = await startRangeConsumer({
    kafka: deps.kafka,
    logger,
    clientName: SERVICE,
    groupId: options.groupId,
    topics: [...routes.keys()],
    fromBeginning: options.fromBeginning,
    sessionTimeoutMs: options.sessionTimeoutMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    maxWaitTimeMs: Math.min(500, options.maxBatchWaitMs),
    onRun,
    onRebalance: () => {
      for (const state of states.values()) state.dead = true;
    },
    onCrash: (error) => fail(error),
  });
  markReady();

  const timer = setInterval(
    () => {
      for (const state of states.values()) kick(state);
    },
    Math.max(20, Math.min(250, Math.floor(options.maxBatchWaitMs / 4))),
  );
  timer.unref();

  let stopped: Promise<void> | undefined;
  function shutdown(timeoutMs: number): Promise<void> {
    stopped ??= (async () => {
      stopping = true;
      draining = fatal === undefined && timeoutMs > 0;
      clearInterval(timer);
      if (draining) {
        const drain = (async () => {
          for (;;) {
            for (const state of states.values()) kick(state);
            await Promise.all([...locks.values()]);
            const busy = [...states.values()].some(
              (state) => live(state) && (state.flushing || (state.pending.length > 0 && !state.forced)),
            );
            if (!busy) return;
          }
        })();
        let deadline: NodeJS.Timeout | undefined;
        await Promise.race([drain, new Promise<void>((resolve) => (deadline = setTimeout(resolve, timeoutMs)))]);
        clearTimeout(deadline);
      }
      draining = false;
      abort.abort();
      await consumer.stop();
      await producer.close().catch(() => undefined);
    })();
    return stopped;
  }

  return {
    stats: () => ({ ...stats }),
    done,
    async stop(timeoutMs = options.shutdownTimeoutMs) {
      await shutdown(timeoutMs);
      if (fatal === undefined) settle.resolve();
    },
  };
}
