// @tributary/source-testing: what the source services' tests share (README.md). Only for devDependencies.
export { RecordingWriter } from './recording-writer.ts';
export type { RecordedValue } from './recording-writer.ts';
export { advanceTogether, counterValue } from './one-clock.ts';
export type { OneClock } from './one-clock.ts';
export { TestSignals, isolatedSourceTopics, readTopicValues } from './kafka-topics.ts';
export type { IsolatedSourceTopics } from './kafka-topics.ts';
