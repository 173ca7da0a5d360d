// Serde framing overhead: Tributary's Encoder/Decoder (Confluent framing around avsc) against
// raw avsc on the Avro body alone, and against @kafkajs/confluent-schema-registry's
// encode/decode (async per message) when a registry is reachable. Same events, same schema.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { RegistrySettings } from '@tributary/config';
import { createSerde } from '../src/serde.ts';
import type { RegisteredSchemaText, SchemaLookup } from '../src/schema-lookup.ts';
import { BENCH_EVENT_V1, BENCH_EVENT_V2, PAYLOAD_SIZES, benchEvents, benchType } from './corpus.ts';
import type { BenchEvent } from './corpus.ts';
import { formatNumber, measure, printTable } from './measure.ts';
import type { Sample } from './measure.ts';

const SCHEMA_ID = 1_000_001;

/** The registry as a map: the serde itself is measured, not HTTP. */
const inMemoryLookup: SchemaLookup = {
  url: 'memory:',
  async byId(): Promise<RegisteredSchemaText> {
    return { id: SCHEMA_ID, schema: JSON.stringify(BENCH_EVENT_V1), schemaType: 'AVRO' };
  },
  async latest(): Promise<RegisteredSchemaText> {
    return { id: SCHEMA_ID, schema: JSON.stringify(BENCH_EVENT_V1), schemaType: 'AVRO' };
  },
  async byText(): Promise<RegisteredSchemaText> {
    return { id: SCHEMA_ID, schema: JSON.stringify(BENCH_EVENT_V1), schemaType: 'AVRO' };
  },
};

interface Contender {
  operation: 'encode' | 'decode';
  name: string;
  run: () => void | Promise<void>;
}

const cpuNsPerOp = (sample: Sample): number => (sample.cpuUs * 1000) / sample.operations;

/** A full collection before each measurement when Node runs with --expose-gc (npm run bench does). */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

interface Row {
  size: number;
  operation: 'encode' | 'decode';
  contender: string;
  sample: Sample;
  /** (slowest - fastest run) / median, in CPU time. */
  spread: number;
  baseline?: Sample;
}

export interface SerdeBenchOptions {
  quick: boolean;
  /** For the @kafkajs/confluent-schema-registry rows; skipped when undefined or unreachable. */
  registry?: RegistrySettings;
  out: (line: string) => void;
}

