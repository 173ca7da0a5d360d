// Producer path: Tributary's createProducer against a raw kafkajs producer with the same
// settings (idempotent, acks=all, murmur2 partitioner, same compression), the same pre-encoded
// messages and keys, the same batching (sends of `batchRecords`, each awaited before the next,
// as a collector does). Each contender writes to its own fresh 3-partition topic. Reports
// msgs/s, MB/s (key + value bytes) and CPU-seconds per million messages for this Node process
// and, when the local stack's broker pid is known, for the broker.
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import type { KafkaSettings } from '@tributary/config';
import type { Logger } from '@tributary/telemetry';
import { createKafka, javaCompatiblePartitioner } from '../src/client.ts';
import { createProducer } from '../src/producer.ts';
import type { ProducerCompression } from '../src/producer.ts';
import { PAYLOAD_SIZES, benchEvents, benchType } from './corpus.ts';
import { cpuSecondsPerMillion, formatNumber, measure, megabytesPerSecond, perSecond, printTable } from './measure.ts';
import type { Sample } from './measure.ts';

const { CompressionTypes } = kafkajs;

export interface ProducerBenchOptions {
  kafka: KafkaSettings;
  logger: Logger;
  quick: boolean;
  /** The broker's pid, to read its CPU time from /proc (local stack only). */
  brokerPid?: number;
  out: (line: string) => void;
}

interface Message {
  key: string;
  value: Buffer;
}

/** CPU seconds (user + system) of a process from /proc/<pid>/stat; undefined when unreadable. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // After "pid (comm) ": state is field 3, utime 14, stime 15 (1-based) → indexes 11 and 12 here.
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

async function freshTopic(kafka: KafkaSettings, logger: Logger, name: string): Promise<() => Promise<void>> {
  const admin = createKafka(kafka, 'bench-admin', logger).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: name, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  return async () => {
    await admin.deleteTopics({ topics: [name] }).catch(() => undefined);
    await admin.disconnect();
  };
}

interface Row {
  size: number;
  compression: ProducerCompression;
  contender: string;
  sample: Sample;
  /** (slowest - fastest run) / median. */
  spread: number;
  brokerCpuSeconds: number | undefined;
}

export async function runProducerBench(options: ProducerBenchOptions): Promise<Sample | undefined> {
  const total = options.quick ? 20_000 : 100_000;
  const runs = options.quick ? 1 : 5;
  const batchRecords = 500;
  const rows: Row[] = [];
  const cases: Array<[number, ProducerCompression]> = [
    ...PAYLOAD_SIZES.map((size): [number, ProducerCompression] => [size, 'none']),
    [500, 'gzip'],
  ];
  let reference: Sample | undefined;

  for (const [size, compression] of cases) {
    const events = benchEvents(size, 5_000);
    const messages: Message[] = [];
    for (let index = 0; index < total; index++) {
      const event = events[index % events.length]!;
      // Confluent-framed, like every value on Tributary's topics: 5 header bytes + the body.
      const value = Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), benchType.toBuffer(event)]);
      messages.push({ key: `${event.platform}:${event.entity_id}`, value });
    }
    const bytes = messages.reduce((sum, message) => sum + message.value.length + Buffer.byteLength(message.key), 0);

    const rawTopic = `tributary.bench.raw-${size}-${compression}-${Date.now().toString(36)}`;
    const oursTopic = `tributary.bench.ours-${size}-${compression}-${Date.now().toString(36)}`;
    const disposeRaw = await freshTopic(options.kafka, options.logger, rawTopic);
    const disposeOurs = await freshTopic(options.kafka, options.logger, oursTopic);
    const raw = createKafka(options.kafka, 'bench-raw', options.logger).producer({
      idempotent: true,
      maxInFlightRequests: 5,
      createPartitioner: javaCompatiblePartitioner,
      allowAutoTopicCreation: false,
    });
    await raw.connect();
    const ours = await createProducer({ kafka: options.kafka, logger: options.logger, clientName: 'bench', compression });
    const oursRecords = messages.map((message) => ({ topic: oursTopic, key: message.key, value: message.value }));
    const contenders: Array<{ name: string; send: (start: number, end: number) => Promise<unknown> }> = [
      {
        name: 'kafkajs producer (raw)',
        send: (start, end) =>
          raw.send({
            topic: rawTopic,
            acks: -1,
            compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
            messages: messages.slice(start, end),
          }),
      },
      { name: 'Tributary createProducer', send: (start, end) => ours.send(oursRecords.slice(start, end)) },
    ];
    const samples = contenders.map((): Array<{ sample: Sample; broker: number | undefined }> => []);
    try {
      // Warm-up (connections, metadata, producer ids, JIT), then alternate contenders run by run.
      for (const contender of contenders)
        for (let start = 0; start < 5_000; start += batchRecords) await contender.send(start, start + batchRecords);
      for (let run = 0; run < runs; run++) {
        for (const [index, contender] of (run % 2 === 0 ? contenders : [...contenders].reverse()).entries()) {
          const slot = run % 2 === 0 ? index : contenders.length - 1 - index;
          const brokerBefore = processCpuSeconds(options.brokerPid);
          const sample = await measure(total, bytes, async () => {
            for (let start = 0; start < total; start += batchRecords) await contender.send(start, start + batchRecords);
          });
          const brokerAfter = processCpuSeconds(options.brokerPid);
          samples[slot]!.push({
            sample,
            broker: brokerBefore === undefined || brokerAfter === undefined ? undefined : brokerAfter - brokerBefore,
          });
        }
      }
    } finally {
      await raw.disconnect();
      await ours.close();
      await disposeRaw();
      await disposeOurs();
    }
    for (const [index, contender] of contenders.entries()) {
      const sorted = samples[index]!.sort((a, b) => a.sample.wallNs - b.sample.wallNs);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      if (index === 1 && size === 500 && compression === 'none') reference = median.sample;
      const spread = (sorted.at(-1)!.sample.wallNs - sorted[0]!.sample.wallNs) / median.sample.wallNs;
      rows.push({ size, compression, contender: contender.name, sample: median.sample, spread, brokerCpuSeconds: median.broker });
    }
  }

  printTable(
    `Producer: ${formatNumber(total)} messages per run, sends of ${batchRecords} awaited in turn, idempotent, acks=all, 3 partitions, median of ${runs} alternating run${runs === 1 ? '' : 's'}`,
    ['body bytes', 'compression', 'contender', 'msgs/s', 'run spread', 'MB/s', 'Node CPU-s/M', 'broker CPU-s/M', 'vs raw'],
    rows.map((row, index) => {
      const raw = rows[index % 2 === 0 ? index : index - 1]!.sample;
      return [
        String(row.size),
        row.compression,
        row.contender,
        formatNumber(perSecond(row.sample)),
        `±${formatNumber((row.spread / 2) * 100, 0)} %`,
        formatNumber(megabytesPerSecond(row.sample), 1),
        formatNumber(cpuSecondsPerMillion(row.sample), 1),
        row.brokerCpuSeconds === undefined ? '-' : formatNumber(row.brokerCpuSeconds / (row.sample.operations / 1e6), 1),
        index % 2 === 0 ? 'baseline' : `${formatNumber((perSecond(row.sample) / perSecond(raw)) * 100, 0)} %`,
      ];
    }),
    options.out,
  );
  return reference;
}
