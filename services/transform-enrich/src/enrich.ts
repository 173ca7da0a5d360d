// transform-enrich as a processor (docs/adr/0025): social.raw.X → social.enriched.X, same key,
// same envelope and event_id, `enrichment` set, `quality` null; deletions unchanged. History of
// entities in the compacted topic tributary.enrich-state (EntityHistory), so deltas survive
// restarts and rebalances; user-defined JSONata transforms per enriched topic (user-transforms.ts).
//
// A record whose enrichment throws (ENRICH_RECORD_FAILED) or whose user transform fails is
// dead-lettered and leaves state untouched: the state changes of one record are staged and applied
// only once its output is final.
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { ConfigError, TributaryError } from '@tributary/errors';
import type { EntityHistory } from '@tributary/events';
import type { KeyedState, ProcessorDefinition, ProcessRecord } from '@tributary/processor-kit';
import type { Logger } from '@tributary/telemetry';
import { ENRICH_ROUTES, enrichEvent, isEnrichInput } from './enrich-event.ts';
import type { EnrichInputTopic, EnrichObservation, EnrichOptions, HistoryStore } from './enrich-event.ts';
import { enrichedExamples } from './golden-examples.ts';
import { compileTransforms, readTransformDeclarations } from './user-transforms.ts';
import type { UserTransform } from './user-transforms.ts';
import { SERVICE } from './spec.ts';
import type { EnrichSettings } from './spec.ts';

export const ENRICH_STATE_TOPIC = 'tributary.enrich-state';
export const ENRICH_INPUTS = Object.keys(ENRICH_ROUTES) as EnrichInputTopic[];

export interface EnrichMetrics {
  languageDecisions: Counter<'topic' | 'method'>;
  snapshots: Counter<'entity_kind' | 'series' | 'previous'>;
  transformFailures: Counter<'topic' | 'error_code'>;
}

export function createEnrichMetrics(registry: Registry, state: { readonly size: number }): EnrichMetrics {
  new Gauge({
    name: 'tributary_transform_enrich_state_entities',
    help: 'Entity histories (keys) held in tributary.enrich-state.',
    registers: [registry],
    collect() {
      this.set(state.size);
    },
  });
  return {
    languageDecisions: new Counter({
      name: 'tributary_transform_enrich_language_total',
      help: 'Posts and comments enriched, by input topic and how their language was decided (PLATFORM, DETECTED, UNDETERMINED).',
      labelNames: ['topic', 'method'],
      registers: [registry],
    }),
    snapshots: new Counter({
      name: 'tributary_transform_enrich_snapshots_total',
      help: 'Metric snapshots enriched, by entity kind, series (LIFETIME, PERIOD) and whether a previous snapshot was found (found, none).',
      labelNames: ['entity_kind', 'series', 'previous'],
      registers: [registry],
    }),
    transformFailures: new Counter({
      name: 'tributary_transform_enrich_user_transform_failures_total',
      help: 'Records dead-lettered because their user transform failed, by output topic and error code.',
      labelNames: ['topic', 'error_code'],
      registers: [registry],
    }),
  };
}

/** Stages one record's state changes over the keyed state; commit() applies them. */
function stagedStore(base: KeyedState<EntityHistory>): HistoryStore & { commit(): void } {
  const staged = new Map<string, EntityHistory | null>();
  return {
    get: (key) => (staged.has(key) ? (staged.get(key) ?? undefined) : base.get(key)),
    set: (key, value) => void staged.set(key, value),
    commit() {
      for (const [key, value] of staged) base.set(key, value);
    },
  };
}

export interface EnrichProcessorParts {
  options: EnrichOptions;
  transforms: ReadonlyMap<string, UserTransform>;
  state: KeyedState<EntityHistory>;
  metrics?: EnrichMetrics;
}