export async function runSerdeBench(options: SerdeBenchOptions): Promise<void> {
  const distinct = 5_000;
  const rounds = options.quick ? 10 : 40;
  const runs = options.quick ? 3 : 7;
  const serde = createSerde(inMemoryLookup);
  const encoder = await serde.encoder<BenchEvent>('bench-value', { schema: BENCH_EVENT_V1 });
  const decoder = serde.decoder<BenchEvent>(BENCH_EVENT_V1);
  const evolvedDecoder = serde.decoder<BenchEvent>(BENCH_EVENT_V2);
  await serde.load([SCHEMA_ID]);

  let confluent: { registry: SchemaRegistry; id: number } | undefined;
  if (options.registry) {
    try {
      const registry = new SchemaRegistry({ host: options.registry.url, retry: { retries: 0 } });
      const { id } = await registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(BENCH_EVENT_V1) },
        { subject: 'tributary.bench.serde-value' },
      );
      confluent = { registry, id };
    } catch (error) {
      options.out(
        `(skipping @kafkajs/confluent-schema-registry rows: registry at ${options.registry.url} not usable: ${(error as Error).message})`,
      );
    }
  }

  const rows: Row[] = [];
  for (const size of PAYLOAD_SIZES) {
    const events = benchEvents(size, distinct);
    const bodies = events.map((event) => benchType.toBuffer(event));
    const framed = events.map((event) => encoder.encode(event));
    const operations = distinct * rounds;
    const bytes = operations * size;
    const sink: unknown[] = [undefined];
    const repeat = (work: () => void) => () => {
      for (let round = 0; round < rounds; round++) work();
    };
    const repeatAsync = (work: () => Promise<void>) => async () => {
      for (let round = 0; round < rounds; round++) await work();
    };

    const contenders: Contender[] = [
      {
        operation: 'encode',
        name: 'avsc toBuffer (body only)',
        run: repeat(() => {
          for (const event of events) sink[0] = benchType.toBuffer(event);
        }),
      },
      {
        operation: 'encode',
        name: 'Tributary Encoder.encode (framed)',
        run: repeat(() => {
          for (const event of events) sink[0] = encoder.encode(event);
        }),
      },
      {
        operation: 'decode',
        name: 'avsc fromBuffer (body only)',
        run: repeat(() => {
          for (const body of bodies) sink[0] = benchType.fromBuffer(body);
        }),
      },
      {
        operation: 'decode',
        name: 'Tributary Decoder.decodeSync (framed)',
        run: repeat(() => {
          for (const value of framed) sink[0] = decoder.decodeSync(value);
        }),
      },
      {
        operation: 'decode',
        name: 'Tributary Decoder.decode (framed, async)',
        run: repeatAsync(async () => {
          for (const value of framed) sink[0] = await decoder.decode(value);
        }),
      },
      {
        operation: 'decode',
        name: 'Tributary decodeSync, v1 bytes → v2 reader',
        run: repeat(() => {
          for (const value of framed) sink[0] = evolvedDecoder.decodeSync(value);
        }),
      },
    ];
    if (confluent) {
      const { registry, id } = confluent;
      const theirs = framed.map((value) => {
        const copy = Buffer.from(value);
        copy.writeUInt32BE(id, 1);
        return copy;
      });
      contenders.splice(2, 0, {
        operation: 'encode',
        name: '@kafkajs/confluent-schema-registry encode',
        run: repeatAsync(async () => {
          for (const event of events) sink[0] = await registry.encode(id, event);
        }),
      });
      contenders.push({
        operation: 'decode',
        name: '@kafkajs/confluent-schema-registry decode',
        run: repeatAsync(async () => {
          for (const value of theirs) sink[0] = await registry.decode(value);
        }),
      });
    }

    // Interleaved: every run measures every contender once, so JIT and GC drift hit all alike.
    const samples = contenders.map((): Sample[] => []);
    for (let run = -2; run < runs; run++) {
      for (const [index, contender] of contenders.entries()) {
        collectGarbage();
        const sample = await measure(operations, bytes, contender.run);
        if (run >= 0) samples[index]!.push(sample);
      }
    }
    // CPU time, not wall time: on a shared two-core box the scheduler's noise dwarfs the framing.
    const medians = samples.map((list) => list.sort((a, b) => a.cpuUs - b.cpuUs)[Math.floor(list.length / 2)]!);
    const spreads = samples.map((list) => (list.at(-1)!.cpuUs - list[0]!.cpuUs) / medians[samples.indexOf(list)]!.cpuUs);
    for (const [index, contender] of contenders.entries()) {
      const baselineIndex = contenders.findIndex((entry) => entry.operation === contender.operation);
      rows.push({
        size,
        operation: contender.operation,
        contender: contender.name,
        sample: medians[index]!,
        spread: spreads[index]!,
        ...(baselineIndex === index ? {} : { baseline: medians[baselineIndex]! }),
      });
    }
  }

  printTable(
    `Serde: Confluent framing vs raw avsc (${formatNumber(distinct * rounds)} ops per run, CPU time, median of ${runs} interleaved runs, Node ${process.version})`,
    ['body bytes', 'op', 'contender', 'CPU ns/op', 'ops per CPU-s', 'run spread', 'vs raw avsc'],
    rows.map((row) => [
      String(row.size),
      row.operation,
      row.contender,
      formatNumber(cpuNsPerOp(row.sample)),
      formatNumber(1e9 / cpuNsPerOp(row.sample)),
      `±${formatNumber((row.spread / 2) * 100, 0)} %`,
      row.baseline
        ? `${cpuNsPerOp(row.sample) >= cpuNsPerOp(row.baseline) ? '+' : ''}${formatNumber((cpuNsPerOp(row.sample) / cpuNsPerOp(row.baseline) - 1) * 100, 1)} %`
        : 'baseline',
    ]),
    options.out,
  );
}
