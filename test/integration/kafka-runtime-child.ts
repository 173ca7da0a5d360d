// A consumer process for the crash and shutdown tests (kafka-runtime-crash.test.ts). Its handler
// appends each record's id to a ledger file (the durable effect), then, depending on the mode:
//   normal           returns at once;
//   hang-after-write never returns: the parent SIGKILLs it between the effect and the commit;
//   slow             takes 2 s per batch, so a SIGTERM arrives while a batch is in flight.
// It prints READY once consuming and HANDLING when a batch starts, and exits 0 after a graceful stop.
// Usage: node kafka-runtime-child.ts '<json settings>'
import { appendFileSync } from 'node:fs';
import type { KafkaSettings, RegistrySettings } from '@tributary/config';
import { runConsumer } from '@tributary/kafka';
import { createLogger } from '@tributary/telemetry';
import { PING_V1 } from './kafka-runtime-fixture.ts';
import type { Ping } from './kafka-runtime-fixture.ts';

interface ChildSettings {
  kafka: KafkaSettings;
  registry: RegistrySettings;
  topic: string;
  service: string;
  groupId: string;
  ledger: string;
  mode: 'normal' | 'hang-after-write' | 'slow';
}

const settings = JSON.parse(process.argv[2] ?? '{}') as ChildSettings;
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const runtime = await runConsumer<Ping>({
  kafka: settings.kafka,
  registry: settings.registry,
  logger: createLogger({ serviceName: settings.service, level: 'warn' }),
  service: settings.service,
  groupId: settings.groupId,
  topics: [settings.topic],
  readerSchemas: { [settings.topic]: PING_V1 },
  maxWaitTimeMs: 100,
  heartbeatIntervalMs: 500,
  sessionTimeoutMs: 6_000,
  shutdownDeadlineMs: 10_000,
  handleBatch: async (batch) => {
    say(`HANDLING ${batch.records.length}`);
    if (settings.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 2_000));
    appendFileSync(settings.ledger, batch.records.map((record) => `${record.value.id}\n`).join(''));
    if (settings.mode === 'hang-after-write') {
      say('WRITTEN');
      await new Promise(() => undefined); // the parent kills us here: effect durable, offset not committed
    }
    say(`HANDLED ${batch.records.length}`);
  },
});
say('READY');
await runtime.done;
say('STOPPED');
process.exit(0);
