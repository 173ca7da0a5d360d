// transform-quality as a processor (docs/adr/0025): social.enriched.X → social.curated.X with
// `quality` set, or → social.quarantine.X with `quality` set and the quarantine headers when a
// HARD rule fails; deletions → social.curated.deletions unchanged (they are never quarantined).
// Same key, same envelope and event_id. Velocity baselines live in the compacted topic
// tributary.quality-state (VelocityBaseline).
//
// tributary-quarantine-at is the event's collected_at (the origin record's Kafka timestamp when
// collected_at itself is implausible), not the wall clock: reprocessing or replaying a record
// writes byte-identical quarantine headers, and the quarantine table's time partitions and
// retention follow the data rather than the replay. The Kafka timestamp of the quarantine record
// says when the verdict was produced.
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { parseTopicOverrides } from '@tributary/connector-kit';
import { TributaryError } from '@tributary/errors';
import type { EventSchemaName, Platform, VelocityBaseline } from '@tributary/events';
import { QUARANTINE_HEADERS } from '@tributary/kafka';
import type { Output, ProcessContext, ProcessorDefinition, ProcessRecord } from '@tributary/processor-kit';
import { createQualityJudge } from './assess.ts';
import type { QualityJudge, QualityVerdict } from './assess.ts';
import type { BaselineStore } from './anomaly/velocity-anomaly.ts';
import { RULESET_VERSION } from './rules/catalogue.ts';
import type { AssessedEvent, AssessedKind, QualityRuleSettings } from './rules/subject.ts';
import { SERVICE, validateQualitySettings } from './spec.ts';
import type { QualitySettings } from './spec.ts';

export const QUALITY_STATE_TOPIC = 'tributary.quality-state';

interface AssessedRoute {
  kind: AssessedKind;
  schema: EventSchemaName;
  curated: string;
  quarantine: string;
}
interface PassThroughRoute {
  kind: 'deletion';
  schema: EventSchemaName;
  curated: string;
}

export const QUALITY_ROUTES: Readonly<Record<string, AssessedRoute | PassThroughRoute>> = {
  'social.enriched.posts': {
    kind: 'post',
    schema: 'io.tributary.social.Post',
    curated: 'social.curated.posts',
    quarantine: 'social.quarantine.posts',
  },
  'social.enriched.post-metrics': {
    kind: 'post-metrics',
    schema: 'io.tributary.social.PostMetricsSnapshot',
    curated: 'social.curated.post-metrics',
    quarantine: 'social.quarantine.post-metrics',
  },
  'social.enriched.account-metrics': {
    kind: 'account-metrics',
    schema: 'io.tributary.social.AccountMetricsSnapshot',
    curated: 'social.curated.account-metrics',
    quarantine: 'social.quarantine.account-metrics',
  },
  'social.enriched.comments': {
    kind: 'comment',
    schema: 'io.tributary.social.Comment',
    curated: 'social.curated.comments',
    quarantine: 'social.quarantine.comments',
  },
  'social.enriched.deletions': { kind: 'deletion', schema: 'io.tributary.social.Deletion', curated: 'social.curated.deletions' },
};

export const QUALITY_INPUTS = Object.keys(QUALITY_ROUTES);

export interface QualityMetrics {
  flags: Counter<'code' | 'severity' | 'platform'>;
  records: Counter<'topic' | 'outcome'>;
  quarantined: Counter<'topic' | 'reason'>;
  anomalies: Counter<'metric' | 'platform'>;
  velocity: Counter<'metric' | 'verdict'>;
  score: Histogram<'topic'>;
}

export function createQualityMetrics(registry: Registry, judge: Pick<QualityJudge, 'rememberedEvents'>): QualityMetrics {
  new Gauge({
    name: 'tributary_quality_duplicate_memory_events',
    help: 'Event ids the duplicate rule remembers (bounded by quality.duplicateMemoryEvents).',
    registers: [registry],
    collect() {
      this.set(judge.rememberedEvents);
    },
  });
  return {
    flags: new Counter({
      name: 'tributary_quality_flags_total',
      help: 'Quality flags raised, by rule code, severity (HARD, WARN, INFO) and platform; one per flag.',
      labelNames: ['code', 'severity', 'platform'],
      registers: [registry],
    }),
    records: new Counter({
      name: 'tributary_quality_records_total',
      help: 'Records judged, by input topic and outcome: curated, quarantined, or passed (deletions, unchanged).',
      labelNames: ['topic', 'outcome'],
      registers: [registry],
    }),
    quarantined: new Counter({
      name: 'tributary_quality_quarantined_total',
      help: 'Quarantined records by input topic and reason (each HARD code of the record counts once).',
      labelNames: ['topic', 'reason'],
      registers: [registry],
    }),
    anomalies: new Counter({
      name: 'tributary_quality_anomalies_total',
      help: 'Velocity anomalies flagged (VELOCITY_ANOMALY), by metric and platform.',
      labelNames: ['metric', 'platform'],
      registers: [registry],
    }),
    velocity: new Counter({
      name: 'tributary_quality_velocity_samples_total',
      help: 'Velocities seen by the anomaly detector, by metric and verdict: normal, anomalous, warming-up (fewer than minSamples earlier samples), no-spread (all earlier samples equal).',
      labelNames: ['metric', 'verdict'],
      registers: [registry],
    }),
    score: new Histogram({
      name: 'tributary_quality_score',
      help: 'Quality score of judged records, by input topic.',
      labelNames: ['topic'],
      buckets: [0, 0.5, 0.7, 0.8, 0.9, 0.95, 1],
      registers: [registry],
    }),
  };
}

