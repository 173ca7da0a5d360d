// The kafkajs client factory (client.ts) is deliberately not exported: every Kafka use goes through
// the functions below, so the client library can be swapped. Tests that inspect a broker import it
// from src/client.ts directly.
export { createSchemaRegistry, classifyRegistryError } from './registry.ts';
export type { Registry } from './registry.ts';
export { injectTraceHeaders, extractTraceContext } from './trace-headers.ts';
export type { KafkaHeaders } from './trace-headers.ts';
export { connectTopicAdmin, peekRecords } from './topic-admin.ts';
export type { TopicAdmin, TopicState, NewTopic, GroupDescription, PeekedRecord, PeekOptions } from './topic-admin.ts';
export { createRegistryAdmin } from './registry-admin.ts';
export type { RegistryAdmin, RegisteredSchema } from './registry-admin.ts';
export { MAGIC_BYTE, WIRE_HEADER_BYTES, SerdeError, isSerdeError, readSchemaId } from './wire-format.ts';
export type { SerdeErrorCode } from './wire-format.ts';
export { createSchemaLookup } from './schema-lookup.ts';
export type { SchemaLookup, RegisteredSchemaText } from './schema-lookup.ts';
export { createSerde, avroTypeOf, invalidPaths } from './serde.ts';
export type { AvroSchema, Decoded, Decoder, Encoder, Serde, SerdeOptions } from './serde.ts';
export { headerText } from './records.ts';
export type { ConsumedRecord, ProducedRecord, RecordHeaders, HeaderValue } from './records.ts';
export { classifyKafkaError, isRebalanceError } from './kafka-errors.ts';
export { createProducer, recordSizeBytes, DEFAULT_MAX_RECORD_BYTES, DEFAULT_MAX_REQUEST_BYTES } from './producer.ts';
export type { Producer, ProducerOptions, ProducerCompression, SendResult, PartitionAck, TopicProduceStats } from './producer.ts';
export { DLQ_HEADERS, DLQ_HEADER_PREFIX, deadLetterHeaders, deadLetterRecord, readDeadLetterHeaders } from './dead-letter.ts';
export type { DeadLetterStage, DeadLetterContext, OriginalRecord } from './dead-letter.ts';
export { QUARANTINE_HEADERS, QUARANTINE_HEADER_PREFIX, readQuarantineHeaders } from './quarantine-headers.ts';
export type { QuarantineHeaderName } from './quarantine-headers.ts';
export { failureVerdict, backoffDelayMs, DEFAULT_RETRY_POLICY } from './retry.ts';
export type { FailureVerdict, RetryPolicy } from './retry.ts';
export { runConsumer } from './consumer-runtime.ts';
export type { ConsumerRuntime, ConsumerRuntimeOptions, RuntimeStats, RuntimePhase, StopResult } from './consumer-runtime.ts';
export type {
  BatchHandler,
  HandlerBatch,
  HandlerContext,
  HandleOutcome,
  RecordRejection,
  RuntimeEvent,
  TopicConsumeStats,
} from './batch-processor.ts';
export { startRangeConsumer, StaleGenerationError } from './range-consumer.ts';
export { readTopicToEnd } from './topic-reader.ts';
export type { ReadTopicOptions, ReadTopicResult, TopicRecord } from './topic-reader.ts';
export type { CommittedPosition, PartitionRun, RangeConsumer, RangeConsumerOptions, RangeRecord } from './range-consumer.ts';
