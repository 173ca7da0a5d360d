export { startSink, parseTopicEntry } from './sink.ts';
export type { Sink, SinkDependencies, SinkStats } from './sink.ts';
export { loadSinkSettings, sinkSchema, sinkOptionsSchema, SERVICE, CRASH_POINTS } from './spec.ts';
export type { CrashPoint, SinkOptions, SinkSettings } from './spec.ts';
export * from './protocol.ts';
export {
  DEAD_LETTER_TOPIC_PREFIX,
  QUARANTINE_TOPIC_PREFIX,
  catalogueFailedTopics,
  deadLetterFacts,
  deadLetterSchemas,
  parseFailedTopicEntry,
  quarantinedFacts,
} from './failed-records.ts';
export type { DecodedFailedEvent, FailedRecordKind, FailedTopicEntry } from './failed-records.ts';
