export { createLogger, scrubSecrets, REDACTED_PATHS } from './logger.ts';
export type { Logger, LoggerSettings } from './logger.ts';
export { startTracing } from './tracing.ts';
export type { Tracing, TracingSettings } from './tracing.ts';
