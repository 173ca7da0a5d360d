// Entry point of transform-enrich: configuration, logger, tracing, the processor, /health and
// /metrics, SIGTERM (processor-kit's runProcessorService).
//   npm run enrich            (or: node services/transform-enrich/src/main.ts)
import { runProcessorService } from '@tributary/processor-kit';
import { ENRICH } from './enrich.ts';
import { loadEnrichSettings } from './spec.ts';

await runProcessorService(ENRICH, () => loadEnrichSettings());
