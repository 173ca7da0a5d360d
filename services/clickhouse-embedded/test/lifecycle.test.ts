import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { removeDir, startTestServer, tempDataDir, clientFor } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs src/main.ts as the local stack does, with only the given environment. */
function runMain(dataDir: string): Child {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      TRIBUTARY_CLICKHOUSE_EMBEDDED_DATA_DIR: dataDir,
      TRIBUTARY_CLICKHOUSE_EMBEDDED_PORT: '0',
      TRIBUTARY_CLICKHOUSE_EMBEDDED_SHUTDOWN_TIMEOUT_MS: '10000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

async function readyPort(child: Child): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const line = child
      .output()
      .split('\n')
      .find((l) => l.includes('ClickHouse HTTP interface ready.'));
    if (line) return (JSON.parse(line) as { port: number }).port;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not ready: ${child.output()}`);
}

describe('clickhouse-embedded: lifecycle', () => {
  it('keeps data across a restart on the same data directory', async () => {
    const dataDir = tempDataDir('restart');
    try {
      let server = await startTestServer(dataDir);
      let client = clientFor(server);
      await client.command({ query: 'CREATE TABLE kept (id UInt32) ENGINE = MergeTree ORDER BY id' });
      await client.insert({ table: 'kept', values: [{ id: 1 }, { id: 2 }, { id: 3 }], format: 'JSONEachRow' });
      await client.close();
      await server.stop();

      server = await startTestServer(dataDir);
      client = clientFor(server);
      const rows = await (await client.query({ query: 'SELECT sum(id) AS s FROM kept', format: 'JSONEachRow' })).json();
      assert.deepEqual(rows, [{ s: 6 }]);
      await client.close();
      await server.stop();
    } finally {
      removeDir(dataDir);
    }
  });

  it('fails clearly when a second process opens the same data directory', async () => {
    const dataDir = tempDataDir('locked');
    const server = await startTestServer(dataDir);
    try {
      const second = runMain(dataDir);
      const code = await second.exited;
      assert.equal(code, 1, second.output());
      assert.match(second.output(), /CLICKHOUSE_EMBEDDED_DATA_DIR_LOCKED/);
      assert.match(second.output(), new RegExp(`locked by process ${process.pid}: a second embedded engine instance is probably running`));
      assert.ok(second.output().includes(dataDir), 'names the directory');
      assert.deepEqual(await clientFor(server).ping(), { success: true }, 'the first server is unaffected');
    } finally {
      await server.stop();
      removeDir(dataDir);
    }
  });

  it('on SIGTERM finishes in-flight queries, then exits 0 and releases the directory', async () => {
    const dataDir = tempDataDir('sigterm');
    try {
      const child = runMain(dataDir);
      const port = await readyPort(child);
      assert.equal(await (await fetch(`http://127.0.0.1:${port}/ping`)).text(), 'Ok.\n');
      const slow = fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'SELECT sleep(1) AS slept' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      child.process.kill('SIGTERM');
      const response = await slow;
      assert.equal(response.status, 200);
      assert.equal(await response.text(), '0\n');
      assert.equal(await child.exited, 0, child.output());
      assert.match(child.output(), /Stopped; the data directory is released/);

      const reopened = await startTestServer(dataDir);
      await reopened.stop();
    } finally {
      removeDir(dataDir);
    }
  });
});
