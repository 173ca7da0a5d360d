import assert from 'node:assert/strict';
import { ClickHouseError } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import type { EmbeddedClickHouse } from '../src/server.ts';
import { clientFor, removeDir, startTestServer, tempDataDir } from './helpers.ts';

describe('clickhouse-embedded: overload', () => {
  let dataDir: string;
  let server: EmbeddedClickHouse;
  let client: ClickHouseClient;

  before(async () => {
    dataDir = tempDataDir('overload');
    server = await startTestServer(dataDir, { maxConcurrentQueries: 1, maxQueuedQueries: 1 });
    client = clientFor(server);
  });

  after(async () => {
    await client?.close();
    await server?.stop();
    removeDir(dataDir);
  });

  it('queues up to maxQueuedQueries and answers 503 TOO_MANY_SIMULTANEOUS_QUERIES beyond', async () => {
    const running = client.query({ query: 'SELECT sleep(1) AS s', format: 'JSONEachRow' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const queued = client.query({ query: 'SELECT 2 AS q', format: 'JSONEachRow' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await assert.rejects(
      client.query({ query: 'SELECT 3' }),
      (error: unknown) => error instanceof ClickHouseError && error.code === '202' && error.type === 'TOO_MANY_SIMULTANEOUS_QUERIES',
    );
    const raw = await fetch(server.url, { method: 'POST', body: 'SELECT 4' });
    assert.equal(raw.status, 503);
    assert.equal(raw.headers.get('x-clickhouse-exception-code'), '202');
    assert.deepEqual(await (await running).json(), [{ s: 0 }]);
    assert.deepEqual(await (await queued).json(), [{ q: 2 }]);
    assert.equal(await (await client.query({ query: 'SELECT 5', format: 'TabSeparated' })).text(), '5\n');
  });
});
