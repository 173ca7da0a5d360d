// Benchmark (prints numbers, asserts nothing; ADR 0005): run with
//   npm run bench -w @tributary/clickhouse-embedded [insertChunkBytes]
// (It sits next to the tests for the helpers; it runs only as the main module, never under mocha.)
// 1. 1M-row JSONEachRow insert: directly into chDB (raw insert of the bytes) vs through the
//    server (the same bytes via @clickhouse/client exec, and 1M objects via client.insert).
// 2. SELECT 1 latency: chDB queryAsync vs through the server (@clickhouse/client and fetch).
import { Readable } from 'node:stream';
import { Session, drainPending } from 'chdb';
import { removeDir, startTestServer, tempDataDir, clientFor } from './helpers.ts';

const ROWS = 1_000_000;
const TABLE = 'CREATE TABLE bench (id UInt64, name String, ts DateTime) ENGINE = MergeTree ORDER BY id';

function rows(): Array<{ id: number; name: string; ts: string }> {
  return Array.from({ length: ROWS }, (_, id) => ({ id, name: `name-${id % 1000}`, ts: '2024-01-01 00:00:00' }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

function latencyLine(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `${label}: p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms (${samples.length} sequential queries)`;
}

function rate(ms: number): string {
  return `${Math.round(ROWS / (ms / 1000)).toLocaleString('en')} rows/s (${ms.toFixed(0)} ms)`;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

async function main(): Promise<string[]> {
  const objects = rows();
  const body = Buffer.from(objects.map((row) => JSON.stringify(row)).join('\n') + '\n');
  const lines: string[] = [`rows: ${ROWS}, JSONEachRow body: ${(body.length / 1024 / 1024).toFixed(1)} MiB`];

  // --- direct chDB -------------------------------------------------------------------------------
  const directDir = tempDataDir('bench-direct');
  try {
    const session = new Session(directDir);
    await session.queryAsync(TABLE);
    for (const run of [1, 2]) {
      const ms = await timed(() => session.insert({ table: 'bench', values: body, format: 'JSONEachRow' }));
      lines.push(`direct chDB raw insert, run ${run}: ${rate(ms)}`);
      await session.queryAsync('TRUNCATE TABLE bench');
    }
    const samples: number[] = [];
    for (let i = 0; i < 1000; i++) samples.push(await timed(() => session.queryAsync('SELECT 1')));
    lines.push(latencyLine('direct chDB SELECT 1', samples));
    session.close();
    await drainPending();
  } finally {
    removeDir(directDir);
  }

  // --- through the server ------------------------------------------------------------------------
  const serverDir = tempDataDir('bench-server');
  const insertChunkBytes = Number(process.argv[2] ?? 32 * 1024 * 1024);
  const server = await startTestServer(serverDir, { maxBodyBytes: 1024 * 1024 * 1024, insertChunkBytes });
  lines.push(`server insertChunkBytes: ${insertChunkBytes}`);
  const client = clientFor(server);
  try {
    await client.command({ query: TABLE });
    for (const run of [1, 2]) {
      const ms = await timed(async () => {
        const result = await client.exec({
          query: 'INSERT INTO bench FORMAT JSONEachRow',
          values: Readable.from([body], { objectMode: false }),
        });
        result.stream.resume();
      });
      lines.push(`server, same bytes (client.exec), run ${run}: ${rate(ms)}`);
      await client.command({ query: 'TRUNCATE TABLE bench' });
    }
    for (const run of [1, 2]) {
      const ms = await timed(() => client.insert({ table: 'bench', values: objects, format: 'JSONEachRow' }));
      lines.push(`server, 1M objects (client.insert, includes client-side JSON encoding), run ${run}: ${rate(ms)}`);
      await client.command({ query: 'TRUNCATE TABLE bench' });
    }

    const viaClient: number[] = [];
    for (let i = 0; i < 1000; i++)
      viaClient.push(await timed(async () => (await client.query({ query: 'SELECT 1', format: 'TabSeparated' })).text()));
    lines.push(latencyLine('server SELECT 1 via @clickhouse/client', viaClient));
    const viaFetch: number[] = [];
    for (let i = 0; i < 1000; i++)
      viaFetch.push(await timed(async () => (await fetch(server.url, { method: 'POST', body: 'SELECT 1' })).text()));
    lines.push(latencyLine('server SELECT 1 via fetch', viaFetch));
  } finally {
    await client.close();
    await server.stop();
    removeDir(serverDir);
  }
  return lines;
}

if (import.meta.main) {
  main().then(
    (lines) => process.stdout.write(`${lines.join('\n')}\n`),
    (error: unknown) => {
      process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
      process.exitCode = 1;
    },
  );
}
