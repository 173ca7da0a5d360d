export { loadConfig, describeSchema, CONFIG_FILE_ENV } from './load.ts';
export type { LoadOptions, LoadedConfig, SettingDescription } from './load.ts';
export { kafkaSchema, registrySchema, clickhouseSchema, httpSchema, telemetrySchema } from './fragments.ts';
export type { KafkaSettings, RegistrySettings, ClickHouseSettings, HttpSettings, TelemetrySettings } from './fragments.ts';
export { repoRoot } from './paths.ts';
export { processEnvironment, setThreadPoolSize } from './environment.ts';
