// Prometheus metrics every processor exports (names per the metric spec: tributary_processor_*,
// labelled by service and catalogue topic). A processor adds its own on the same registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ProcessorMetrics {
  registry: Registry;
  consumed: Counter<'topic'>;
  produced: Counter<'topic'>;
  deadLettered: Counter<'topic' | 'error_code'>;
  batchSeconds: Histogram<'topic'>;
  stateKeys: Gauge<'state_topic'>;
}

export function createProcessorMetrics(service: string, registry?: Registry): ProcessorMetrics {
  const target = registry ?? new Registry();
  if (!registry) {
    target.setDefaultLabels({ service });
    collectDefaultMetrics({ register: target });
  }
  return {
    registry: target,
    consumed: new Counter({
      name: 'tributary_processor_records_received_total',
      help: 'Records handled, by catalogue input topic (dead letters not included).',
      labelNames: ['topic'],
      registers: [target],
    }),
    produced: new Counter({
      name: 'tributary_processor_records_sent_total',
      help: 'Records produced and acknowledged, by catalogue output topic.',
      labelNames: ['topic'],
      registers: [target],
    }),
    deadLettered: new Counter({
      name: 'tributary_processor_dead_letters_total',
      help: 'Records sent to the dead-letter topic, by input topic and error code.',
      labelNames: ['topic', 'error_code'],
      registers: [target],
    }),
    batchSeconds: new Histogram({
      name: 'tributary_processor_batch_duration_seconds',
      help: 'Time to process a batch, produce its outputs and state, by input topic.',
      labelNames: ['topic'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [target],
    }),
    stateKeys: new Gauge({
      name: 'tributary_processor_state_keys',
      help: 'Keys held in memory per state topic.',
      labelNames: ['state_topic'],
      registers: [target],
    }),
  };
}
