// Anomaly detection on metric velocity, per account, with robust statistics (robust-statistics.ts).
//
// Velocities come from transform-enrich (PostMetricsEnrichment.views_per_hour and
// engagements_per_hour, judged against the post's owning account; AccountMetricsEnrichment.
// followers_per_day). Each account and metric keeps a baseline of its newest samples in the
// compacted topic tributary.quality-state (VelocityBaseline, key `<platform>:<account_id>:<metric>`).
// A velocity is judged against the samples observed strictly before it, so processing a record
// again — after a crash, or in a replay within the window — judges it against the same samples;
// samples are deduplicated by event_id, so it is never counted twice. Anomalies are flagged (WARN),
// never dropped. Period aggregates carry no velocity of their own and are not judged.
//
// A sample joins the baseline only when its record is curated (commit()): a quarantined record's
// velocity is not evidence of the account's normal. Anomalous but curated velocities do join — if
// the account really took off, the baseline follows within a window.
import type { Platform, QualityFlag, VelocityBaseline, VelocitySample } from '@tributary/events';
import { finding } from '../rules/catalogue.ts';
import { show } from '../rules/subject.ts';
import type { AnomalySettings, AssessedEvent } from '../rules/subject.ts';
import { robustScore } from './robust-statistics.ts';
import type { RobustScore } from './robust-statistics.ts';

export const VELOCITY_METRICS = ['views_per_hour', 'engagements_per_hour', 'followers_per_day'] as const;
export type VelocityMetric = (typeof VELOCITY_METRICS)[number];

export interface VelocityObservation {
  platform: Platform;
  accountId: string;
  metric: VelocityMetric;
  sample: VelocitySample;
}

/** The keyed state the baselines live in (processor-kit's KeyedState fits). */
export interface BaselineStore {
  get(key: string): VelocityBaseline | undefined;
  set(key: string, value: VelocityBaseline | null): void;
}

export function baselineKey(platform: Platform, accountId: string, metric: VelocityMetric): string {
  return `${platform}:${accountId}:${metric}`;
}

/** The velocities of an event worth judging: lifetime snapshots with a finite velocity and a known account. */
export function velocityObservations(subject: AssessedEvent): VelocityObservation[] {
  const { envelope } = subject.event;
  const base = { event_id: envelope.event_id, entity_id: envelope.entity_id, observed_at: envelope.observed_at };
  const out: VelocityObservation[] = [];
  const add = (accountId: string, metric: VelocityMetric, value: number | null): void => {
    if (value !== null && Number.isFinite(value) && accountId.trim() !== '') {
      out.push({ platform: envelope.platform, accountId, metric, sample: { ...base, value } });
    }
  };
  if (subject.kind === 'post-metrics' && subject.event.period === null && subject.event.enrichment !== null) {
    add(subject.event.account_id, 'views_per_hour', subject.event.enrichment.views_per_hour);
    add(subject.event.account_id, 'engagements_per_hour', subject.event.enrichment.engagements_per_hour);
  }
  if (subject.kind === 'account-metrics' && subject.event.period === null && subject.event.enrichment !== null) {
    add(envelope.entity_id, 'followers_per_day', subject.event.enrichment.followers_per_day);
  }
  return out;
}

/** The samples a new sample is judged against: observed strictly before it, itself excluded. */
export function priorSamples(baseline: VelocityBaseline | undefined, sample: VelocitySample): VelocitySample[] {
  return (baseline?.samples ?? []).filter((prior) => prior.observed_at < sample.observed_at && prior.event_id !== sample.event_id);
}

/** The baseline with `observation` added (replacing a sample of the same event), the newest `windowSamples` kept. */
export function withSample(
  baseline: VelocityBaseline | undefined,
  observation: VelocityObservation,
  windowSamples: number,
  updatedAt: number,
): VelocityBaseline {
  const samples = (baseline?.samples ?? []).filter((sample) => sample.event_id !== observation.sample.event_id);
  samples.push(observation.sample);
  samples.sort((a, b) => a.observed_at - b.observed_at || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
  return {
    platform: observation.platform,
    account_id: observation.accountId,
    metric: observation.metric,
    samples: samples.slice(-windowSamples),
    updated_at: updatedAt,
  };
}

export interface VelocityVerdict {
  metric: VelocityMetric;
  value: number;
  /** Prior samples the value was judged against. */
  samples: number;
  /** Absent when there were fewer than minSamples. */
  score?: RobustScore;
  anomalous: boolean;
}

export interface VelocityJudgement {
  flags: QualityFlag[];
  verdicts: VelocityVerdict[];
  /** Adds the event's samples to their baselines (call only for records that are curated). */
  commit(): void;
}

function anomalyDetail(verdict: VelocityVerdict, score: RobustScore, threshold: number): string {
  const scale = score.scale === 'MEAN_AD' ? ' (MAD 0: mean absolute deviation used)' : '';
  return (
    `${verdict.metric} ${show(verdict.value)} against median ${show(score.median)}, MAD ${show(score.mad)} of ${verdict.samples} samples: ` +
    `z ${show(score.z ?? 0)}, threshold ${show(threshold)}${scale}`
  );
}

export function judgeVelocity(
  subject: AssessedEvent,
  store: BaselineStore,
  settings: AnomalySettings,
  now: () => number,
): VelocityJudgement {
  const observations = velocityObservations(subject);
  const flags: QualityFlag[] = [];
  const verdicts: VelocityVerdict[] = [];
  for (const observation of observations) {
    const key = baselineKey(observation.platform, observation.accountId, observation.metric);
    const prior = priorSamples(store.get(key), observation.sample);
    const verdict: VelocityVerdict = {
      metric: observation.metric,
      value: observation.sample.value,
      samples: prior.length,
      anomalous: false,
    };
    if (prior.length >= settings.minSamples) {
      const score = robustScore(
        observation.sample.value,
        prior.map((sample) => sample.value),
      );
      verdict.score = score;
      verdict.anomalous = score.z !== null && Math.abs(score.z) > settings.threshold;
      if (verdict.anomalous) {
        flags.push(
          finding('VELOCITY_ANOMALY', 'WARN', `enrichment.${observation.metric}`, anomalyDetail(verdict, score, settings.threshold)),
        );
      }
    }
    verdicts.push(verdict);
  }
  return {
    flags,
    verdicts,
    commit() {
      for (const observation of observations) {
        const key = baselineKey(observation.platform, observation.accountId, observation.metric);
        const baseline = store.get(key);
        const { event_id: eventId, value, observed_at: observedAt } = observation.sample;
        const known = baseline?.samples.some((s) => s.event_id === eventId && s.value === value && s.observed_at === observedAt);
        // Processing a record again changes nothing: no state write either.
        if (!known) store.set(key, withSample(baseline, observation, settings.windowSamples, now()));
      }
    },
  };
}
