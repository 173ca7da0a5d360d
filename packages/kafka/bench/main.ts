// `npm run bench`: benchmarks of the Kafka layer, printed as tables (no assertions).
//   serde     Confluent framing overhead vs raw avsc (no I/O)
//   producer  Tributary's producer vs a raw kafkajs producer, against the configured Kafka
//   broker    the broker ceiling with Kafka's own ProducerPerformance / ConsumerPerformance
// Options: --only serde,producer,broker   --quick (fewer messages, fewer runs)
// Kafka and the registry come from configuration (TRIBUTARY_KAFKA_BROKERS, …; default: the local
// stack — start it with `npm run stack -- up`). Numbers and how to read them: packages/kafka/README.md.
import { cpus, totalmem } from 'node:os';
import { kafkaSchema, loadConfig, registrySchema } from '@tributary/config';
import { KAFKA_VERSION, loadStackSettings, stackStatus } from '@tributary/local-stack';
import { createLogger } from '@tributary/telemetry';
import { runBrokerCeiling } from './broker-ceiling.ts';
import { runProducerBench } from './producer-bench.ts';
import { runSerdeBench } from './serde-bench.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyIndex = args.indexOf('--only');
const selected = new Set(onlyIndex >= 0 ? (args[onlyIndex + 1] ?? '').split(',') : ['serde', 'producer', 'broker']);
const out = (line: string): void => void process.stdout.write(`${line}\n`);

const { values } = loadConfig({ kafka: kafkaSchema, registry: registrySchema });
const logger = createLogger({ serviceName: 'bench', level: 'error' });
const cpu = cpus()[0];
out(
  `Tributary Kafka benchmarks · Node ${process.version} · ${cpus().length} × ${cpu?.model ?? 'CPU'} · ${Math.round(totalmem() / 2 ** 30)} GiB · ` +
    `Kafka ${values.kafka.brokers.join(',')} · ${quick ? 'quick' : 'full'} run`,
);

let brokerPid: number | undefined;
try {
  const status = await stackStatus();
  const kafka = status.components.find((component) => component.component === 'kafka');
  if (kafka?.state === 'running' && status.endpoints.kafkaBrokers === values.kafka.brokers.join(',')) brokerPid = kafka.pid;
} catch {
  // not the local stack: broker CPU is not shown
}

if (selected.has('serde')) await runSerdeBench({ quick, registry: values.registry, out });
if (selected.has('producer')) await runProducerBench({ kafka: values.kafka, logger, quick, out, ...(brokerPid ? { brokerPid } : {}) });
if (selected.has('broker')) {
  const stack = loadStackSettings();
  await runBrokerCeiling({
    kafka: values.kafka,
    logger,
    quick,
    kafkaVersion: KAFKA_VERSION,
    downloadsDir: stack.downloadsDir,
    javaCommand: stack.java.command,
    mavenCommand: stack.maven.command,
    mavenLocalRepository: stack.maven.localRepository,
    out,
    ...(brokerPid ? { brokerPid } : {}),
  });
}
out('');
