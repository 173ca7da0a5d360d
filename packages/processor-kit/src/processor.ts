// A stream processor: records of catalogue topics in, zero or more events out, on the consumer
// runtime of @tributary/kafka (docs/adr/0025). Per batch of one partition:
//   1. each record, in offset order, goes to the definition's ProcessRecord; a data error
//      rejects that record alone (dead letter with the error's code and message), and so does an
//      output that does not encode with its schema;
//   2. the outputs of the batch are produced and acknowledged (acks=all);
//   3. the staged state is produced and acknowledged;
//   4. only then does the runtime commit the batch's offsets.
// A crash anywhere before 4 processes the batch again: outputs repeat with the same event ids
// (absorbed downstream), and state holds history, so derived values repeat too.
import { TributaryError, isTributaryError } from '@tributary/errors';
import { EVENT_SCHEMAS, TOPICS } from '@tributary/events';
import type { EventSchemaName } from '@tributary/events';
import { createProducer, createSerde, headerText, runConsumer } from '@tributary/kafka';
import type {
  ConsumedRecord,
  ConsumerRuntime,
  Encoder,
  Producer,
  ProducedRecord,
  RecordHeaders,
  RecordRejection,
  Serde,
} from '@tributary/kafka';
import type { Logger } from '@tributary/telemetry';
import { parseTopicOverrides } from '@tributary/connector-kit';
import type { Registry } from 'prom-client';
import { openStateStore, flushStateStores } from './keyed-state.ts';
import type { KeyedState, StateStore } from './keyed-state.ts';
import { createProcessorMetrics } from './metrics.ts';
import type { ProcessorMetrics } from './metrics.ts';
import type { ProcessorServiceSettings } from './settings.ts';

export interface Output {
  /** Catalogue topic name, e.g. social.enriched.posts (topicOverrides are applied by the kit). */
  topic: string;
  /** Full name of the value's schema; encoded with the version registered under `<catalogue topic>-value`. */
  schema: EventSchemaName;
  value: unknown;
  /** Default: the input record's key. */
  key?: string;
  /** Added to the input record's headers, which are carried over (the trace continues). */
  headers?: Record<string, string>;
}

export interface ProcessContext {
  /** Catalogue name of the input topic (overrides undone). */
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  /** Kafka record timestamp, epoch ms. */
  timestamp: number;
  /** Full name of the decoded value's schema. */
  schema: EventSchemaName;
}

/**
 * The outputs of one input record. Throw a TributaryError with failureType 'data' to dead-letter
 * the record (its code and message go into the dead letter); transient errors are retried;
 * anything else stops the processor.
 */
export type ProcessRecord = (value: unknown, context: ProcessContext) => Output[] | Promise<Output[]>;

export interface ProcessorDependencies<S> {
  settings: S;
  logger: Logger;
  metrics: Registry;
  state<V>(topic: string): KeyedState<V>;
}

export interface ProcessorDefinition<S extends ProcessorServiceSettings> {
  service: string;
  /** Catalogue topics consumed. */
  inputs: readonly string[];
  /** Catalogue names of the compacted state topics the processor keeps. */
  states?: readonly string[];
  /** Runs once at boot, after state is loaded; throw a ConfigError to refuse to start. */
  create(dependencies: ProcessorDependencies<S>): ProcessRecord | Promise<ProcessRecord>;
}

export interface ProcessorStats {
  phase: string;
  /** Records in per catalogue input topic. */
  consumed: Record<string, number>;
  /** Records out per catalogue output topic. */
  produced: Record<string, number>;
  deadLettered: number;
  stateKeys: Record<string, number>;
}

