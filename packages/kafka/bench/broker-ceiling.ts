// The broker ceiling: Kafka's own Java load generators (ProducerPerformance, ConsumerPerformance
// from the kafka-tools artifact) against the same broker, the same record sizes and the same
// durability settings (idempotent, acks=all). They are what a JVM client reaches on this box,
// the denominator for the Node producer numbers. The tools are fetched once by Maven into the
// local stack's downloads dir (kafka-tools-<version>/), like deploy/local fetches the broker.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KafkaSettings } from '@tributary/config';
import type { Logger } from '@tributary/telemetry';
import { createKafka } from '../src/client.ts';
import { PAYLOAD_SIZES } from './corpus.ts';
import { formatNumber, printTable } from './measure.ts';
import { processCpuSeconds } from './producer-bench.ts';

const POM = fileURLToPath(new URL('./perf-tool/pom.xml', import.meta.url));
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

export interface BrokerCeilingOptions {
  kafka: KafkaSettings;
  logger: Logger;
  quick: boolean;
  kafkaVersion: string;
  downloadsDir: string;
  javaCommand: string;
  mavenCommand: string;
  /** Empty: Maven's default (~/.m2/repository). */
  mavenLocalRepository: string;
  brokerPid?: number;
  out: (line: string) => void;
}

/** The kafka-tools jars, resolved by Maven on first use. */
async function toolJars(options: BrokerCeilingOptions): Promise<string> {
  const dir = join(options.downloadsDir, `kafka-tools-${options.kafkaVersion}`);
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return dir;
  mkdirSync(dir, { recursive: true });
  options.out(`fetching org.apache.kafka:kafka-tools:${options.kafkaVersion} and its dependencies with Maven into ${dir} …`);
  await new Promise<void>((resolve, reject) =>
    execFile(
      options.mavenCommand,
      [
        '-B',
        '-q',
        '-ntp',
        '-f',
        POM,
        `${DEPENDENCY_PLUGIN}:copy-dependencies`,
        '-DincludeScope=runtime',
        `-Dkafka.version=${options.kafkaVersion}`,
        `-DoutputDirectory=${dir}`,
        ...(options.mavenLocalRepository === '' ? [] : [`-Dmaven.repo.local=${options.mavenLocalRepository}`]),
      ],
      { timeout: 600_000, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`Maven could not fetch kafka-tools: ${stderr || stdout || error.message}`)) : resolve(),
    ),
  );
  if (!readdirSync(dir).some((file) => file.startsWith('kafka-tools-'))) throw new Error(`kafka-tools jar missing in ${dir}`);
  writeFileSync(marker, new Date().toISOString());
  return dir;
}

interface ToolRun {
  output: string;
  cpuSeconds: number | undefined;
}

/** Runs a tool class and samples its CPU time until it exits. */
function runTool(options: BrokerCeilingOptions, jars: string, mainClass: string, args: string[]): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.javaCommand, ['-Xmx512m', '-cp', `${jars}/*`, mainClass, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let cpuSeconds: number | undefined;
    const sampler = setInterval(() => (cpuSeconds = processCpuSeconds(child.pid) ?? cpuSeconds), 50);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      if (code === 0) resolve({ output, cpuSeconds });
      else reject(new Error(`${mainClass} exited with ${code}: ${output.slice(-2000)}`));
    });
  });
}

interface Row {
  tool: string;
  size: number;
  records: number;
  perSecond: number;
  megabytesPerSecond: number;
  clientCpuPerMillion: number | undefined;
  brokerCpuPerMillion: number | undefined;
  note: string;
}

