// @tributary/transform-quality: enriched → curated or quarantine (README.md).
export {
  QUALITY,
  QUALITY_INPUTS,
  QUALITY_ROUTES,
  QUALITY_STATE_TOPIC,
  createQualityMetrics,
  createQualityProcessor,
  quarantineHeaders,
} from './quality.ts';
export type { QualityMetrics, QualityProcessorParts } from './quality.ts';
export { DEFAULT_HTTP_PORT, SERVICE, loadQualitySettings, qualityOptionsSchema, qualitySchema, validateQualitySettings } from './spec.ts';
export type { QualitySettings } from './spec.ts';
export { STATELESS_RULES, createQualityJudge, qualityScore } from './assess.ts';
export type { QualityJudge, QualityJudgeOptions, QualityVerdict } from './assess.ts';
export { RULES, RULESET_VERSION, finding } from './rules/catalogue.ts';
export type { RuleCode, RuleDefinition, Severity } from './rules/catalogue.ts';
export { DEFAULT_RULE_SETTINGS } from './rules/subject.ts';
export type { AnomalySettings, AssessedEvent, AssessedKind, QualityRuleSettings, Rule } from './rules/subject.ts';
export { createDuplicateMemory } from './rules/duplicates.ts';
export type { DuplicateMemory } from './rules/duplicates.ts';
export { PLATFORM_LAUNCH_MS, unitSuspicion } from './rules/timestamps.ts';
export {
  VELOCITY_METRICS,
  baselineKey,
  judgeVelocity,
  priorSamples,
  velocityObservations,
  withSample,
} from './anomaly/velocity-anomaly.ts';
export type { BaselineStore, VelocityJudgement, VelocityMetric, VelocityObservation, VelocityVerdict } from './anomaly/velocity-anomaly.ts';
export {
  MAD_CONSISTENCY,
  MEAN_AD_CONSISTENCY,
  meanAbsoluteDeviation,
  median,
  medianAbsoluteDeviation,
  robustScore,
} from './anomaly/robust-statistics.ts';
export type { RobustScore } from './anomaly/robust-statistics.ts';