export interface ProcessorHandle {
  readonly runtime: ConsumerRuntime;
  readonly metrics: Registry;
  stats(): ProcessorStats;
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

export interface StartProcessorOptions {
  logger: Logger;
  metrics?: Registry;
  /** Signals that stop the consumer; [] in tests and when the service lifecycle handles them. */
  shutdownSignals?: readonly NodeJS.Signals[];
}

function catalogueSchema(topic: string): { name: EventSchemaName; subject: string } {
  const definition = (TOPICS as Record<string, { valueSchema: EventSchemaName | null; valueSubject: string | null }>)[topic];
  if (!definition || definition.valueSchema === null || definition.valueSubject === null) {
    throw new TributaryError('PROCESSOR_TOPIC_UNKNOWN', `Topic ${topic} is not in the topic catalogue with a value schema.`, {
      failureType: 'config',
      hint: 'Processors read and write catalogue topics (schemas/topics/catalogue.yaml); use processor.topicOverrides to redirect them.',
    });
  }
  return { name: definition.valueSchema, subject: definition.valueSubject };
}

/** Every header by its first value, as text. */
function headersAsText(headers: RecordHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = headerText(headers, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

// The producer writes the trace headers of the record's context; the input's own are not copied.
const TRACE_HEADERS = new Set(['traceparent', 'tracestate']);

export async function startProcessor<S extends ProcessorServiceSettings>(
  definition: ProcessorDefinition<S>,
  settings: S,
  options: StartProcessorOptions,
): Promise<ProcessorHandle> {
  const logger = options.logger.child({ component: 'processor', service: definition.service });
  const overrides = parseTopicOverrides(settings.processor.topicOverrides);
  const physical = (topic: string): string => overrides[topic] ?? topic;
  const catalogueOf = new Map(definition.inputs.map((topic) => [physical(topic), topic]));
  const serde: Serde = createSerde(settings.registry);
  const metrics: ProcessorMetrics = createProcessorMetrics(definition.service, options.metrics);

  const stores = new Map<string, StateStore<unknown>>();
  for (const topic of definition.states ?? []) {
    stores.set(
      topic,
      await openStateStore({ kafka: settings.kafka, serde, logger, clientName: definition.service, topic, physicalTopic: physical(topic) }),
    );
  }
  const process = await definition.create({
    settings,
    logger,
    metrics: metrics.registry,
    state<V>(topic: string): KeyedState<V> {
      const store = stores.get(topic);
      if (!store)
        throw new TributaryError('PROCESSOR_STATE_UNDECLARED', `State topic ${topic} is not declared in ${definition.service}'s states.`, {
          failureType: 'config',
        });
      return store as KeyedState<V>;
    },
  });

  const producer: Producer = await createProducer({ kafka: settings.kafka, logger, clientName: `${definition.service}-out` });
  const encoders = new Map<string, Promise<Encoder>>();
  const encoderFor = (topic: string, schema: EventSchemaName): Promise<Encoder> => {
    const id = `${topic}\u0000${schema}`;
    let encoder = encoders.get(id);
    if (!encoder) {
      const { subject } = catalogueSchema(topic);
      encoder = serde.encoder(subject, { schema: EVENT_SCHEMAS[schema].schema });
      encoder.catch(() => encoders.delete(id));
      encoders.set(id, encoder);
    }
    return encoder;
  };

  // Rebalances may hand over partitions whose state another instance wrote: reload before the next batch.
  let reloadNeeded = false;
  let generationsSeen = 0;
  const consumed: Record<string, number> = {};
  const produced: Record<string, number> = {};
  let deadLettered = 0;

  const readerSchemas = Object.fromEntries(
    definition.inputs.map((topic) => [physical(topic), EVENT_SCHEMAS[catalogueSchema(topic).name].schema]),
  );

  const runtime = await runConsumer<unknown>({
    kafka: settings.kafka,
    registry: serde,
    logger,
    service: definition.service,
    groupId: settings.processor.groupId,
    topics: [...catalogueOf.keys()],
    readerSchemas,
    deadLetterTopic: physical(`dlq.${definition.service}`),
    fromBeginning: settings.processor.fromBeginning,
    maxBatchRecords: settings.processor.maxBatchRecords,
    shutdownDeadlineMs: settings.processor.shutdownDeadlineMs,
    shutdownSignals: options.shutdownSignals ?? [],
    onEvent(event) {
      if (event.type === 'assigned') {
        generationsSeen += 1;
        // The first assignment follows the load at open.
        if (generationsSeen > 1 && stores.size > 0) reloadNeeded = true;
      } else if (event.type === 'dead-lettered') {
        deadLettered += 1;
        metrics.deadLettered.inc({ topic: catalogueOf.get(event.topic) ?? event.topic, error_code: event.errorCode });
      }
    },
    async handleBatch(batch, context) {
      if (reloadNeeded) {
        reloadNeeded = false;
        for (const store of stores.values()) await store.reload();
        await context.heartbeat();
      }
      const topic = catalogueOf.get(batch.topic) ?? batch.topic;
      const schema = catalogueSchema(topic).name;
      const stopTimer = metrics.batchSeconds.startTimer({ topic });
      const rejected: RecordRejection<unknown>[] = [];
      const out: ProducedRecord[] = [];
      const counts: Record<string, number> = {};
      for (const record of batch.records) {
        try {
          const outputs = await process(record.value, {
            topic,
            partition: record.partition,
            offset: record.offset,
            key: record.key,
            headers: headersAsText(record.headers),
            timestamp: record.timestamp,
            schema,
          });
          const encoded: ProducedRecord[] = [];
          for (const output of outputs) encoded.push(await encodeOutput(output, record));
          out.push(...encoded);
          for (const output of outputs) counts[output.topic] = (counts[output.topic] ?? 0) + 1;
        } catch (error) {
          if (isTributaryError(error) && error.failureType === 'data') rejected.push({ record, error });
          else throw error;
        }
      }
      if (out.length > 0) await producer.send(out);
      await flushStateStores(producer, stores.values());
      consumed[topic] = (consumed[topic] ?? 0) + batch.records.length;
      metrics.consumed.inc({ topic }, batch.records.length);
      for (const [target, count] of Object.entries(counts)) {
        produced[target] = (produced[target] ?? 0) + count;
        metrics.produced.inc({ topic: target }, count);
      }
      stopTimer();
      return { rejected };
    },
  });

  async function encodeOutput(output: Output, input: ConsumedRecord<unknown>): Promise<ProducedRecord> {
    const encoder = await encoderFor(output.topic, output.schema);
    let value: Buffer;
    try {
      value = encoder.encode(output.value);
    } catch (error) {
      throw new TributaryError(
        'PROCESSOR_OUTPUT_INVALID',
        `The ${output.schema} produced for ${output.topic} does not match its schema: ${(error as Error).message}`,
        {
          failureType: 'data',
          cause: error,
          details: { topic: output.topic, schema: output.schema },
        },
      );
    }
    const headers: RecordHeaders = {};
    for (const [name, header] of Object.entries(input.headers)) if (!TRACE_HEADERS.has(name)) headers[name] = header;
    Object.assign(headers, output.headers ?? {});
    return { topic: physical(output.topic), key: output.key ?? input.key, value, headers, traceContext: input.traceContext };
  }

  for (const [topic, store] of stores) metrics.stateKeys.set({ state_topic: topic }, store.size);
  const refreshGauges = setInterval(() => {
    for (const [topic, store] of stores) metrics.stateKeys.set({ state_topic: topic }, store.size);
  }, 5_000);
  refreshGauges.unref();

  const closeAll = async (): Promise<void> => {
    clearInterval(refreshGauges);
    await producer.close().catch((error: unknown) => logger.warn({ err: error }, 'Producer close failed.'));
  };
  const done = runtime.done.finally(closeAll);
  done.catch(() => undefined);

  return {
    runtime,
    metrics: metrics.registry,
    stats: () => ({
      phase: runtime.stats().phase,
      consumed: { ...consumed },
      produced: { ...produced },
      deadLettered,
      stateKeys: Object.fromEntries([...stores].map(([topic, store]) => [topic, store.size])),
    }),
    async stop() {
      await runtime.stop();
      await done.catch(() => undefined);
    },
    done,
  };
}
