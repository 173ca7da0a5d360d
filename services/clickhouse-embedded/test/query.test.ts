import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { ClickHouseError } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import { CODES } from '../src/errors.ts';
import type { EmbeddedClickHouse } from '../src/server.ts';
import { clientFor, removeDir, startTestServer, tableName, tempDataDir } from './helpers.ts';

async function expectClickHouseError(promise: Promise<unknown>, code: string, type: string): Promise<ClickHouseError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ClickHouseError, `expected ClickHouseError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.type, type);
    return error;
  }
  assert.fail(`expected ClickHouseError ${code}`);
}

describe('clickhouse-embedded: queries', () => {
  let dataDir: string;
  let server: EmbeddedClickHouse;
  let client: ClickHouseClient;

  before(async () => {
    dataDir = tempDataDir('query');
    server = await startTestServer(dataDir);
    client = clientFor(server);
  });

  after(async () => {
    await client?.close();
    await server?.stop();
    removeDir(dataDir);
  });

  it('answers /ping and GET / with "Ok."', async () => {
    assert.deepEqual(await client.ping(), { success: true });
    assert.deepEqual(await client.ping({ select: true }), { success: true });
    for (const path of ['/ping', '/', '/replicas_status']) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'Ok.\n');
    }
  });

  it('returns results in JSONEachRow, JSON, TabSeparated, CSV and JSONCompactEachRow', async () => {
    const query = 'SELECT number AS n, toString(number) AS s, toUInt64(number) * 1000000000000 AS big FROM numbers(3)';
    // ClickHouse 25.9+ (and so chDB 26.x) no longer quotes 64-bit integers in JSON by default.
    const eachRow = await (await client.query({ query, format: 'JSONEachRow' })).json();
    assert.deepEqual(eachRow, [
      { n: 0, s: '0', big: 0 },
      { n: 1, s: '1', big: 1000000000000 },
      { n: 2, s: '2', big: 2000000000000 },
    ]);
    const json = await (await client.query({ query, format: 'JSON' })).json<{ n: string }>();
    assert.equal(json.rows, 3);
    assert.deepEqual(
      json.meta?.map((column) => column.type),
      ['UInt64', 'String', 'UInt64'],
    );
    assert.equal(await (await client.query({ query: 'SELECT 1 AS a, 2 AS b', format: 'TabSeparated' })).text(), '1\t2\n');
    assert.equal(await (await client.query({ query: "SELECT 'x,y' AS a, 2 AS b", format: 'CSV' })).text(), '"x,y",2\n');
    assert.equal(await (await client.query({ query: "SELECT 1 AS a, 'z' AS b", format: 'JSONCompactEachRow' })).text(), '[1, "z"]\n');
  });

  it('binds {name:Type} query parameters server-side', async () => {
    const result = await client.query({
      query: 'SELECT {x:UInt32} + 1 AS x, {s:String} AS s, {ids:Array(UInt64)} AS ids, length({ids:Array(UInt64)}) AS n',
      query_params: { x: 41, s: "it's\ta \\ test\n", ids: [1, 2, 18446744073709551615n] },
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    });
    assert.deepEqual(await result.json(), [{ x: '42', s: "it's\ta \\ test\n", ids: ['1', '2', '18446744073709551615'], n: '3' }]);
  });

  it('sends long parameters in a multipart body, as @clickhouse/client does past 4 KiB', async () => {
    const long = 'y'.repeat(10_000);
    const result = await client.query({
      query: 'SELECT length({s:String}) AS n',
      query_params: { s: long },
      format: 'JSONEachRow',
      use_multipart_params: true,
    });
    assert.deepEqual(await result.json(), [{ n: 10000 }]);
  });

  it('applies URL settings to the query only', async () => {
    const quoted = await client.query({
      query: 'SELECT toUInt64(5) AS v',
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    });
    assert.deepEqual(await quoted.json(), [{ v: '5' }]);
    const next = await client.query({ query: 'SELECT toUInt64(5) AS v', format: 'JSONEachRow' });
    assert.deepEqual(await next.json(), [{ v: 5 }]);
    const maxThreads = await client.query({
      query: "SELECT getSetting('max_threads') AS t",
      format: 'JSONEachRow',
      clickhouse_settings: { max_threads: 3 },
    });
    assert.deepEqual(await maxThreads.json(), [{ t: 3 }]);
  });

  it('uses the database parameter and the X-ClickHouse-Format header', async () => {
    await client.command({ query: 'CREATE DATABASE IF NOT EXISTS other' });
    const other = clientFor(server, { database: 'other' });
    try {
      assert.deepEqual(await (await other.query({ query: 'SELECT currentDatabase() AS db', format: 'JSONEachRow' })).json(), [
        { db: 'other' },
      ]);
    } finally {
      await other.close();
    }
    const response = await fetch(`${server.url}/?query=${encodeURIComponent('SELECT 7 AS seven')}`, {
      headers: { 'X-ClickHouse-Format': 'JSONEachRow' },
    });
    assert.equal(response.headers.get('x-clickhouse-format'), 'JSONEachRow');
    assert.equal(response.headers.get('content-type'), 'application/x-ndjson; charset=UTF-8');
    assert.equal(await response.text(), '{"seven":7}\n');
  });

  it('runs DDL with command() and arbitrary SQL with exec()', async () => {
    const table = tableName();
    await client.command({ query: `CREATE TABLE ${table} (id UInt32, name String) ENGINE = MergeTree ORDER BY id` });
    await client.command({ query: `ALTER TABLE ${table} ADD COLUMN extra UInt8 DEFAULT 7` });
    await client.command({ query: `INSERT INTO ${table} (id, name) VALUES (1, 'a'), (2, 'b')` });
    const exec = await client.exec({ query: `SELECT id, name, extra FROM ${table} ORDER BY id FORMAT JSONCompactEachRow` });
    let text = '';
    for await (const chunk of exec.stream) text += String(chunk);
    assert.equal(text, '[1, "a", 7]\n[2, "b", 7]\n');
    const described = await (await client.query({ query: `DESCRIBE TABLE ${table}`, format: 'JSONEachRow' })).json<{ name: string }>();
    assert.deepEqual(
      described.map((column) => column.name),
      ['id', 'name', 'extra'],
    );
    await client.command({ query: `DROP TABLE ${table}` });
    await expectClickHouseError(client.query({ query: `SELECT * FROM ${table}` }), '60', 'UNKNOWN_TABLE');
  });

  it('maps errors to ClickHouse codes, types and HTTP statuses', async () => {
    await expectClickHouseError(client.query({ query: 'SELEC 1' }), '62', 'SYNTAX_ERROR');
    await expectClickHouseError(client.query({ query: 'SELECT * FROM no_such_table' }), '60', 'UNKNOWN_TABLE');
    const table = tableName();
    await client.command({ query: `CREATE TABLE ${table} (id UInt64) ENGINE = MergeTree ORDER BY id` });
    await expectClickHouseError(client.query({ query: `SELECT * FROM ${table} WHERE id = 'abc'` }), '53', 'TYPE_MISMATCH');
    await expectClickHouseError(
      client.query({ query: 'SELECT 1', clickhouse_settings: { no_such_setting: 1 } as never }),
      '115',
      'UNKNOWN_SETTING',
    );
    await expectClickHouseError(client.command({ query: 'SELECT 1; SELECT 2' }), '62', 'SYNTAX_ERROR');
    await expectClickHouseError(client.command({ query: "SELECT 1 INTO OUTFILE '/tmp/never'" }), '358', 'INTO_OUTFILE_NOT_ALLOWED');

    const statuses: Array<[string, number, string]> = [
      ['SELEC 1', 400, '62'],
      ['SELECT * FROM no_such_table', 404, '60'],
      ['SELECT throwIf(1)', 500, '395'],
    ];
    for (const [query, status, code] of statuses) {
      const response = await fetch(server.url, { method: 'POST', body: query });
      assert.equal(response.status, status, query);
      assert.equal(response.headers.get('x-clickhouse-exception-code'), code);
      assert.match(await response.text(), new RegExp(`^Code: ${code}\\. DB::Exception: .+\\. \\([A-Z_]+\\) \\(version \\S+`));
    }
  });

  it('reports an error after the first rows inside the stream (X-ClickHouse-Exception-Tag)', async () => {
    const result = await client.query({
      query: 'SELECT number, throwIf(number = 150000) FROM numbers(1000000)',
      format: 'JSONEachRow',
      clickhouse_settings: { max_block_size: '1000' },
    });
    let rows = 0;
    await assert.rejects(
      (async () => {
        for await (const batch of result.stream()) rows += batch.length;
      })(),
      (error: unknown) => error instanceof ClickHouseError && error.code === '395' && error.type === 'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO',
    );
    assert.ok(rows > 0 && rows <= 150000, `rows before the error: ${rows}`);
  });

  it('makes GET read-only', async () => {
    const response = await fetch(`${server.url}/?query=${encodeURIComponent(`CREATE TABLE ${tableName()} (a UInt8) ENGINE = Memory`)}`);
    assert.equal(response.status, 500);
    assert.equal(response.headers.get('x-clickhouse-exception-code'), '164');
    const insideSelect = await fetch(`${server.url}/?query=${encodeURIComponent("SELECT getSetting('readonly')")}`);
    assert.equal(await insideSelect.text(), '2\n');
  });

  it('sends the response headers of a server (raw HTTP)', async () => {
    const response = await fetch(`${server.url}/?query_id=raw-headers-1`, {
      method: 'POST',
      body: 'SELECT number FROM numbers(10) FORMAT JSON',
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-clickhouse-query-id'), 'raw-headers-1');
    assert.equal(response.headers.get('x-clickhouse-format'), 'JSON');
    assert.equal(response.headers.get('content-type'), 'application/json; charset=UTF-8');
    assert.ok(response.headers.get('x-clickhouse-timezone'));
    assert.ok(response.headers.get('x-clickhouse-server-display-name'));
    assert.match(response.headers.get('x-clickhouse-exception-tag') ?? '', /^[a-z0-9]{16}$/);
    const summary = JSON.parse(response.headers.get('x-clickhouse-summary') ?? '{}') as Record<string, unknown>;
    for (const key of [
      'read_rows',
      'read_bytes',
      'written_rows',
      'written_bytes',
      'total_rows_to_read',
      'result_rows',
      'result_bytes',
      'elapsed_ns',
    ]) {
      assert.equal(typeof summary[key], 'string', key);
    }
    assert.equal(summary.result_rows, '10');
    const body = JSON.parse(await response.text()) as { rows: number };
    assert.equal(body.rows, 10);

    const tsv = await fetch(`${server.url}/?query=SELECT%201`);
    assert.equal(tsv.headers.get('content-type'), 'text/tab-separated-values; charset=UTF-8');
    assert.equal(tsv.headers.get('x-clickhouse-format'), 'TabSeparated');
  });

  it('compresses responses when asked (Accept-Encoding + enable_http_compression=1)', async () => {
    const gzipClient = clientFor(server, { compression: { response: true, request: true } });
    try {
      const rows = await (await gzipClient.query({ query: 'SELECT number FROM numbers(100000)', format: 'JSONCompactEachRow' })).json();
      assert.equal(rows.length, 100000);
    } finally {
      await gzipClient.close();
    }
    const response = await fetch(`${server.url}/?enable_http_compression=1`, {
      method: 'POST',
      body: 'SELECT number FROM numbers(1000)',
      headers: { 'Accept-Encoding': 'gzip' },
    });
    assert.equal(response.headers.get('content-encoding'), 'gzip');
    // fetch decodes gzip itself; check the raw bytes through node:http too
    const raw = await new Promise<Buffer>((resolve, reject) => {
      import('node:http')
        .then(({ request }) => {
          const req = request(
            `${server.url}/?enable_http_compression=1`,
            { method: 'POST', headers: { 'Accept-Encoding': 'gzip' } },
            (res) => {
              const parts: Buffer[] = [];
              res.on('data', (part: Buffer) => parts.push(part));
              res.on('end', () => resolve(Buffer.concat(parts)));
            },
          );
          req.on('error', reject);
          req.end('SELECT number FROM numbers(1000)');
        })
        .catch(reject);
    });
    assert.equal(gunzipSync(raw).toString().split('\n').length, 1001);
    const plain = await fetch(server.url, { method: 'POST', body: 'SELECT 1', headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(plain.headers.get('content-encoding'), null, 'no compression without enable_http_compression=1');
  });

  it('keeps state within an HTTP session and applies URL settings per query', async () => {
    const session_id = `s-${Date.now()}`;
    await client.command({ query: 'CREATE TEMPORARY TABLE tmp_session (a UInt8)', session_id });
    await client.command({ query: 'INSERT INTO tmp_session VALUES (1), (2)', session_id });
    await client.command({ query: 'SET max_threads = 2', session_id });
    const inSession = await client.query({
      query: "SELECT count() AS c, getSetting('max_threads') AS t FROM tmp_session",
      format: 'JSONEachRow',
      session_id,
    });
    assert.deepEqual(await inSession.json(), [{ c: 2, t: 2 }]);
    const withSetting = await client.query({
      query: "SELECT getSetting('max_threads') AS t",
      format: 'JSONEachRow',
      session_id,
      clickhouse_settings: { max_threads: 5 },
    });
    assert.deepEqual(await withSetting.json(), [{ t: 5 }]);
    const after = await client.query({ query: "SELECT getSetting('max_threads') AS t", format: 'JSONEachRow', session_id });
    assert.deepEqual(await after.json(), [{ t: 2 }]);
    await expectClickHouseError(client.query({ query: 'SELECT count() FROM tmp_session' }), '60', 'UNKNOWN_TABLE');

    const slow = client.query({ query: 'SELECT sleep(0.5)', session_id });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expectClickHouseError(client.query({ query: 'SELECT 1', session_id }), '373', 'SESSION_IS_LOCKED');
    await (await slow).text();
    const check = await fetch(`${server.url}/?session_id=never-created&session_check=1`, { method: 'POST', body: 'SELECT 1' });
    assert.equal(check.headers.get('x-clickhouse-exception-code'), '372');
  });

  it('serves back-to-back queries of one session with per-query settings (sessions.test.ts proves the wait for cleanup)', async () => {
    const session_id = `s-next-${Date.now()}`;
    // Per-query settings make the server restore the session's settings after each answer.
    for (let i = 0; i < 40; i++) {
      const result = await client.query({
        query: 'SELECT {i:UInt32} AS i',
        query_params: { i },
        format: 'JSONEachRow',
        session_id,
        clickhouse_settings: { max_threads: 1 + (i % 4) },
      });
      assert.deepEqual(await result.json(), [{ i }]);
    }
  });

  it('refuses a second running query with the same query_id', async () => {
    const first = client.query({ query: 'SELECT sleep(0.5)', query_id: 'same-id' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expectClickHouseError(client.query({ query: 'SELECT 1', query_id: 'same-id' }), '216', 'QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING');
    await (await first).text();
  });

  it('uses the error codes the engine knows under those names', async () => {
    const codes = Object.entries(CODES);
    const result = await client.query({
      query: 'SELECT arrayMap(c -> errorCodeToName(c), {codes:Array(UInt32)}) AS names',
      query_params: { codes: codes.map(([, code]) => code) },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ names: string[] }>();
    assert.deepEqual(
      row?.names,
      codes.map(([name]) => name),
    );
  });
});
