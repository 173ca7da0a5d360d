export {
  ENRICH,
  ENRICH_INPUTS,
  ENRICH_STATE_TOPIC,
  createEnrichDefinition,
  createEnrichRecord,
  createEnrichMetrics,
  enrichOptionsOf,
  loadUserTransforms,
} from './enrich.ts';
export type { EnrichMetrics, EnrichProcessorParts } from './enrich.ts';
export { DEFAULT_HTTP_PORT, SERVICE, enrichSchema, enrichOptionsSchema, loadEnrichSettings } from './spec.ts';
export type { EnrichOptionsSettings, EnrichSettings } from './spec.ts';
export {
  ENRICH_ROUTES,
  applyDeletion,
  enrichAccountMetrics,
  enrichComment,
  enrichEvent,
  enrichPost,
  enrichPostMetrics,
  isEnrichInput,
} from './enrich-event.ts';
export type { EnrichInputTopic, EnrichObservation, EnrichOptions, EnrichOutputTopic, HistoryStore } from './enrich-event.ts';
export { countGraphemes, extractText, normaliseTag, proseOf } from './text-features.ts';
export type { ExtractedText } from './text-features.ts';
export { DEFAULT_LANGUAGE_OPTIONS, decideLanguage, detectLanguage, statedLanguage, toIso6391 } from './language.ts';
export type { LanguageDecision, LanguageMethod, LanguageOptions } from './language.ts';
export { engagementOf, engagementsOf } from './engagement.ts';
export type { Engagement, EngagementBasis, EngagementInput } from './engagement.ts';
export { contentFormatOf } from './content-format.ts';
export { creatorTierOf, sourceTimeZoneOf } from './creator-tier.ts';
export type { CreatorTier } from './creator-tier.ts';
export { DAY_MS, HOUR_MS, delta, emptyHistory, historyKey, knownCounters, previousSnapshot, velocity, withSnapshot } from './history.ts';
export type { Series } from './history.ts';
export { DEFAULT_TRANSFORM_LIMITS, compileTransform, compileTransforms, readTransformDeclarations } from './user-transforms.ts';
export type { TransformLimits, UserTransform } from './user-transforms.ts';
export { enrichedExamples, rawExamples } from './golden-examples.ts';