/** The ProcessRecord over its parts (exported for tests that bring their own state). */
export function createEnrichRecord(parts: EnrichProcessorParts): ProcessRecord {
  return async (value, context) => {
    if (!isEnrichInput(context.topic)) {
      throw new TributaryError('ENRICH_TOPIC_UNEXPECTED', `transform-enrich does not read ${context.topic}.`, { failureType: 'system' });
    }
    const route = ENRICH_ROUTES[context.topic];
    const store = stagedStore(parts.state);
    const observed: EnrichObservation = {};
    let enriched: unknown;
    try {
      enriched = enrichEvent(context.topic, value, store, parts.options, observed);
    } catch (error) {
      // A record that breaks a rule is that record's problem: dead-letter it, keep the partition flowing.
      throw new TributaryError('ENRICH_RECORD_FAILED', `Enriching a ${route.schema} failed: ${(error as Error).message}`, {
        failureType: 'data',
        cause: error,
        hint: 'A bug report with the dead letter (tributary dlq inspect) helps; redrive after the fix.',
        details: { topic: context.topic },
      });
    }
    const transform = parts.transforms.get(route.output);
    if (transform) {
      try {
        enriched = await transform.apply(enriched, context.key);
      } catch (error) {
        parts.metrics?.transformFailures.inc({ topic: route.output, error_code: (error as TributaryError).code ?? 'UNKNOWN' });
        throw error;
      }
    }
    store.commit();
    if (observed.languageMethod) parts.metrics?.languageDecisions.inc({ topic: context.topic, method: observed.languageMethod });
    if (observed.series) {
      parts.metrics?.snapshots.inc({
        entity_kind: context.topic === 'social.raw.account-metrics' ? 'ACCOUNT' : 'POST',
        series: observed.series,
        previous: observed.previousFound ? 'found' : 'none',
      });
    }
    return [{ topic: route.output, schema: route.schema, value: enriched }];
  };
}

/** Settings → enrichment options, refusing nonsense the schema formats cannot express. */
export function enrichOptionsOf(settings: EnrichSettings, now: () => number = Date.now): EnrichOptions {
  const margin = settings.enrich.languageAmbiguityMargin;
  if (!(margin >= 0 && margin < 1)) {
    throw new ConfigError('ENRICH_SETTINGS_INVALID', `enrich.languageAmbiguityMargin must be in [0, 1), got ${margin}.`);
  }
  return {
    historyDepth: settings.enrich.historyDepth,
    language: { minGraphemes: settings.enrich.languageMinGraphemes, ambiguityMargin: margin },
    now,
  };
}

/** Compiles and dry-runs the configured transforms (ConfigError when one is bad). */
export async function loadUserTransforms(settings: EnrichSettings, options: EnrichOptions): Promise<Map<string, UserTransform>> {
  const declared = readTransformDeclarations(settings.enrich.transformsFile, settings.enrich.transforms);
  return compileTransforms(
    declared,
    {
      timeoutMs: settings.enrich.transformTimeoutMs,
      maxDepth: settings.enrich.transformMaxDepth,
      maxSequence: settings.enrich.transformMaxSequence,
    },
    (topic) => enrichedExamples(topic, options),
  );
}

export function createEnrichDefinition(options: { now?: () => number } = {}): ProcessorDefinition<EnrichSettings> {
  return {
    service: SERVICE,
    inputs: ENRICH_INPUTS,
    states: [ENRICH_STATE_TOPIC],
    async create({ settings, logger, metrics, state }) {
      const enrichOptions = enrichOptionsOf(settings, options.now);
      const transforms = await loadUserTransforms(settings, enrichOptions);
      const history = state<EntityHistory>(ENRICH_STATE_TOPIC);
      logTransforms(logger, transforms);
      return createEnrichRecord({ options: enrichOptions, transforms, state: history, metrics: createEnrichMetrics(metrics, history) });
    },
  };
}

function logTransforms(logger: Logger, transforms: ReadonlyMap<string, UserTransform>): void {
  if (transforms.size > 0) logger.info({ topics: [...transforms.keys()] }, 'User transforms compiled and dry-run on the golden examples.');
}

export const ENRICH: ProcessorDefinition<EnrichSettings> = createEnrichDefinition();
