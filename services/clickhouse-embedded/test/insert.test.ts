import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ClickHouseError } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import type { EmbeddedClickHouse } from '../src/server.ts';
import { clientFor, removeDir, startTestServer, tableName, tempDataDir } from './helpers.ts';

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const CHUNK_BYTES = 256 * 1024;

describe('clickhouse-embedded: inserts', () => {
  let dataDir: string;
  let server: EmbeddedClickHouse;
  let client: ClickHouseClient;

  before(async () => {
    dataDir = tempDataDir('insert');
    // Small limits, so that chunked inserts and the body cap are exercised with small data.
    server = await startTestServer(dataDir, { maxBodyBytes: MAX_BODY_BYTES, insertChunkBytes: CHUNK_BYTES });
    client = clientFor(server);
  });

  after(async () => {
    await client?.close();
    await server?.stop();
    removeDir(dataDir);
  });

  async function createTable(extra = ''): Promise<string> {
    const table = tableName();
    await client.command({ query: `CREATE TABLE ${table} (id UInt64, name String, ts DateTime) ENGINE = MergeTree ORDER BY id ${extra}` });
    return table;
  }

  async function count(table: string): Promise<number> {
    const [row] = await (await client.query({ query: `SELECT count() AS c FROM ${table}`, format: 'JSONEachRow' })).json<{ c: number }>();
    return Number(row?.c);
  }

  it('inserts JSONEachRow values and reports written rows in the summary', async () => {
    const table = await createTable();
    const result = await client.insert({
      table,
      values: [
        { id: 1, name: 'a', ts: '2024-01-01 00:00:00' },
        { id: 2, name: 'b', ts: '2024-01-02 00:00:00' },
      ],
      format: 'JSONEachRow',
    });
    assert.equal(result.summary?.written_rows, '2');
    assert.deepEqual(await (await client.query({ query: `SELECT id, name FROM ${table} ORDER BY id`, format: 'JSONEachRow' })).json(), [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
  });

  it('inserts a stream of rows, and selected columns', async () => {
    const table = await createTable();
    const rows = Readable.from(Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `n${i}` })));
    await client.insert({ table, values: rows, format: 'JSONEachRow', columns: ['id', 'name'] });
    assert.equal(await count(table), 5000);
    const [row] = await (
      await client.query({ query: `SELECT toString(ts) AS ts FROM ${table} LIMIT 1`, format: 'JSONEachRow' })
    ).json<{ ts: string }>();
    assert.equal(row?.ts, '1970-01-01 00:00:00');
  });

  it('inserts CSV, TabSeparated, JSONCompactEachRow and RowBinary bodies', async () => {
    const table = await createTable();
    await client.insert({ table, values: Readable.from(['1,"x, y",2024-01-01 00:00:00\n'], { objectMode: false }), format: 'CSV' });
    await client.insert({
      table,
      values: Readable.from(['2\tt\\tab\t2024-01-01 00:00:00\n'], { objectMode: false }),
      format: 'TabSeparated',
    });
    await client.insert({ table, values: [[3, 'c', '2024-01-01 00:00:00']], format: 'JSONCompactEachRow' });
    const binary = Buffer.concat([
      Buffer.from([10, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from([3]),
      Buffer.from('a\0b'),
      Buffer.from([0, 0, 0, 0]),
    ]);
    const response = await fetch(`${server.url}/?query=${encodeURIComponent(`INSERT INTO ${table} FORMAT RowBinary`)}`, {
      method: 'POST',
      body: binary,
    });
    assert.equal(response.status, 200, await response.clone().text());
    const rows = await (await client.query({ query: `SELECT id, hex(name) AS h FROM ${table} ORDER BY id`, format: 'JSONEachRow' })).json();
    assert.deepEqual(rows, [
      { id: 1, h: Buffer.from('x, y').toString('hex').toUpperCase() },
      { id: 2, h: Buffer.from('t\tab').toString('hex').toUpperCase() },
      { id: 3, h: '63' },
      { id: 10, h: '610062' },
    ]);
  });

  it('accepts the whole INSERT with inline data in the body, and INSERT … VALUES', async () => {
    const table = await createTable();
    await client.command({ query: `INSERT INTO ${table} (id, name) FORMAT JSONEachRow\n{"id":1,"name":"a"}\n{"id":2,"name":"b"}` });
    await client.command({ query: `INSERT INTO ${table} (id, name) VALUES (3, 'c'), (4, 'd')` });
    const viaUrl = await fetch(`${server.url}/?query=${encodeURIComponent(`INSERT INTO ${table} (id, name) VALUES`)}`, {
      method: 'POST',
      body: "(5, 'e')",
    });
    assert.equal(viaUrl.status, 200);
    assert.equal(await count(table), 5);
  });

  it('stores a block once when it is inserted twice with the same insert_deduplication_token', async () => {
    const table = await createTable('SETTINGS non_replicated_deduplication_window = 100');
    const values = Array.from({ length: 100 }, (_, i) => ({ id: i, name: `row-${i}`, ts: '2024-01-01 00:00:00' }));
    for (let attempt = 0; attempt < 3; attempt++) {
      await client.insert({
        table,
        values,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: 'batch-partition-0-offsets-0-99' },
      });
    }
    assert.equal(await count(table), 100);
    await client.insert({
      table,
      values,
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: 'batch-partition-0-offsets-100-199' },
    });
    assert.equal(await count(table), 200, 'another token is another batch');
  });

  it('deduplicates a large insert cut into chunks, chunk by chunk, whatever the network chunking', async () => {
    const table = await createTable('SETTINGS non_replicated_deduplication_window = 1000');
    const lines = Array.from({ length: 40_000 }, (_, i) => `{"id":${i},"name":"${'n'.repeat(i % 50)}","ts":"2024-01-01 00:00:00"}\n`).join(
      '',
    );
    const body = Buffer.from(lines);
    assert.ok(body.length > 4 * CHUNK_BYTES, 'several chunks');
    const send = async (pieceBytes: number): Promise<void> => {
      async function* pieces(): AsyncGenerator<Buffer> {
        for (let offset = 0; offset < body.length; offset += pieceBytes) yield body.subarray(offset, offset + pieceBytes);
      }
      // exec() sends the bytes as they are (insert() would serialise each piece as a JSON row)
      const result = await client.exec({
        query: `INSERT INTO ${table} FORMAT JSONEachRow`,
        values: Readable.from(pieces(), { objectMode: false }),
        clickhouse_settings: { insert_deduplication_token: 'big-batch' },
      });
      result.stream.resume();
      assert.equal(result.summary?.written_rows, '40000');
    };
    await send(65_536);
    assert.equal(await count(table), 40_000);
    await send(1_000); // a retry of the same batch, delivered in other TCP pieces
    assert.equal(await count(table), 40_000);
  });

  it('decodes gzip request bodies (client request compression)', async () => {
    const table = await createTable();
    const gzipClient = clientFor(server, { compression: { request: true, response: true } });
    try {
      await gzipClient.insert({ table, values: Array.from({ length: 1000 }, (_, i) => ({ id: i, name: 'z' })), format: 'JSONEachRow' });
    } finally {
      await gzipClient.close();
    }
    assert.equal(await count(table), 1000);
    const response = await fetch(server.url, {
      method: 'POST',
      body: gzipSync(`SELECT count() FROM ${table}`),
      headers: { 'Content-Encoding': 'gzip' },
    });
    assert.equal(await response.text(), '1000\n');
    const broken = await fetch(server.url, {
      method: 'POST',
      body: Buffer.from('not gzip at all'),
      headers: { 'Content-Encoding': 'gzip' },
    });
    assert.equal(broken.headers.get('x-clickhouse-exception-code'), '271');
  });

  it('refuses a buffered body over maxBodyBytes with QUERY_IS_TOO_LARGE (HTTP 413)', async () => {
    const table = await createTable();
    const csv = Array.from({ length: 200_000 }, (_, i) => `${i},"${'c'.repeat(20)}",2024-01-01 00:00:00\n`).join('');
    assert.ok(csv.length > MAX_BODY_BYTES);
    await assert.rejects(
      client.insert({ table, values: Readable.from([csv], { objectMode: false }), format: 'CSV' }),
      (error: unknown) => error instanceof ClickHouseError && error.code === '229' && error.type === 'QUERY_IS_TOO_LARGE',
    );
    assert.equal(await count(table), 0, 'nothing of a refused body is inserted');
    const response = await fetch(server.url, { method: 'POST', body: `SELECT '${'q'.repeat(MAX_BODY_BYTES)}'` });
    assert.equal(response.status, 413);
    assert.equal(response.headers.get('x-clickhouse-exception-code'), '229');
    assert.deepEqual(await client.ping(), { success: true }, 'the server keeps serving');
  });

  it('streams line-format inserts larger than maxBodyBytes', async () => {
    const table = await createTable();
    const rows = 300_000;
    function* objects(): Generator<{ id: number; name: string }> {
      for (let id = 0; id < rows; id++) yield { id, name: 's'.repeat(10) };
    }
    const result = await client.insert({ table, values: Readable.from(objects()), format: 'JSONEachRow' });
    assert.equal(result.summary?.written_rows, String(rows));
    assert.equal(await count(table), rows);
  });

  it('reports a bad row with the engine error and its code', async () => {
    const table = await createTable();
    await assert.rejects(
      client.insert({ table, values: [{ id: 'not a number', name: 'x' }], format: 'JSONEachRow' }),
      (error: unknown) => error instanceof ClickHouseError && error.type === 'CANNOT_PARSE_INPUT_ASSERTION_FAILED' && error.code === '27',
    );
  });

  it('treats an empty body as an insert of no rows', async () => {
    const table = await createTable();
    const response = await fetch(`${server.url}/?query=${encodeURIComponent(`INSERT INTO ${table} FORMAT JSONEachRow`)}`, {
      method: 'POST',
      body: '',
    });
    assert.equal(response.status, 200);
    assert.equal(await count(table), 0);
  });
});
