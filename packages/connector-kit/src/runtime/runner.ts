// The source runtime: drives a SourceDeclaration's streams for every configured scope through a
// Requester, writes their events through an EventWriter and keeps progress in a CheckpointStore
// (docs/adr/0019).
//
// Contracts:
// - a checkpoint is put only after writer.write() resolved for that page's events ("a cursor
//   advances only after Kafka acknowledges that page's events"); a crash in between re-collects
//   the page, with the same event_ids (the mappers' ids are deterministic);
// - each (stream, scope) runs in its own loop on its own cadence; a failed run (non-retryable
//   error, open circuit, exhausted retries, Kafka down) is logged with its code, counted and
//   tried again on the next cadence — it never stops another stream or scope;
// - quota exhaustion is not failure: the Requester waits, the loop waits with it;
// - a suspended credential (CONNECTOR_CREDENTIAL_SUSPENDED / _REVOKED) pauses the streams of its scopes
//   until the requester's health shows the credential active again;
// - priorities on every request: ephemeral (Stories) > fresh > refresh > backfill;
// - on stop, a loop finishes the page in hand (write + checkpoint) and returns; requests
//   waiting for quota are aborted.
import { SpanKind, SpanStatusCode, isSpanContextValid, trace } from '@opentelemetry/api';
import { ConfigError, isTributaryError } from '@tributary/errors';
import type { Logger } from '@tributary/telemetry';
import type { Registry } from 'prom-client';
import type { ApiRequest, Clock, EventWriter, OutgoingEvent, RequestPriority, Requester } from '../contracts.ts';
import type { CheckpointStore, CollectorCheckpoint } from './checkpoint-store.ts';
import type {
  DiscoveredEntity,
  FanOutStreamDeclaration,
  ListStreamDeclaration,
  ScopeConfig,
  SingleStreamDeclaration,
  SourceDeclaration,
  StreamContext,
  StreamDeclaration,
} from './declarations.ts';
import { EntityRegistry } from './entity-registry.ts';
import type { EntityPolicy, TrackedEntity } from './entity-registry.ts';
import { eventIdOf, isEventsRejectedError } from './event-writer.ts';
import { sourceMetrics } from './metrics.ts';
import type { SourceMetrics } from './metrics.ts';

/** The Requester's code for a credential whose grant is gone (contracts.ts). */
/** The codes a dead grant surfaces as: the authenticator's (suspended) and the requester's (revoked, contracts.ts). */
const CREDENTIAL_GONE = new Set(['CONNECTOR_CREDENTIAL_SUSPENDED', 'CONNECTOR_CREDENTIAL_REVOKED']);
const DAY = 86_400_000;

export interface BackfillOptions {
  /** Walk history back to this time (epoch ms). */
  startAt: number;
  /** A progress log line every this many pages per stream and scope (default 50). */
  progressEveryPages?: number;
}

export interface RunSourceOptions {
  declaration: SourceDeclaration;
  requester: Requester;
  writer: EventWriter;
  checkpoints: CheckpointStore;
  clock: Clock;
  logger: Logger;
  metrics: Registry;
  scopes: readonly ScopeConfig[];
  /** backfill: the incremental schedule plus, for every non-ephemeral list stream, a walk back to backfill.startAt at 'backfill' priority. */
  mode: 'incremental' | 'backfill';
  backfill?: BackfillOptions;
  /** Stops the run: loops finish the page in hand and return. */
  signal: AbortSignal;
}

export interface StreamScopeHealth {
  stream: string;
  scope: string;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastFailureCode: string | null;
  /** Failed runs since the last success. */
  consecutiveFailures: number;
  /** The newest checkpoint's updated_at (epoch ms), if any. */
  checkpointAt: number | null;
  suspended: boolean;
  backfill?: { reached: number | null; done: boolean };
}

