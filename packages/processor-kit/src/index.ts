export { processorSchema } from './settings.ts';
export type { ProcessorSettings, ProcessorServiceSettings } from './settings.ts';
export { startProcessor } from './processor.ts';
export type {
  Output,
  ProcessContext,
  ProcessRecord,
  ProcessorDefinition,
  ProcessorDependencies,
  ProcessorHandle,
  ProcessorStats,
  StartProcessorOptions,
} from './processor.ts';
export { openStateStore, flushStateStores } from './keyed-state.ts';
export type { KeyedState, StateStore, StateStoreOptions } from './keyed-state.ts';
export { runProcessorService, processorHealth } from './service.ts';
export { createProcessorMetrics } from './metrics.ts';
export type { ProcessorMetrics } from './metrics.ts';
