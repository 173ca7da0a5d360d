// Configuration of transform-enrich: one convict schema, read only through loadConfig
// (TRIBUTARY_ENRICH_* plus the shared Kafka, registry and telemetry fragments).
import type convict from 'convict';
import { httpSchema, kafkaSchema, loadConfig, registrySchema, telemetrySchema } from '@tributary/config';
import type { LoadOptions } from '@tributary/config';
import { processorSchema } from '@tributary/processor-kit';
import type { ProcessorServiceSettings } from '@tributary/processor-kit';

export const SERVICE = 'transform-enrich';
const ENV = 'TRIBUTARY_ENRICH';
/** 9471-9473 are the sources' health ports; 9470 is free on a host that runs the whole pipeline. */
export const DEFAULT_HTTP_PORT = 9470;

export interface EnrichOptionsSettings {
  historyDepth: number;
  languageMinGraphemes: number;
  languageAmbiguityMargin: number;
  transformsFile: string;
  transforms: string;
  transformTimeoutMs: number;
  transformMaxDepth: number;
  transformMaxSequence: number;
}

export interface EnrichSettings extends ProcessorServiceSettings {
  enrich: EnrichOptionsSettings;
}

export const enrichOptionsSchema: convict.Schema<EnrichOptionsSettings> = {
  historyDepth: {
    doc: 'Metric snapshots remembered per entity and series in tributary.enrich-state; a replay older than this many snapshots gets null deltas, never wrong ones.',
    format: 'positive-int',
    default: 16,
    env: `${ENV}_HISTORY_DEPTH`,
  },
  languageMinGraphemes: {
    doc: 'Shortest prose (user-perceived characters, without links, hashtags and mentions) on which language is detected; below it language is UNDETERMINED (trigram detection is noise on a few words).',
    format: 'positive-int',
    default: 20,
    env: `${ENV}_LANGUAGE_MIN_GRAPHEMES`,
  },
  languageAmbiguityMargin: {
    doc: 'A detected language is refused as ambiguous when the runner-up scores within this fraction of the winner (franc scores the winner 1.0).',
    format: Number,
    default: 0.1,
    env: `${ENV}_LANGUAGE_AMBIGUITY_MARGIN`,
  },
  transformsFile: {
    doc: 'YAML or JSON file mapping enriched topics to JSONata expressions (user-defined transformations, services/transform-enrich/README.md); empty: none.',
    format: String,
    default: '',
    env: `${ENV}_TRANSFORMS_FILE`,
  },
  transforms: {
    doc: 'Inline JSON object mapping enriched topics to JSONata expressions, in addition to transformsFile (a topic may be declared once).',
    format: String,
    default: '',
    env: `${ENV}_TRANSFORMS`,
  },
  transformTimeoutMs: {
    doc: 'Longest one user-transform evaluation may run before the record is dead-lettered (ENRICH_TRANSFORM_FAILED).',
    format: 'positive-int',
    default: 50,
    env: `${ENV}_TRANSFORM_TIMEOUT_MS`,
  },
  transformMaxDepth: {
    doc: 'Deepest nesting of evaluations (recursion) a user transform may reach.',
    format: 'positive-int',
    default: 200,
    env: `${ENV}_TRANSFORM_MAX_DEPTH`,
  },
  transformMaxSequence: {
    doc: 'Most items a user transform may build in one sequence (e.g. a range).',
    format: 'positive-int',
    default: 100_000,
    env: `${ENV}_TRANSFORM_MAX_SEQUENCE`,
  },
};

export const enrichSchema: convict.Schema<EnrichSettings> = {
  processor: processorSchema(ENV, { groupId: SERVICE }),
  http: httpSchema(DEFAULT_HTTP_PORT, `${ENV}_HTTP`),
  kafka: kafkaSchema,
  registry: registrySchema,
  telemetry: telemetrySchema(SERVICE),
  enrich: enrichOptionsSchema,
};

export function loadEnrichSettings(options: LoadOptions = {}): EnrichSettings {
  return loadConfig(enrichSchema, options).values as EnrichSettings;
}
