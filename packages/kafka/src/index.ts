export { createKafka } from './client.ts';
export type { Kafka } from './client.ts';
export { createSchemaRegistry, classifyRegistryError } from './registry.ts';
export type { Registry } from './registry.ts';
export { injectTraceHeaders, extractTraceContext } from './trace-headers.ts';
export type { KafkaHeaders } from './trace-headers.ts';
