// Settings every stream processor shares, as a convict fragment. A processor's spec.ts composes
//   { processor: processorSchema('TRIBUTARY_ENRICH', { groupId: 'transform-enrich' }), http: httpSchema(9471, 'TRIBUTARY_ENRICH_HTTP'),
//     kafka: kafkaSchema, registry: registrySchema, telemetry: telemetrySchema('transform-enrich'), enrich: { … } }
import type convict from 'convict';
import type { HttpSettings, KafkaSettings, RegistrySettings, TelemetrySettings } from '@tributary/config';

export interface ProcessorSettings {
  groupId: string;
  /** `<catalogue topic>=<topic>` entries: read, write and keep state in other topics (staging, isolated tests). */
  topicOverrides: string[];
  maxBatchRecords: number;
  fromBeginning: boolean;
  shutdownDeadlineMs: number;
}

export interface ProcessorServiceSettings {
  processor: ProcessorSettings;
  http: HttpSettings;
  kafka: KafkaSettings;
  registry: RegistrySettings;
  telemetry: TelemetrySettings;
}

export function processorSchema(envPrefix: string, defaults: { groupId: string }): convict.Schema<ProcessorSettings> {
  return {
    groupId: {
      doc: 'Consumer group: its committed offsets are where the processor resumes; `tributary replay` moves them.',
      format: String,
      default: defaults.groupId,
      env: `${envPrefix}_GROUP_ID`,
    },
    topicOverrides: {
      doc: 'Comma-separated `<catalogue topic>=<topic>` entries: consume, produce and keep state in these topics instead (staging, isolated tests). Values are still encoded under the catalogue topic’s subject.',
      format: Array,
      default: [],
      env: `${envPrefix}_TOPIC_OVERRIDES`,
    },
    maxBatchRecords: {
      doc: 'Most records handled (and produced) per batch; offsets commit after each batch’s outputs and state are acknowledged.',
      format: 'positive-int',
      default: 500,
      env: `${envPrefix}_MAX_BATCH_RECORDS`,
    },
    fromBeginning: {
      doc: 'Where a new consumer group starts: the earliest retained offset (true) or the end (false).',
      format: Boolean,
      default: true,
      env: `${envPrefix}_FROM_BEGINNING`,
    },
    shutdownDeadlineMs: {
      doc: 'On SIGTERM, how long the in-flight batch may take to finish and commit before it is abandoned uncommitted (it is processed again on restart).',
      format: 'positive-int',
      default: 20_000,
      env: `${envPrefix}_SHUTDOWN_DEADLINE_MS`,
    },
  };
}