export async function runBrokerCeiling(options: BrokerCeilingOptions): Promise<void> {
  const jars = await toolJars(options);
  const records = options.quick ? 100_000 : 500_000;
  const admin = createKafka(options.kafka, 'bench-admin', options.logger).admin();
  await admin.connect();
  const rows: Row[] = [];
  try {
    for (const size of PAYLOAD_SIZES) {
      const valueBytes = size + 5; // Confluent framing, as on Tributary's topics
      const topic = `tributary.bench.perf-${size}-${Date.now().toString(36)}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
      try {
        const brokerBefore = processCpuSeconds(options.brokerPid);
        const produced = await runTool(options, jars, 'org.apache.kafka.tools.ProducerPerformance', [
          '--topic',
          topic,
          '--num-records',
          String(records),
          '--record-size',
          String(valueBytes),
          '--throughput',
          '-1',
          '--producer-props',
          `bootstrap.servers=${options.kafka.brokers.join(',')}`,
          'acks=all',
          'enable.idempotence=true',
          'compression.type=none',
          'linger.ms=5',
          'batch.size=65536',
        ]);
        const brokerAfter = processCpuSeconds(options.brokerPid);
        // "500000 records sent, 123456.7 records/sec (61.23 MB/sec), 12.3 ms avg latency, …, 45 ms 99th, …"
        const summary = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency.*?(\d+) ms 99th/s.exec(
          produced.output,
        );
        if (!summary) throw new Error(`ProducerPerformance printed no summary: ${produced.output.slice(-1000)}`);
        rows.push({
          tool: 'Java ProducerPerformance',
          size,
          records,
          perSecond: Number(summary[2]),
          megabytesPerSecond: Number(summary[3]) * 1.048576, // the tool's MB is MiB
          clientCpuPerMillion: produced.cpuSeconds === undefined ? undefined : produced.cpuSeconds / (records / 1e6),
          brokerCpuPerMillion:
            brokerBefore === undefined || brokerAfter === undefined ? undefined : (brokerAfter - brokerBefore) / (records / 1e6),
          note: `avg latency ${summary[4]} ms, p99 ${summary[5]} ms (incl. JVM start)`,
        });

        const consumed = await runTool(options, jars, 'org.apache.kafka.tools.ConsumerPerformance', [
          '--bootstrap-server',
          options.kafka.brokers.join(','),
          '--topic',
          topic,
          '--messages',
          String(records),
          '--group',
          `tributary-bench-${Date.now().toString(36)}`,
          '--timeout',
          '60000',
        ]);
        // CSV: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
        const line = consumed.output.split('\n').find((entry) => /^\d{4}-\d\d-\d\d/.test(entry.trim()) && entry.split(',').length >= 10);
        if (line) {
          const fields = line.split(',').map((field) => field.trim());
          rows.push({
            tool: 'Java ConsumerPerformance',
            size,
            records: Number(fields[4]),
            perSecond: Number(fields[9]),
            megabytesPerSecond: Number(fields[8]) * 1.048576,
            clientCpuPerMillion: consumed.cpuSeconds === undefined ? undefined : consumed.cpuSeconds / (Number(fields[4]) / 1e6),
            brokerCpuPerMillion: undefined,
            note: `fetch phase only (group join ${fields[6]} ms excluded)`,
          });
        }
      } finally {
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      }
    }
  } finally {
    await admin.disconnect();
  }

  printTable(
    `Broker ceiling: Kafka ${options.kafkaVersion}'s own perf tools (Java client, idempotent, acks=all, linger 5 ms, batch 64 KiB, 3 partitions)`,
    ['value bytes', 'tool', 'records', 'msgs/s', 'MB/s', 'client CPU-s/M', 'broker CPU-s/M', 'note'],
    rows.map((row) => [
      String(row.size + 5),
      row.tool,
      formatNumber(row.records),
      formatNumber(row.perSecond),
      formatNumber(row.megabytesPerSecond, 1),
      row.clientCpuPerMillion === undefined ? '-' : formatNumber(row.clientCpuPerMillion, 1),
      row.brokerCpuPerMillion === undefined ? '-' : formatNumber(row.brokerCpuPerMillion, 1),
      row.note,
    ]),
    options.out,
  );
}
