// @tributary/local-stack: Kafka (KRaft), Apicurio Registry and embedded ClickHouse as plain local
// processes, without Docker. The CLI (`tributary stack up|down|status|logs`) and the test harness
// (@tributary/testing) use this API; see deploy/local/README.md.
export { stackUp, stackDown, stackStatus } from './stack.ts';
export type {
  StackOptions,
  StackUpOptions,
  StackDownOptions,
  StackUpResult,
  StackStatus,
  ComponentStatus,
  StackEndpoints,
} from './stack.ts';
export { stackLogs, stackLogFile } from './logs.ts';
export type { StackLogsOptions } from './logs.ts';
export { COMPONENT_NAMES } from './components.ts';
export type { ComponentName } from './components.ts';
export { localStackSchema, loadStackSettings } from './spec.ts';
export type { LocalStackSettings, SettingsSource } from './spec.ts';
export { KAFKA_VERSION } from './kafka.ts';
export { REGISTRY_VERSION, CONFLUENT_API_PATH } from './registry.ts';
