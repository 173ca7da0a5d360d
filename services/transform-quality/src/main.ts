// Entry point of transform-quality: configuration, logger, tracing, the processor, /health and
// /metrics, SIGTERM (processor-kit's runProcessorService).
//   npm run quality            (or: node services/transform-quality/src/main.ts)
import { runProcessorService } from '@tributary/processor-kit';
import { QUALITY } from './quality.ts';
import { loadQualitySettings } from './spec.ts';

await runProcessorService(QUALITY, () => loadQualitySettings());