export interface SourceRun {
  /** Resolves once every loop returned after the stop signal. */
  readonly done: Promise<void>;
  health(): StreamScopeHealth[];
  /** For tests and health: the in-memory entity registry of the fan-out streams. */
  readonly entities: EntityRegistry;
  /**
   * Targeted refresh (a webhook said the entity changed): the entity joins `entitySet` for the
   * scope, due at once, and the fan-out streams over that set wake up instead of finishing their sleep.
   */
  refresh(entitySet: string, scope: string, entity: DiscoveredEntity): void;
  /** Starts the stream's next run for the scope now (e.g. a new upload was announced); a running one is not interrupted. */
  wake(stream: string, scope: string): void;
}

/** The checkpoint stream name of a list stream's backfill walk. */
export function backfillStreamName(stream: string): string {
  return `${stream}.backfill`;
}

/** A non-retryable data error of one request (its items), not of the credential or the platform as a whole. */
function isBatchDataError(error: unknown): boolean {
  return isTributaryError(error) && !error.retryable && error.failureType === 'data' && !CREDENTIAL_GONE.has(error.code);
}

function errorCode(error: unknown): string {
  return isTributaryError(error) ? error.code : 'UNCLASSIFIED';
}

/** Refuses a declaration the runtime cannot run unambiguously (a bug in the platform folder, found at start). */
export function validateDeclaration(declaration: SourceDeclaration): void {
  const problems: string[] = [];
  const names = new Set<string>();
  const discovered = new Set<string>();
  for (const stream of declaration.streams) {
    if (!/^[a-z][a-z0-9_]*$/.test(stream.name)) problems.push(`stream name "${stream.name}" is not snake_case ([a-z][a-z0-9_]*)`);
    if (names.has(stream.name)) problems.push(`stream "${stream.name}" is declared twice`);
    names.add(stream.name);
    if (stream.kind === 'list' && stream.discovers) discovered.add(stream.discovers.entitySet);
    if (stream.kind === 'fan-out' && (!Number.isInteger(stream.batchSize) || stream.batchSize < 1))
      problems.push(`stream "${stream.name}" needs a batchSize of at least 1`);
    if (stream.kind !== 'fan-out' && !(stream.everyMs > 0)) problems.push(`stream "${stream.name}" needs everyMs > 0`);
  }
  for (const stream of declaration.streams) {
    if (stream.kind === 'fan-out' && !discovered.has(stream.entitySet))
      problems.push(`fan-out stream "${stream.name}" polls entity set "${stream.entitySet}", which no list stream discovers`);
  }
  if (declaration.name === '' || declaration.name.includes('/'))
    problems.push(`source name "${declaration.name}" is empty or contains '/'`);
  if (problems.length > 0) {
    throw new ConfigError('CONNECTOR_DECLARATION_INVALID', `Source ${declaration.name} is declared wrongly: ${problems.join('; ')}.`, {
      details: { source: declaration.name, problems },
    });
  }
}

