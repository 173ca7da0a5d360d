// The source runtime's instruments, as a spec (style.md §7): low-cardinality labels only —
// source, stream, topic, error code; never a scope (account) or entity id.
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export interface SourceMetrics {
  events: Counter<'source' | 'stream' | 'topic'>;
  invalidEvents: Counter<'source' | 'stream' | 'topic'>;
  pages: Counter<'source' | 'stream'>;
  streamFailures: Counter<'source' | 'stream' | 'code'>;
  checkpointWrites: Counter<'source' | 'stream'>;
  lastSuccess: Gauge<'source' | 'stream'>;
  backfillReached: Gauge<'source' | 'stream'>;
  backfillPages: Counter<'source' | 'stream'>;
  trackedEntities: Gauge<'source' | 'stream'>;
}

const registered = new WeakMap<Registry, SourceMetrics>();

/** The runtime's metrics in `registry` (created once per registry, shared by every runSource on it). */
export function sourceMetrics(registry: Registry): SourceMetrics {
  const existing = registered.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: SourceMetrics = {
    events: new Counter({
      name: 'tributary_source_events_total',
      help: 'Events produced and acknowledged by Kafka, per stream and topic.',
      labelNames: ['source', 'stream', 'topic'],
      registers,
    }),
    invalidEvents: new Counter({
      name: 'tributary_source_invalid_events_total',
      help: 'Mapped events that did not fit their schema and were not produced (data errors, logged with their event ids).',
      labelNames: ['source', 'stream', 'topic'],
      registers,
    }),
    pages: new Counter({
      name: 'tributary_source_pages_total',
      help: 'Pages (or batches, or single responses) whose events were acknowledged.',
      labelNames: ['source', 'stream'],
      registers,
    }),
    streamFailures: new Counter({
      name: 'tributary_source_stream_failures_total',
      help: 'Stream runs that failed, by error code; the stream retries on its next cadence.',
      labelNames: ['source', 'stream', 'code'],
      registers,
    }),
    checkpointWrites: new Counter({
      name: 'tributary_source_checkpoint_writes_total',
      help: 'Checkpoints acknowledged by Kafka.',
      labelNames: ['source', 'stream'],
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'tributary_source_last_success_timestamp_seconds',
      help: 'When a run of the stream last succeeded (any scope), Unix seconds: data freshness.',
      labelNames: ['source', 'stream'],
      registers,
    }),
    backfillReached: new Gauge({
      name: 'tributary_source_backfill_reached_timestamp_seconds',
      help: 'Backfill progress: the newest backfill_reached over the scopes (the laggard), Unix seconds.',
      labelNames: ['source', 'stream'],
      registers,
    }),
    backfillPages: new Counter({
      name: 'tributary_source_backfill_pages_total',
      help: 'Pages walked by backfills.',
      labelNames: ['source', 'stream'],
      registers,
    }),
    trackedEntities: new Gauge({
      name: 'tributary_source_tracked_entities',
      help: 'Entities a fan-out stream polls (over all scopes).',
      labelNames: ['source', 'stream'],
      registers,
    }),
  };
  registered.set(registry, metrics);
  return metrics;
}
