import assert from 'node:assert/strict';
import type { ClickHouseClient } from '@clickhouse/client';
import type { EmbeddedClickHouse } from '../src/server.ts';
import { clientFor, removeDir, startTestServer, tableName, tempDataDir } from './helpers.ts';

describe('clickhouse-embedded: concurrency and large results', () => {
  let dataDir: string;
  let server: EmbeddedClickHouse;
  let client: ClickHouseClient;

  before(async () => {
    dataDir = tempDataDir('concurrency');
    server = await startTestServer(dataDir, { maxConcurrentQueries: 8 });
    client = clientFor(server);
  });

  after(async () => {
    await client?.close();
    await server?.stop();
    removeDir(dataDir);
  });

  it('serves many clients inserting and selecting at once', async () => {
    const table = tableName();
    await client.command({
      query: `CREATE TABLE ${table} (client UInt32, batch UInt32, n UInt32) ENGINE = MergeTree ORDER BY (client, batch, n)`,
    });
    const clients = Array.from({ length: 16 }, () => clientFor(server, { max_open_connections: 4 }));
    try {
      await Promise.all(
        clients.map(async (c, id) => {
          for (let batch = 0; batch < 8; batch++) {
            await c.insert({ table, values: Array.from({ length: 250 }, (_, n) => ({ client: id, batch, n })), format: 'JSONEachRow' });
            const [mine] = await (
              await c.query({
                query: `SELECT count() AS c FROM ${table} WHERE client = {id:UInt32}`,
                query_params: { id },
                format: 'JSONEachRow',
              })
            ).json<{ c: number }>();
            assert.equal(Number(mine?.c), (batch + 1) * 250, `client ${id} sees its own rows`);
            const [echo] = await (
              await c.query({ query: 'SELECT {v:String} AS v', query_params: { v: `client-${id}-${batch}` }, format: 'JSONEachRow' })
            ).json<{ v: string }>();
            assert.equal(echo?.v, `client-${id}-${batch}`, 'query parameters never leak between concurrent queries');
          }
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    const [total] = await (await client.query({ query: `SELECT count() AS c FROM ${table}`, format: 'JSONEachRow' })).json<{ c: number }>();
    assert.equal(Number(total?.c), 16 * 8 * 250);
  });

  it('streams a 1M-row result', async () => {
    const result = await client.query({ query: 'SELECT number, toString(number) AS s FROM numbers(1000000)', format: 'JSONEachRow' });
    let rows = 0;
    let last: unknown;
    for await (const batch of result.stream<{ number: number }>()) {
      rows += batch.length;
      last = batch.at(-1)?.json();
    }
    assert.equal(rows, 1_000_000);
    assert.deepEqual(last, { number: 999999, s: '999999' });
  });

  it('streams without buffering the whole result: the first rows of a 10^10-row result arrive, and closing cancels it', async () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      // 10^10 rows would be ~100 GB of JSON: only a streaming server answers this at all.
      const result = await client.query({ query: 'SELECT number FROM numbers(10000000000)', format: 'JSONEachRow' });
      let rows = 0;
      for await (const batch of result.stream()) {
        rows += batch.length;
        if (rows >= 100_000) break;
      }
      assert.ok(rows >= 100_000);
    }
    // ten cancelled streams on eight slots: the slots were given back
    assert.equal(await (await client.query({ query: 'SELECT 42', format: 'TabSeparated' })).text(), '42\n');
  });
});