export function runSource(options: RunSourceOptions): SourceRun {
  const { declaration, requester, writer, checkpoints, clock, signal } = options;
  validateDeclaration(declaration);
  const source = declaration.name;
  const logger = options.logger.child({ component: 'source-runtime', source });
  const metrics: SourceMetrics = sourceMetrics(options.metrics);
  // One schedule per fan-out stream: streams sharing an entity set keep their own cadence and window.
  const tracksBySet = new Map<string, string[]>();
  for (const stream of declaration.streams)
    if (stream.kind === 'fan-out') tracksBySet.set(stream.entitySet, [...(tracksBySet.get(stream.entitySet) ?? []), stream.name]);
  const entities = new EntityRegistry(tracksBySet);
  const healthByKey = new Map<string, StreamScopeHealth>();
  const suspendedCredentials = new Set<string>();
  const progressEvery = options.backfill?.progressEveryPages ?? 50;
  if (options.mode === 'backfill' && !options.backfill)
    throw new ConfigError('CONNECTOR_BACKFILL_START_MISSING', 'Mode backfill needs a backfill start (backfillStartAt).');

  // Fan-out streams by the entity set they poll: a discovering list stream reaches back over their longest tracking window once per start.
  const rebuildWindowMs = new Map<string, number>();
  for (const stream of declaration.streams) {
    if (stream.kind === 'fan-out')
      rebuildWindowMs.set(stream.entitySet, Math.max(rebuildWindowMs.get(stream.entitySet) ?? 0, stream.trackingWindowMs));
  }
  const rebuilt = new Set<string>();

  const healthOf = (stream: string, scope: string): StreamScopeHealth => {
    const key = `${stream}\u0000${scope}`;
    let entry = healthByKey.get(key);
    if (!entry) {
      entry = {
        stream,
        scope,
        lastSuccessAt: null,
        lastFailureAt: null,
        lastFailureCode: null,
        consecutiveFailures: 0,
        checkpointAt: null,
        suspended: false,
      };
      healthByKey.set(key, entry);
    }
    return entry;
  };

  const contextFor = (
    stream: StreamDeclaration,
    scope: ScopeConfig,
    priority: RequestPriority,
    method: 'poll' | 'backfill',
    bucketMs: number,
  ): StreamContext => {
    const now = clock.now();
    return {
      source,
      platform: declaration.platform,
      stream: stream.name,
      scope: scope.id,
      credential: scope.credential ?? scope.id,
      priority,
      method,
      snapshotBucket: Math.floor(now / bucketMs) * bucketMs,
      traceparent: null,
    };
  };

  const tracer = trace.getTracer('@tributary/connector-kit');
  /**
   * Runs one page's work (request where the runtime makes it, mapping, write) in a `collect <stream>`
   * span, so the producer's span and every record's traceparent belong to the collection's trace;
   * the mapper gets the span's traceparent for Envelope.traceparent (null when tracing is off).
   */
  const traced = <T>(stream: string, context: StreamContext, work: (context: StreamContext) => Promise<T>): Promise<T> =>
    tracer.startActiveSpan(
      `collect ${stream}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: { 'tributary.source': source, 'tributary.stream': stream, 'tributary.priority': context.priority },
      },
      async (span) => {
        const spanContext = span.spanContext();
        const traceparent = isSpanContextValid(spanContext)
          ? `00-${spanContext.traceId}-${spanContext.spanId}-${(spanContext.traceFlags & 1).toString(16).padStart(2, '0')}`
          : null;
        try {
          return await work({ ...context, traceparent });
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          throw error;
        } finally {
          span.end();
        }
      },
    );

  /** The request as the runtime sends it: the run's priority, the scope's credential, the stop signal. */
  const prepared = (request: ApiRequest, context: StreamContext): ApiRequest => ({
    ...request,
    credential: request.credential ?? context.credential,
    priority: context.priority,
    signal: request.signal ? AbortSignal.any([request.signal, signal]) : signal,
  });

  /** Writes a page's events; a data error (events that do not fit their schema) is reported and does not stop the page. */
  const writePage = async (stream: string, scope: string, events: readonly OutgoingEvent[]): Promise<void> => {
    let rejected = new Set<OutgoingEvent>();
    try {
      await writer.write(events);
    } catch (error) {
      if (!isEventsRejectedError(error)) throw error;
      for (const rejection of error.rejections) metrics.invalidEvents.inc({ source, stream, topic: rejection.topic });
      logger.error(
        {
          stream,
          scope,
          code: error.code,
          rejected: error.rejections.slice(0, 20).map(({ eventId, topic, key, paths }) => ({ eventId, topic, key, paths })),
          rejectedCount: error.rejections.length,
        },
        `Events that do not fit their schema were not produced: ${error.message}`,
      );
      const rejectedIds = new Set(
        error.rejections.map((rejection) => `${rejection.topic}\u0000${rejection.key}\u0000${rejection.eventId}`),
      );
      rejected = new Set(events.filter((event) => rejectedIds.has(`${event.topic}\u0000${event.key}\u0000${eventIdOf(event)}`)));
    }
    for (const event of events) if (!rejected.has(event)) metrics.events.inc({ source, stream: stream, topic: event.topic });
  };

  const putCheckpoint = async (
    stream: string,
    scope: string,
    state: Omit<CollectorCheckpoint, 'source' | 'stream' | 'scope' | 'updated_at'>,
  ) => {
    const updatedAt = clock.now();
    await checkpoints.put({ source, stream, scope, ...state, updated_at: updatedAt });
    metrics.checkpointWrites.inc({ source, stream });
    return updatedAt;
  };

  const succeeded = (stream: string, scope: string): void => {
    const now = clock.now();
    healthOf(stream, scope).lastSuccessAt = now;
    metrics.lastSuccess.set({ source, stream }, Math.floor(now / 1000));
  };

  // ---- list streams -------------------------------------------------------------------------

  const walkIncremental = async (stream: ListStreamDeclaration, scope: ScopeConfig): Promise<void> => {
    const previous = checkpoints.get(source, stream.name, scope.id);
    const now = clock.now();
    let floor = previous?.watermark != null ? previous.watermark - stream.lookbackMs : now - stream.lookbackMs;
    const rebuildKey = `${stream.name}\u0000${scope.id}`;
    const rebuildWindow = stream.discovers ? rebuildWindowMs.get(stream.discovers.entitySet) : undefined;
    const rebuilding = rebuildWindow !== undefined && !rebuilt.has(rebuildKey);
    if (rebuilding) floor = Math.min(floor, now - rebuildWindow);
    const resumable = stream.resumable ?? true;
    const resumeCursor = resumable ? (previous?.cursor ?? null) : null;
    const priority: RequestPriority = stream.priority ?? 'fresh';
    const context = contextFor(stream, scope, priority, 'poll', stream.snapshotBucketMs ?? stream.everyMs);
    const first = prepared(stream.request(context, resumeCursor), context);
    let newest: number | null = null;
    let cursorPut = false;
    try {
      for await (const page of stream.paginate(requester, first, resumeCursor)) {
        let reachedFloor = false;
        const found: DiscoveredEntity[] = [];
        await traced(stream.name, context, async (pageContext) => {
          const events: OutgoingEvent[] = [];
          for (const item of page.items) {
            const at = stream.watermark(item);
            if (at < floor) {
              reachedFloor = true;
              continue;
            }
            // An item dated after now (a platform clock or unit error; quality quarantines it) must not carry the
            // watermark into the future: the next walks would stop before any new content.
            const bounded = Math.min(at, now);
            if (newest === null || bounded > newest) newest = bounded;
            events.push(...stream.map(item, pageContext, page.response));
            const entity = stream.discovers?.entity(item);
            if (entity) found.push(entity);
          }
          await writePage(stream.name, scope.id, events);
        });
        metrics.pages.inc({ source, stream: stream.name });
        if (found.length > 0) {
          const entitySet = stream.discovers!.entitySet;
          const before = new Map(fanOutsOf(entitySet).map((fanOut) => [fanOut, entities.size(fanOut)]));
          for (const entity of found) entities.register(entitySet, scope.id, entity);
          // New content gets its first metrics now, not after the fan-out's sleep.
          for (const [fanOut, size] of before) if (entities.size(fanOut) > size) wake(fanOut, scope.id);
        }
        const finished = reachedFloor || page.cursorAfter === null;
        if (finished) {
          const watermark = Math.max(previous?.watermark ?? Number.NEGATIVE_INFINITY, newest ?? Number.NEGATIVE_INFINITY);
          healthOf(stream.name, scope.id).checkpointAt = await putCheckpoint(stream.name, scope.id, {
            cursor: null,
            watermark: Number.isFinite(watermark) ? watermark : (previous?.watermark ?? null),
            backfill_reached: null,
          });
          if (rebuilding) {
            // The registry lives in memory: a walk resumed from a cursor did not see the pages before it, so the
            // rebuild is finished by a walk from the top right away (else their entities would never be polled).
            if (resumeCursor === null) rebuilt.add(rebuildKey);
            else if (!signal.aborted) await walkIncremental(stream, scope);
          }
          return;
        }
        // Mid-walk: the watermark stays where the last finished walk left it, so a crash loses nothing.
        if (resumable) {
          healthOf(stream.name, scope.id).checkpointAt = await putCheckpoint(stream.name, scope.id, {
            cursor: page.cursorAfter,
            watermark: previous?.watermark ?? null,
            backfill_reached: null,
          });
          cursorPut = true;
        }
        if (signal.aborted) return;
      }
    } catch (error) {
      // A cursor the platform refuses (deleted item, expired token: a 400) or that loops (CONNECTOR_PAGINATION_LOOP) must not
      // fail the stream forever: a data error forgets the stored cursor, and the next walk starts from the top (the watermark
      // still bounds it).
      const cursorStored = resumeCursor !== null || cursorPut;
      if (cursorStored && !signal.aborted && isTributaryError(error) && !error.retryable && error.failureType === 'data') {
        logger.warn(
          { stream: stream.name, scope: scope.id, code: errorCode(error) },
          'Resume cursor refused; the next walk starts from the top.',
        );
        await putCheckpoint(stream.name, scope.id, { cursor: null, watermark: previous?.watermark ?? null, backfill_reached: null }).catch(
          (putError: unknown) =>
            logger.warn({ err: putError, stream: stream.name, scope: scope.id }, 'Could not forget the resume cursor.'),
        );
      }
      throw error;
    }
  };

  /** The fan-out streams polling an entity set. */
  const fanOutsOf = (entitySet: string): readonly string[] => tracksBySet.get(entitySet) ?? [];

  /** Returns true when the backfill of this stream and scope has reached its start. */
  const walkBackfill = async (stream: ListStreamDeclaration, scope: ScopeConfig, startAt: number): Promise<boolean> => {
    const name = backfillStreamName(stream.name);
    const previous = checkpoints.get(source, name, scope.id);
    const health = healthOf(name, scope.id);
    if (previous && previous.cursor === null && previous.backfill_reached !== null && previous.backfill_reached <= startAt) {
      health.backfill = { reached: previous.backfill_reached, done: true };
      return true;
    }
    const resumable = stream.resumable ?? true;
    const resumeCursor = resumable ? (previous?.cursor ?? null) : null;
    // Without a cursor the walk starts at the top again; what an earlier walk covered is not produced twice.
    const coveredFrom = resumeCursor === null ? (previous?.backfill_reached ?? null) : null;
    let reached = previous?.backfill_reached ?? null;
    const context = contextFor(stream, scope, 'backfill', 'backfill', stream.snapshotBucketMs ?? stream.everyMs);
    const first = prepared(stream.request(context, resumeCursor), context);
    let pages = 0;
    let cursorPut = false;
    try {
      for await (const page of stream.paginate(requester, first, resumeCursor)) {
        let reachedStart = page.cursorAfter === null;
        const found: DiscoveredEntity[] = [];
        await traced(stream.name, context, async (pageContext) => {
          const events: OutgoingEvent[] = [];
          for (const item of page.items) {
            const at = stream.watermark(item);
            if (at < startAt) {
              reachedStart = true;
              continue;
            }
            if (reached === null || at < reached) reached = at;
            if (coveredFrom !== null && at > coveredFrom) continue;
            events.push(...stream.map(item, pageContext, page.response));
            const entity = stream.discovers?.entity(item);
            if (entity) found.push(entity);
          }
          await writePage(stream.name, scope.id, events);
        });
        // History the fan-out streams poll once, at backfill priority (after everything fresher).
        for (const entity of found) entities.registerHistory(stream.discovers!.entitySet, scope.id, entity);
        if (found.length > 0) for (const fanOut of fanOutsOf(stream.discovers!.entitySet)) wake(fanOut, scope.id);
        pages += 1;
        metrics.pages.inc({ source, stream: stream.name });
        metrics.backfillPages.inc({ source, stream: stream.name });
        if (reachedStart) reached = startAt;
        health.checkpointAt = await putCheckpoint(name, scope.id, {
          cursor: reachedStart || !resumable ? null : page.cursorAfter,
          watermark: null,
          backfill_reached: reached,
        });
        cursorPut = resumable && !reachedStart;
        health.backfill = { reached, done: reachedStart };
        updateBackfillGauge(stream.name);
        if (reachedStart) {
          logger.info({ stream: stream.name, scope: scope.id, startAt, pages }, 'Backfill reached its start.');
          return true;
        }
        if (pages % progressEvery === 0) {
          logger.info(
            { stream: stream.name, scope: scope.id, pages, reached: reached === null ? null : new Date(reached).toISOString(), startAt },
            'Backfill progress.',
          );
        }
        if (signal.aborted) return false;
      }
    } catch (error) {
      // As for incremental walks: a refused or looping cursor is forgotten; what the backfill reached stays.
      if (
        (resumeCursor !== null || cursorPut) &&
        !signal.aborted &&
        isTributaryError(error) &&
        !error.retryable &&
        error.failureType === 'data'
      ) {
        logger.warn({ stream: name, scope: scope.id, code: error.code }, 'Backfill cursor refused; the next walk starts from the top.');
        await putCheckpoint(name, scope.id, { cursor: null, watermark: null, backfill_reached: reached }).catch((putError: unknown) =>
          logger.warn({ err: putError, stream: name, scope: scope.id }, 'Could not forget the backfill cursor.'),
        );
      }
      throw error;
    }
    return false;
  };

  const updateBackfillGauge = (stream: string): void => {
    let laggard: number | null = null;
    for (const entry of healthByKey.values()) {
      if (entry.stream !== backfillStreamName(stream) || entry.backfill?.reached == null) continue;
      if (laggard === null || entry.backfill.reached > laggard) laggard = entry.backfill.reached;
    }
    if (laggard !== null) metrics.backfillReached.set({ source, stream }, Math.floor(laggard / 1000));
  };

  // ---- fan-out streams ----------------------------------------------------------------------

  const policyOf = (stream: FanOutStreamDeclaration): EntityPolicy => ({
    cadence: stream.cadence,
    trackingWindowMs: stream.trackingWindowMs,
    freshForMs: stream.freshForMs ?? DAY,
  });

  const defaultVelocityCount = (event: OutgoingEvent): { entityId: string; count: number } | null => {
    const value = event.value as { envelope?: { entity_id?: unknown }; views?: unknown; likes?: unknown };
    const entityId = value.envelope?.entity_id;
    const count = typeof value.views === 'number' ? value.views : typeof value.likes === 'number' ? value.likes : undefined;
    return typeof entityId === 'string' && count !== undefined ? { entityId, count } : null;
  };

  const sweepFanOut = async (stream: FanOutStreamDeclaration, scope: ScopeConfig): Promise<void> => {
    const policy = policyOf(stream);
    const started = clock.now();
    const due = entities.due(stream.name, scope.id, started, policy);
    metrics.trackedEntities.set({ source, stream: stream.name }, entities.size(stream.name));
    if (due.length === 0) return;
    const byPriority = new Map<RequestPriority, TrackedEntity[]>();
    for (const tracked of due) {
      const priority = EntityRegistry.priorityOfTracked(tracked, started, policy.freshForMs);
      let group = byPriority.get(priority);
      if (!group) byPriority.set(priority, (group = []));
      group.push(tracked);
    }
    for (const priority of ['ephemeral', 'fresh', 'refresh', 'backfill'] as const) {
      const group = byPriority.get(priority) ?? [];
      for (let start = 0; start < group.length; start += stream.batchSize) {
        if (signal.aborted) return;
        const batch = group.slice(start, start + stream.batchSize);
        const batchEntities = batch.map((tracked) => tracked.entity);
        const method = priority === 'backfill' ? 'backfill' : 'poll';
        const context = contextFor(stream, scope, priority, method, stream.snapshotBucketMs ?? stream.cadence.minIntervalMs);
        let events: OutgoingEvent[];
        try {
          events = await traced(stream.name, context, async (batchContext) => {
            const response = await requester.request(prepared(stream.request(batchContext, batchEntities), batchContext));
            const mapped = stream.map(response, batchEntities, batchContext);
            await writePage(stream.name, scope.id, mapped);
            return mapped;
          });
        } catch (error) {
          // A batch the platform refuses for its own content (a deleted or private item, Meta's "not enough
          // viewers") fails alone: counted, its entities retried on their cadence, the other batches go on.
          // Anything else (transient, credential, circuit) ends the sweep as before.
          if (signal.aborted || !isBatchDataError(error)) throw error;
          const code = errorCode(error);
          metrics.streamFailures.inc({ source, stream: stream.name, code });
          logger.warn(
            { stream: stream.name, scope: scope.id, code, entities: batchEntities.length, first: batchEntities[0]?.id },
            'Batch refused by the platform; its entities are retried on their cadence, the sweep goes on.',
          );
          const now = clock.now();
          for (const tracked of batch) entities.polled(tracked, now, policy);
          continue;
        }
        metrics.pages.inc({ source, stream: stream.name });
        const counts = new Map<string, number>();
        for (const event of events) {
          const measured = (stream.velocityCount ?? defaultVelocityCount)(event);
          if (measured) counts.set(measured.entityId, measured.count);
        }
        const now = clock.now();
        for (const tracked of batch) entities.polled(tracked, now, policy, counts.get(tracked.entity.id));
      }
    }
    healthOf(stream.name, scope.id).checkpointAt = await putCheckpoint(stream.name, scope.id, {
      cursor: null,
      watermark: started,
      backfill_reached: null,
    });
  };

  const fanOutDelayMs = (stream: FanOutStreamDeclaration, scope: ScopeConfig): number => {
    const next = entities.nextDueAt(stream.name, scope.id);
    const ceiling = stream.cadence.minIntervalMs; // new entities are picked up within this
    if (next === undefined) return ceiling;
    return Math.max(1_000, Math.min(ceiling, next - clock.now()));
  };

  // ---- single streams -----------------------------------------------------------------------

  const runSingle = async (stream: SingleStreamDeclaration, scope: ScopeConfig): Promise<void> => {
    const context = contextFor(stream, scope, 'refresh', 'poll', stream.snapshotBucketMs ?? stream.everyMs);
    const response = await traced(stream.name, context, async (requestContext) => {
      const answer = await requester.request(prepared(stream.request(requestContext), requestContext));
      await writePage(stream.name, scope.id, stream.map(answer, requestContext));
      return answer;
    });
    metrics.pages.inc({ source, stream: stream.name });
    healthOf(stream.name, scope.id).checkpointAt = await putCheckpoint(stream.name, scope.id, {
      cursor: null,
      watermark: response.receivedAt,
      backfill_reached: null,
    });
  };

  // ---- loops --------------------------------------------------------------------------------

  /** Whether the scope's credential is suspended right now (rechecked against the requester's health). */
  const scopeSuspended = (scope: ScopeConfig): boolean => {
    const credential = scope.credential ?? scope.id;
    if (!suspendedCredentials.has(credential)) return false;
    const state = requester.health().credentials.find((entry) => entry.id === credential)?.state;
    if (state === 'suspended') return true;
    suspendedCredentials.delete(credential);
    logger.info({ credential, scope: scope.id }, 'Credential active again; its streams resume.');
    return false;
  };

  /** One run of a stream for a scope; failures are reported here and never escape. */
  const attempt = async (streamName: string, scope: ScopeConfig, run: () => Promise<boolean | void>): Promise<'ok' | 'failed' | 'done'> => {
    const health = healthOf(streamName, scope.id);
    health.suspended = scopeSuspended(scope);
    if (health.suspended) return 'failed';
    try {
      const keepGoing = await run();
      succeeded(streamName, scope.id);
      health.consecutiveFailures = 0;
      return keepGoing === false ? 'done' : 'ok';
    } catch (error) {
      if (signal.aborted) return 'done';
      const code = errorCode(error);
      const repeated = health.consecutiveFailures > 0 && health.lastFailureCode === code;
      health.lastFailureAt = clock.now();
      health.lastFailureCode = code;
      health.consecutiveFailures += 1;
      metrics.streamFailures.inc({ source, stream: streamName, code });
      if (CREDENTIAL_GONE.has(code)) {
        const credential = scope.credential ?? scope.id;
        if (!suspendedCredentials.has(credential))
          logger.error(
            { stream: streamName, scope: scope.id, credential, code },
            'Credential suspended; its scopes pause until it is active again.',
          );
        suspendedCredentials.add(credential);
        health.suspended = true;
      } else {
        // Quiet during an outage: the first failure of a streak and every 10th repeat at error level, the rest at debug.
        const level = !repeated || health.consecutiveFailures % 10 === 0 ? 'error' : 'debug';
        logger[level](
          {
            err: error,
            stream: streamName,
            scope: scope.id,
            code,
            failureType: isTributaryError(error) ? error.failureType : undefined,
            consecutiveFailures: health.consecutiveFailures,
          },
          'Stream run failed; retrying on its next cadence.',
        );
      }
      return 'failed';
    }
  };

  // Sleeping loops by `<stream>\u0000<scope>`: wake() cuts their sleep short.
  const sleepers = new Map<string, Set<AbortController>>();
  const wakeKey = (stream: string, scope: string): string => `${stream}\u0000${scope}`;
  const wake = (stream: string, scope: string): void => {
    for (const sleeper of sleepers.get(wakeKey(stream, scope)) ?? []) sleeper.abort();
  };

  const sleep = async (ms: number, key: string): Promise<boolean> => {
    if (signal.aborted) return false;
    const woken = new AbortController();
    let waiting = sleepers.get(key);
    if (!waiting) sleepers.set(key, (waiting = new Set()));
    waiting.add(woken);
    try {
      await clock.sleep(ms, AbortSignal.any([signal, woken.signal]));
    } catch {
      // aborted: stopping, or woken
    } finally {
      waiting.delete(woken);
    }
    return !signal.aborted;
  };

  /** Runs `run` for a scope until stopped; the delay after a failed (or suspended) run is `delayMs(true)`. */
  const loop = async (
    streamName: string,
    scope: ScopeConfig,
    run: () => Promise<boolean | void>,
    delayMs: (failed: boolean) => number,
  ): Promise<void> => {
    while (!signal.aborted) {
      const outcome = await attempt(streamName, scope, run);
      if (outcome === 'done') return;
      if (!(await sleep(delayMs(outcome === 'failed'), wakeKey(streamName, scope.id)))) return;
    }
  };

  const loops: Promise<void>[] = [];
  for (const scope of options.scopes) {
    for (const stream of declaration.streams) {
      if (stream.kind === 'list') {
        loops.push(
          loop(
            stream.name,
            scope,
            () => walkIncremental(stream, scope),
            () => stream.everyMs,
          ),
        );
        // Ephemeral lists (Stories) only ever show what is live: there is no history to walk.
        if (options.mode === 'backfill' && stream.priority !== 'ephemeral') {
          const startAt = options.backfill!.startAt;
          loops.push(
            loop(
              backfillStreamName(stream.name),
              scope,
              async () => !(await walkBackfill(stream, scope, startAt)),
              () => stream.everyMs,
            ),
          );
        }
      } else if (stream.kind === 'fan-out') {
        loops.push(
          loop(
            stream.name,
            scope,
            () => sweepFanOut(stream, scope),
            (failed) => (failed ? stream.cadence.minIntervalMs : fanOutDelayMs(stream, scope)),
          ),
        );
      } else {
        loops.push(
          loop(
            stream.name,
            scope,
            () => runSingle(stream, scope),
            () => stream.everyMs,
          ),
        );
      }
    }
  }
  logger.info({ streams: declaration.streams.length, scopes: options.scopes.length, mode: options.mode }, 'Source runtime started.');

  return {
    done: Promise.all(loops).then(() => logger.info('Source runtime stopped.')),
    health: () => [...healthByKey.values()].map((entry) => ({ ...entry, ...(entry.backfill ? { backfill: { ...entry.backfill } } : {}) })),
    entities,
    refresh(entitySet, scope, entity) {
      entities.dueNow(entitySet, scope, entity);
      for (const fanOut of fanOutsOf(entitySet)) wake(fanOut, scope);
    },
    wake,
  };
}
