// What every command gets: validated configuration and a human-readable logger on stderr.
import pino from 'pino';
import pretty from 'pino-pretty';
import { clickhouseSchema, kafkaSchema, loadConfig, registrySchema, telemetrySchema } from '@tributary/config';
import type { ClickHouseSettings, KafkaSettings, LoadedConfig, RegistrySettings, TelemetrySettings } from '@tributary/config';
import { clickhouseRetentionSchema } from '@tributary/clickhouse';
import type { ClickHouseRetentionSettings } from '@tributary/clickhouse';
import { createLogger } from '@tributary/telemetry';
import type { Logger } from '@tributary/telemetry';

export interface CliSettings {
  kafka: KafkaSettings;
  registry: RegistrySettings;
  clickhouse: ClickHouseSettings & { retention: ClickHouseRetentionSettings };
  telemetry: TelemetrySettings;
}

export const cliSchema = {
  kafka: kafkaSchema,
  registry: registrySchema,
  clickhouse: { ...clickhouseSchema, retention: clickhouseRetentionSchema },
  telemetry: telemetrySchema('cli'),
};

export interface CliContext {
  config: LoadedConfig<CliSettings>;
  logger: Logger;
}

export interface GlobalOptions {
  config?: string[];
  logLevel?: string;
  json?: boolean;
}

export function createContext(options: GlobalOptions): CliContext {
  const config = loadConfig<CliSettings>(cliSchema, {
    ...(options.config ? { files: options.config } : {}),
    overrides: { 'telemetry.logLevel': options.logLevel },
  });
  const level = config.values.telemetry.logLevel;
  const destination = options.json
    ? pino.destination(2)
    : pretty({
        destination: 2,
        colorize: process.stderr.isTTY,
        ignore: 'pid,hostname,service,component,logFile',
        translateTime: 'HH:MM:ss',
        singleLine: true,
      });
  return { config, logger: createLogger({ serviceName: 'cli', level }, destination) };
}
