// Configuration of transform-quality: one convict schema, read only through loadConfig
// (TRIBUTARY_QUALITY_* plus the shared Kafka, registry and telemetry fragments).
import type convict from 'convict';
import { httpSchema, kafkaSchema, loadConfig, registrySchema, telemetrySchema } from '@tributary/config';
import type { LoadOptions } from '@tributary/config';
import { ConfigError } from '@tributary/errors';
import { processorSchema } from '@tributary/processor-kit';
import type { ProcessorServiceSettings } from '@tributary/processor-kit';
import { DEFAULT_RULE_SETTINGS } from './rules/subject.ts';
import type { AnomalySettings, QualityRuleSettings } from './rules/subject.ts';

export const SERVICE = 'transform-quality';
const ENV = 'TRIBUTARY_QUALITY';
/**
 * 9470 is transform-enrich's, 9471-9473 are the sources' health ports (9472 source-instagram), so
 * 9474 is free on a host that runs the whole pipeline.
 */
export const DEFAULT_HTTP_PORT = 9474;

export interface QualitySettings extends ProcessorServiceSettings {
  quality: QualityRuleSettings;
}

const defaults = DEFAULT_RULE_SETTINGS;

const anomalySchema: convict.Schema<AnomalySettings> = {
  windowSamples: {
    doc: 'Velocity samples kept per account and metric in tributary.quality-state (the newest by observed_at); the median and MAD are computed over them.',
    format: 'positive-int',
    default: defaults.anomaly.windowSamples,
    env: `${ENV}_ANOMALY_WINDOW_SAMPLES`,
  },
  threshold: {
    doc: 'A velocity whose |modified z-score| (0.6745·(x−median)/MAD) exceeds this is flagged VELOCITY_ANOMALY (Iglewicz & Hoaglin recommend 3.5).',
    format: Number,
    default: defaults.anomaly.threshold,
    env: `${ENV}_ANOMALY_THRESHOLD`,
  },
  minSamples: {
    doc: 'Fewest earlier samples an account needs before its velocities are judged at all.',
    format: 'positive-int',
    default: defaults.anomaly.minSamples,
    env: `${ENV}_ANOMALY_MIN_SAMPLES`,
  },
};

export const qualityOptionsSchema: convict.Schema<QualityRuleSettings> = {
  futureSkewMs: {
    doc: 'Clock skew allowed: a timestamp up to this far after the event’s collected_at is not "in the future" (TIMESTAMP_IN_FUTURE).',
    format: 'nat',
    default: defaults.futureSkewMs,
    env: `${ENV}_FUTURE_SKEW_MS`,
  },
  futureHardMs: {
    doc: 'A timestamp more than this after the event’s collected_at cannot be clock skew or a time-zone slip: TIMESTAMP_IN_FUTURE is HARD (quarantine) on any field, not only observed_at.',
    format: 'positive-int',
    default: defaults.futureHardMs,
    env: `${ENV}_FUTURE_HARD_MS`,
  },
  maxObservationLagMs: {
    doc: 'An observed_at more than this before collected_at is flagged OBSERVATION_DELAYED (TikTok retries webhooks for up to 72 h).',
    format: 'positive-int',
    default: defaults.maxObservationLagMs,
    env: `${ENV}_MAX_OBSERVATION_LAG_MS`,
  },
  counterDecreaseRatio: {
    doc: 'A lifetime counter that falls by at most this fraction of its previous value is a platform revision (COUNTER_DECREASED INFO); beyond it and beyond counterDecreaseFloor, WARN. Between 0 and 1.',
    format: Number,
    default: defaults.counterDecreaseRatio,
    env: `${ENV}_COUNTER_DECREASE_RATIO`,
  },
  counterDecreaseFloor: {
    doc: 'A counter that falls by at most this many units is a revision (INFO) whatever its size: small counters revise by a few.',
    format: 'nat',
    default: defaults.counterDecreaseFloor,
    env: `${ENV}_COUNTER_DECREASE_FLOOR`,
  },
  maxEngagementRate: {
    doc: 'engagement_rate above this is flagged ENGAGEMENT_RATE_OUT_OF_RANGE (engagements per view or per reached account).',
    format: Number,
    default: defaults.maxEngagementRate,
    env: `${ENV}_MAX_ENGAGEMENT_RATE`,
  },
  maxPlausibleCounter: {
    doc: 'Counters above this are flagged COUNTER_IMPLAUSIBLE (the most-viewed channels count a few hundred billion views).',
    format: Number,
    default: defaults.maxPlausibleCounter,
    env: `${ENV}_MAX_PLAUSIBLE_COUNTER`,
  },
  maxDurationMs: {
    doc: 'Post durations above this are flagged DURATION_IMPLAUSIBLE (YouTube uploads are at most 12 h).',
    format: 'positive-int',
    default: defaults.maxDurationMs,
    env: `${ENV}_MAX_DURATION_MS`,
  },
  duplicateMemoryEvents: {
    doc: 'Event ids remembered in memory for DUPLICATE_CONFLICT (the first content seen per id, oldest forgotten first; about 400 bytes each, measured).',
    format: 'positive-int',
    default: defaults.duplicateMemoryEvents,
    env: `${ENV}_DUPLICATE_MEMORY_EVENTS`,
  },
  anomaly: anomalySchema,
};

export const qualitySchema: convict.Schema<QualitySettings> = {
  processor: processorSchema(ENV, { groupId: SERVICE }),
  http: httpSchema(DEFAULT_HTTP_PORT, `${ENV}_HTTP`),
  kafka: kafkaSchema,
  registry: registrySchema,
  telemetry: telemetrySchema(SERVICE),
  quality: qualityOptionsSchema,
};

/** Cross-field and range checks convict formats cannot express; throws a ConfigError naming every problem. */
export function validateQualitySettings(settings: QualityRuleSettings): void {
  const problems: string[] = [];
  if (!(settings.counterDecreaseRatio >= 0 && settings.counterDecreaseRatio < 1))
    problems.push('quality.counterDecreaseRatio must be in [0, 1)');
  if (!(settings.maxEngagementRate > 0)) problems.push('quality.maxEngagementRate must be positive');
  if (!(settings.maxPlausibleCounter > 0)) problems.push('quality.maxPlausibleCounter must be positive');
  if (!(settings.anomaly.threshold > 0)) problems.push('quality.anomaly.threshold must be positive');
  if (settings.anomaly.minSamples > settings.anomaly.windowSamples) {
    problems.push('quality.anomaly.minSamples must not exceed quality.anomaly.windowSamples (the baseline could never judge)');
  }
  if (problems.length > 0) {
    throw new ConfigError('QUALITY_SETTINGS_INVALID', `Invalid quality settings:\n  ${problems.join('\n  ')}`, {
      hint: 'Each setting is described in docs/configuration.md and services/transform-quality/README.md.',
    });
  }
}

export function loadQualitySettings(options: LoadOptions = {}): QualitySettings {
  const settings = loadConfig(qualitySchema, options).values as QualitySettings;
  validateQualitySettings(settings.quality);
  return settings;
}
