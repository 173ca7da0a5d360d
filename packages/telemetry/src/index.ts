export { createLogger, scrubSecrets, REDACTED_PATHS } from './logger.ts';
export type { Logger, LoggerSettings } from './logger.ts';
