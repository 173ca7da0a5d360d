import assert from 'node:assert/strict';
import { ClickHouseHttpError } from '../src/errors.ts';
import { contentTypeFor, parseQueryRequest } from '../src/http-protocol.ts';

const parse = (query: string, headers: Record<string, string> = {}, method = 'POST') =>
  parseQueryRequest(method, new URLSearchParams(query), headers);

describe('clickhouse-embedded: http-protocol', () => {
  it('separates reserved parameters, query parameters and settings', () => {
    const request = parse(
      'query=SELECT+1&query_id=q1&database=db&default_format=JSON&param_x=1&param_s=a%5Ctb&max_threads=2&insert_deduplication_token=t&session_id=s&user=u&password=p&wait_end_of_query=1',
    );
    assert.equal(request.urlQuery, 'SELECT 1');
    assert.equal(request.queryId, 'q1');
    assert.equal(request.database, 'db');
    assert.equal(request.defaultFormat, 'JSON');
    assert.deepEqual(request.params, [
      ['x', '1'],
      ['s', 'a\\tb'],
    ]);
    assert.deepEqual(request.settings, [
      ['max_threads', '2'],
      ['insert_deduplication_token', 't'],
    ]);
    assert.equal(request.session?.id, 's');
    assert.equal(request.user, 'u');
    assert.equal(request.waitEndOfQuery, true);
  });

  it('lets X-ClickHouse-* headers win over URL parameters, like the server', () => {
    const request = parse('database=a&default_format=CSV', {
      'x-clickhouse-database': 'b',
      'x-clickhouse-format': 'JSONEachRow',
      'x-clickhouse-query-id': 'h',
    });
    assert.equal(request.database, 'b');
    assert.equal(request.defaultFormat, 'JSONEachRow');
    assert.equal(request.queryId, 'h');
    assert.equal(parse('').defaultFormat, 'TabSeparated');
    assert.match(parse('').queryId, /^[0-9a-f-]{36}$/);
  });

  it('compresses responses only with enable_http_compression=1 and an accepted codec', () => {
    assert.equal(parse('', { 'accept-encoding': 'gzip' }).responseCodec, undefined);
    assert.equal(parse('enable_http_compression=1', { 'accept-encoding': 'gzip' }).responseCodec, 'gzip');
    assert.equal(parse('enable_http_compression=1', { 'accept-encoding': 'lz4, zstd' }).responseCodec, 'zstd');
    assert.equal(parse('enable_http_compression=1&http_zlib_compression_level=9').compressionLevel, 9);
  });

  it('refuses what it cannot serve, in ClickHouse terms', () => {
    const code = (fn: () => unknown): number => {
      try {
        fn();
      } catch (error) {
        assert.ok(error instanceof ClickHouseHttpError);
        return error.code;
      }
      return 0;
    };
    assert.equal(
      code(() => parse('compress=1')),
      48,
    );
    assert.equal(
      code(() => parse('', { 'content-encoding': 'lz4' })),
      48,
    );
    assert.equal(
      code(() => parse('session_id=s&session_timeout=x')),
      374,
    );
    assert.equal(
      code(() => parse('session_id=s&session_timeout=7200')),
      374,
    );
    assert.equal(
      code(() => parse('bad-name=1')),
      115,
    );
  });

  it('gives each format the Content-Type of the server', () => {
    assert.equal(contentTypeFor('TabSeparated'), 'text/tab-separated-values; charset=UTF-8');
    assert.equal(contentTypeFor('JSON'), 'application/json; charset=UTF-8');
    assert.equal(contentTypeFor('JSONEachRow'), 'application/x-ndjson; charset=UTF-8');
    assert.equal(contentTypeFor('CSV'), 'text/csv; charset=UTF-8; header=absent');
    assert.equal(contentTypeFor('CSVWithNames'), 'text/csv; charset=UTF-8; header=present');
    assert.equal(contentTypeFor('Parquet'), 'application/octet-stream');
  });
});
