export { contractPaths } from './paths.ts';
export type { ContractPaths } from './paths.ts';
export { loadAvroSources, resolveSchema, schemaRuleViolations, referencedTypes } from './avro-sources.ts';
export type { AvroSource, AvroSources } from './avro-sources.ts';
export {
  COMPATIBILITY_LEVELS,
  DEFAULT_COMPATIBILITY,
  checkCandidate,
  checkHistory,
  describeFinding,
  directionsOf,
  incompatibilities,
  isTransitive,
  readProblems,
} from './compatibility.ts';
export type { CompatibilityFinding, CompatibilityLevel, Direction, SchemaVersion } from './compatibility.ts';
export { historyDirFor, readHistory, versionPath, versionText } from './schema-history.ts';
export type { HistoryVersion } from './schema-history.ts';
export { avroTopics, catalogueRuleProblems, catalogueShapeProblems, loadCatalogue, parseCatalogue } from './topic-catalogue.ts';
export type { ReplicationFactor, TopicCatalogue, TopicSpec, TopicValue } from './topic-catalogue.ts';
export { isReleased, latestVersion, loadContract } from './contract.ts';
export type { EventContract, EventSchema, LoadContractOptions } from './contract.ts';
export { changes, formatPlan, planTopics, refusals } from './topic-plan.ts';
export type { ConfigChange, DesiredTopic, ExistingTopic, TopicAction, TopicPlan } from './topic-plan.ts';
export { applyTopics, readExistingTopics } from './topic-apply.ts';
export type { ApplyResult } from './topic-apply.ts';
export {
  candidateSubjectSpecs,
  checkSchemas,
  checkSubject,
  checkSubjectHistory,
  registerSchemas,
  registerSubject,
  subjectSpecs,
  unreleasedSchemas,
} from './schema-registration.ts';
export type { CheckStatus, Registration, SchemaCheck, SubjectSpec } from './schema-registration.ts';
export { contractFiles, encodeExample, examplesDirFor, hexGolden, historyUpdate, readExamples, strayFiles } from './event-codegen.ts';
export type { ContractFiles, ExampleRecord, GeneratedFile, HistoryUpdate } from './event-codegen.ts';
export { jsonEqual } from './json.ts';
export type { Json, JsonObject } from './json.ts';
export { applyContracts } from './apply-contracts.ts';
export type { AppliedContracts } from './apply-contracts.ts';