function recordMetrics(metrics: QualityMetrics, topic: string, platform: Platform, verdict: QualityVerdict): void {
  for (const flag of verdict.assessment.flags) metrics.flags.inc({ code: flag.code, severity: flag.severity, platform });
  metrics.records.inc({ topic, outcome: verdict.hardReasons.length > 0 ? 'quarantined' : 'curated' });
  for (const reason of verdict.hardReasons) metrics.quarantined.inc({ topic, reason });
  metrics.score.observe({ topic }, verdict.assessment.score);
  for (const velocity of verdict.velocity) {
    const judged = velocity.score === undefined ? 'warming-up' : velocity.score.z === null ? 'no-spread' : undefined;
    metrics.velocity.inc({ metric: velocity.metric, verdict: judged ?? (velocity.anomalous ? 'anomalous' : 'normal') });
    if (velocity.anomalous) metrics.anomalies.inc({ metric: velocity.metric, platform });
  }
}

/** The quarantine headers of a record (QUARANTINE_HEADERS in @tributary/kafka). */
export function quarantineHeaders(
  verdict: QualityVerdict,
  context: Pick<ProcessContext, 'partition' | 'offset' | 'timestamp'>,
  originTopic: string,
  curatedTopic: string,
  collectedAt: number,
): Record<string, string> {
  const at = verdict.hardReasons.includes('COLLECTED_AT_IMPLAUSIBLE') ? context.timestamp : collectedAt;
  const atDate = new Date(at);
  return {
    [QUARANTINE_HEADERS.reasons]: verdict.hardReasons.join(','),
    [QUARANTINE_HEADERS.ruleset]: RULESET_VERSION,
    [QUARANTINE_HEADERS.service]: SERVICE,
    [QUARANTINE_HEADERS.quarantinedAt]: Number.isFinite(atDate.getTime()) ? atDate.toISOString() : new Date(0).toISOString(),
    [QUARANTINE_HEADERS.originTopic]: originTopic,
    [QUARANTINE_HEADERS.originPartition]: String(context.partition),
    [QUARANTINE_HEADERS.originOffset]: context.offset,
    [QUARANTINE_HEADERS.originTimestamp]: String(context.timestamp),
    [QUARANTINE_HEADERS.curatedTopic]: curatedTopic,
  };
}

export interface QualityProcessorParts {
  settings: QualityRuleSettings;
  baselines: BaselineStore;
  registry: Registry;
  /** `<catalogue topic>=<topic>` overrides, so origin-topic names the topic actually read. */
  topicOverrides?: readonly string[];
  now?: () => number;
}

/** The ProcessRecord of transform-quality over a baseline store (tests pass an in-memory one). */
export function createQualityProcessor(parts: QualityProcessorParts): ProcessRecord {
  validateQualitySettings(parts.settings);
  const overrides = parseTopicOverrides([...(parts.topicOverrides ?? [])]);
  const judge = createQualityJudge({ settings: parts.settings, baselines: parts.baselines, now: parts.now });
  const metrics = createQualityMetrics(parts.registry, judge);
  return (value, context) => {
    const route = QUALITY_ROUTES[context.topic];
    if (!route) {
      throw new TributaryError('QUALITY_TOPIC_UNKNOWN', `transform-quality has no route for ${context.topic}.`, {
        failureType: 'system',
        hint: `Inputs are ${QUALITY_INPUTS.join(', ')}.`,
      });
    }
    if (route.kind === 'deletion') {
      metrics.records.inc({ topic: context.topic, outcome: 'passed' });
      return [{ topic: route.curated, schema: route.schema, value }];
    }
    const subject = { kind: route.kind, event: value } as AssessedEvent;
    const verdict = judge.assess(subject);
    const { envelope } = subject.event;
    recordMetrics(metrics, context.topic, envelope.platform, verdict);
    const judged = { ...subject.event, quality: verdict.assessment };
    if (verdict.hardReasons.length > 0) {
      const headers = quarantineHeaders(verdict, context, overrides[context.topic] ?? context.topic, route.curated, envelope.collected_at);
      const output: Output = { topic: route.quarantine, schema: route.schema, value: judged, headers };
      return [output];
    }
    verdict.commit();
    return [{ topic: route.curated, schema: route.schema, value: judged }];
  };
}

export const QUALITY: ProcessorDefinition<QualitySettings> = {
  service: SERVICE,
  inputs: QUALITY_INPUTS,
  states: [QUALITY_STATE_TOPIC],
  create({ settings, metrics, state }) {
    return createQualityProcessor({
      settings: settings.quality,
      baselines: state<VelocityBaseline>(QUALITY_STATE_TOPIC),
      registry: metrics,
      topicOverrides: settings.processor.topicOverrides,
    });
  },
};
