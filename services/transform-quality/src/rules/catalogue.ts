// The rule catalogue: every flag code transform-quality can emit, the severities it comes with
// and, for WARN, the weight it takes off the score. A code keeps its meaning forever; changing a
// condition, a severity or a weight is a new RULESET_VERSION, so assessments from different
// releases can be told apart (QualityAssessment.ruleset_version). The README's rule table
// describes each code's exact condition and is checked against this list by the tests.
import { TributaryError } from '@tributary/errors';
import type { QualityFlag } from '@tributary/events';

/** Bump when a rule's condition, severity or weight changes. */
export const RULESET_VERSION = '2026-11-24.2';

export type Severity = 'HARD' | 'WARN' | 'INFO';

export interface RuleDefinition {
  /** The severities this code is emitted with (the README says which condition gives which). */
  severities: readonly Severity[];
  /** Score taken off per WARN flag of this code (HARD sets the score to 0; INFO takes nothing). */
  warnWeight: number;
}

export const RULES = {
  // Identity and required fields (rules/required-fields.ts)
  REQUIRED_FIELD_MISSING: { severities: ['HARD'], warnWeight: 0 },
  ENTITY_KIND_MISMATCH: { severities: ['HARD'], warnWeight: 0 },
  EVENT_ID_MISMATCH: { severities: ['HARD'], warnWeight: 0 },
  METRICS_EMPTY: { severities: ['HARD'], warnWeight: 0 },
  PLATFORM_UNKNOWN: { severities: ['WARN'], warnWeight: 0.1 },
  EXTENSION_PLATFORM_MISMATCH: { severities: ['WARN'], warnWeight: 0.1 },
  ENRICHMENT_MISSING: { severities: ['WARN'], warnWeight: 0.1 },
  // Ranges (rules/ranges.ts)
  NEGATIVE_VALUE: { severities: ['HARD'], warnWeight: 0 },
  PERIOD_INVALID: { severities: ['HARD'], warnWeight: 0 },
  COUNTER_IMPLAUSIBLE: { severities: ['WARN'], warnWeight: 0.3 },
  ENGAGEMENT_RATE_OUT_OF_RANGE: { severities: ['WARN'], warnWeight: 0.1 },
  DURATION_IMPLAUSIBLE: { severities: ['WARN'], warnWeight: 0.05 },
  DIMENSION_INVALID: { severities: ['WARN'], warnWeight: 0.05 },
  WATCH_TIME_INCONSISTENT: { severities: ['WARN'], warnWeight: 0.1 },
  // Consistency between counters (rules/counter-consistency.ts)
  COUNTER_DECREASED: { severities: ['INFO', 'WARN'], warnWeight: 0.2 },
  REACH_EXCEEDS_VIEWS: { severities: ['WARN'], warnWeight: 0.2 },
  // Time (rules/timestamps.ts)
  COLLECTED_AT_IMPLAUSIBLE: { severities: ['HARD'], warnWeight: 0 },
  TIMESTAMP_UNIT_SUSPECT: { severities: ['HARD'], warnWeight: 0 },
  TIMESTAMP_IN_FUTURE: { severities: ['HARD', 'WARN'], warnWeight: 0.2 },
  TIMESTAMP_TOO_OLD: { severities: ['HARD', 'WARN'], warnWeight: 0.2 },
  TIMESTAMP_ORDER: { severities: ['WARN'], warnWeight: 0.1 },
  OBSERVATION_DELAYED: { severities: ['WARN'], warnWeight: 0.05 },
  // Platform retention and freshness (rules/platform-retention.ts)
  STORY_EXPIRED: { severities: ['WARN'], warnWeight: 0.2 },
  INSIGHTS_BEYOND_RETENTION: { severities: ['WARN'], warnWeight: 0.2 },
  PERIOD_NOT_FINAL: { severities: ['INFO'], warnWeight: 0 },
  MEDIA_URL_EXPIRED: { severities: ['INFO'], warnWeight: 0 },
  // Duplicates (rules/duplicates.ts)
  DUPLICATE_CONFLICT: { severities: ['INFO', 'WARN'], warnWeight: 0.2 },
  // Anomalies (anomaly/velocity-anomaly.ts)
  VELOCITY_ANOMALY: { severities: ['WARN'], warnWeight: 0.1 },
} as const satisfies Record<string, RuleDefinition>;

export type RuleCode = keyof typeof RULES;

/** Builds a flag; the severity must be one the catalogue declares for the code. */
export function finding(code: RuleCode, severity: Severity, field: string | null, detail: string): QualityFlag {
  if (!(RULES[code].severities as readonly Severity[]).includes(severity)) {
    throw new TributaryError('QUALITY_RULE_UNDECLARED', `Rule ${code} is not declared with severity ${severity} (rules/catalogue.ts).`, {
      failureType: 'system',
    });
  }
  return { code, severity, field, detail };
}
