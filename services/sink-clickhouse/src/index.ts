export { startSink, parseTopicEntry } from './sink.ts';
export type { Sink, SinkDependencies, SinkStats } from './sink.ts';
export { loadSinkSettings, sinkSchema, sinkOptionsSchema, SERVICE, CRASH_POINTS } from './spec.ts';
export type { CrashPoint, SinkOptions, SinkSettings } from './spec.ts';
export * from './protocol.ts';
