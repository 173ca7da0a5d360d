// The request side of ClickHouse's HTTP interface (docs: https://clickhouse.com/docs/interfaces/http,
// server: src/Server/HTTPHandler.cpp), turned into a plain description of one query:
// - URL parameters that the server reserves (query, database, default_format, query_id,
//   session_*, user/password, compress/decompress, wait_end_of_query, …) have their own meaning;
// - param_<name> are query parameters for {name:Type} placeholders (values in the escaped format);
// - every other parameter is a setting for this query (unknown names fail in the engine with
//   UNKNOWN_SETTING, code 115, as on a server);
// - headers: X-ClickHouse-Database / -Format / -Query-Id / -User / -Key, Authorization (Basic),
//   Content-Encoding (request body) and Accept-Encoding (response, with enable_http_compression=1).
// Authentication is accepted and not checked: one default user (see README, "Not supported").
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { clickHouseError } from './errors.ts';

export type Codec = 'gzip' | 'deflate' | 'br' | 'zstd';

export interface SessionRequest {
  id: string;
  /** session_timeout in seconds, when given. */
  timeoutSeconds: number | undefined;
  /** session_check=1: the session must already exist. */
  check: boolean;
  /** close_session=1: close the session after this query. */
  close: boolean;
}

export interface QueryRequest {
  method: 'GET' | 'POST' | 'HEAD';
  queryId: string;
  /** The `query` URL parameter (or multipart field), if any. */
  urlQuery: string | undefined;
  database: string | undefined;
  /** Output format when the query has no FORMAT clause (X-ClickHouse-Format header, else default_format). */
  defaultFormat: string;
  /** Settings for this query, in request order. */
  settings: Array<[name: string, value: string]>;
  /** Query parameters (param_<name>), raw escaped-format text. */
  params: Array<[name: string, value: string]>;
  session: SessionRequest | undefined;
  /** wait_end_of_query=1 / http_wait_end_of_query=1: buffer the whole result before answering. */
  waitEndOfQuery: boolean;
  /** Response codec when the client accepts one and enable_http_compression=1. */
  responseCodec: Codec | undefined;
  /** http_zlib_compression_level (1–9, default 3). */
  compressionLevel: number;
  /** Content-Encoding of the request body. */
  requestCodec: Codec | undefined;
  user: string;
}

const RESERVED = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'close_session',
  'user',
  'password',
  'quota_key',
  'compress',
  'decompress',
  'stacktrace',
  'buffer_size',
  'wait_end_of_query',
  'client_protocol_version',
  'role',
]);

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEFAULT_SESSION_TIMEOUT_SECONDS = 60;
export const MAX_SESSION_TIMEOUT_SECONDS = 3600;

function truthy(value: string | null | undefined): boolean {
  return value !== null && value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function parseCodec(value: string | undefined): Codec | undefined | 'unsupported' {
  if (value === undefined || value === '' || value === 'identity') return undefined;
  const codec = value.trim().toLowerCase();
  if (codec === 'gzip' || codec === 'x-gzip') return 'gzip';
  if (codec === 'deflate' || codec === 'br' || codec === 'zstd') return codec;
  return 'unsupported';
}

/** The first codec of Accept-Encoding we can produce, in the client's order (q-values ignored). */
function acceptedCodec(acceptEncoding: string | undefined): Codec | undefined {
  for (const entry of (acceptEncoding ?? '').split(',')) {
    const codec = parseCodec(entry.split(';')[0]);
    if (codec !== undefined && codec !== 'unsupported') return codec;
  }
  return undefined;
}

/** Reads one query request from the URL parameters (plus multipart fields) and headers. */
export function parseQueryRequest(method: string, params: URLSearchParams, headers: IncomingHttpHeaders): QueryRequest {
  const httpMethod = method === 'GET' || method === 'HEAD' ? method : 'POST';
  const settings: Array<[string, string]> = [];
  const queryParams: Array<[string, string]> = [];
  for (const [name, value] of params) {
    if (name === '' || RESERVED.has(name)) continue;
    if (name.startsWith('param_')) {
      const paramName = name.slice('param_'.length);
      if (!PARAM_NAME.test(paramName))
        throw clickHouseError('BAD_QUERY_PARAMETER', `Query parameter name '${paramName}' is not a valid identifier`);
      queryParams.push([paramName, value]);
      continue;
    }
    if (!SETTING_NAME.test(name)) throw clickHouseError('UNKNOWN_SETTING', `Unknown setting '${name}'`);
    settings.push([name, value]);
  }
  if (truthy(params.get('compress')) || truthy(params.get('decompress'))) {
    throw clickHouseError(
      'NOT_IMPLEMENTED',
      'ClickHouse native compression (compress=1 / decompress=1) is not supported by the embedded server; use HTTP compression (Content-Encoding / Accept-Encoding with enable_http_compression=1)',
    );
  }
  const setting = (name: string): string | undefined => settings.findLast(([n]) => n === name)?.[1];

  const requestCodec = parseCodec(header(headers, 'content-encoding'));
  if (requestCodec === 'unsupported') {
    throw clickHouseError(
      'NOT_IMPLEMENTED',
      `Content-Encoding '${header(headers, 'content-encoding')}' is not supported by the embedded server (gzip, deflate, br, zstd are)`,
    );
  }
  const level = Number(setting('http_zlib_compression_level') ?? 3);
  const sessionId = params.get('session_id') ?? undefined;
  let session: SessionRequest | undefined;
  if (sessionId !== undefined && sessionId !== '') {
    const timeoutText = params.get('session_timeout');
    let timeoutSeconds: number | undefined;
    if (timeoutText !== null) {
      timeoutSeconds = Number(timeoutText);
      if (!/^\d+$/.test(timeoutText)) throw clickHouseError('INVALID_SESSION_TIMEOUT', `Invalid session timeout: '${timeoutText}'`);
      if (timeoutSeconds > MAX_SESSION_TIMEOUT_SECONDS) {
        throw clickHouseError(
          'INVALID_SESSION_TIMEOUT',
          `Session timeout '${timeoutText}' is larger than max_session_timeout: ${MAX_SESSION_TIMEOUT_SECONDS}. Maximum session timeout could be modified in configuration file`,
        );
      }
    }
    session = { id: sessionId, timeoutSeconds, check: truthy(params.get('session_check')), close: truthy(params.get('close_session')) };
  }

  return {
    method: httpMethod,
    queryId: params.get('query_id') || header(headers, 'x-clickhouse-query-id') || randomUUID(),
    urlQuery: params.get('query') ?? undefined,
    database: header(headers, 'x-clickhouse-database') || params.get('database') || undefined,
    defaultFormat: header(headers, 'x-clickhouse-format') || params.get('default_format') || 'TabSeparated',
    settings,
    params: queryParams,
    session,
    waitEndOfQuery: truthy(params.get('wait_end_of_query')) || truthy(setting('http_wait_end_of_query')),
    responseCodec: truthy(setting('enable_http_compression')) ? acceptedCodec(header(headers, 'accept-encoding')) : undefined,
    compressionLevel: Number.isInteger(level) && level >= 1 && level <= 9 ? level : 3,
    requestCodec,
    user: header(headers, 'x-clickhouse-user') || params.get('user') || basicAuthUser(header(headers, 'authorization')) || 'default',
  };
}

function basicAuthUser(authorization: string | undefined): string | undefined {
  if (!authorization?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? decoded : decoded.slice(0, colon);
}

/** Session timeout in milliseconds (session_timeout, default 60 s, like default_session_timeout). */
export function sessionTimeoutMs(session: SessionRequest): number {
  return (session.timeoutSeconds ?? DEFAULT_SESSION_TIMEOUT_SECONDS) * 1000;
}

const NDJSON = new Set([
  'jsoneachrow',
  'jsonstringseachrow',
  'jsoneachrowwithprogress',
  'jsonstringseachrowwithprogress',
  'jsonlines',
  'ndjson',
  'jsoncompacteachrow',
  'jsoncompacteachrowwithnames',
  'jsoncompacteachrowwithnamesandtypes',
  'jsoncompactstringseachrow',
  'jsoncompactstringseachrowwithnames',
  'jsoncompactstringseachrowwithnamesandtypes',
]);
const BINARY = new Set([
  'native',
  'rowbinary',
  'rowbinarywithnames',
  'rowbinarywithnamesandtypes',
  'parquet',
  'arrow',
  'arrowstream',
  'orc',
  'avro',
  'msgpack',
  'protobuf',
  'capnproto',
  'npy',
]);

/** Content-Type the server sends for a result in `format` (IOutputFormat::getContentType). */
export function contentTypeFor(format: string): string {
  const name = format.toLowerCase();
  if (name.startsWith('json')) return NDJSON.has(name) ? 'application/x-ndjson; charset=UTF-8' : 'application/json; charset=UTF-8';
  if (name === 'ndjson') return 'application/x-ndjson; charset=UTF-8';
  if (name.startsWith('tabseparated') || name.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (name.startsWith('csv')) return `text/csv; charset=UTF-8; header=${name === 'csv' ? 'absent' : 'present'}`;
  if (BINARY.has(name)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

export interface Summary {
  readRows: number;
  readBytes: number;
  writtenRows: number;
  writtenBytes: number;
  resultRows: number;
  resultBytes: number;
  elapsedNs: bigint;
}

export function emptySummary(): Summary {
  return { readRows: 0, readBytes: 0, writtenRows: 0, writtenBytes: 0, resultRows: 0, resultBytes: 0, elapsedNs: 0n };
}

/** X-ClickHouse-Summary: every number as a string, like the server's Progress::writeJSON. */
export function summaryHeader(summary: Summary): string {
  return JSON.stringify({
    read_rows: String(summary.readRows),
    read_bytes: String(summary.readBytes),
    written_rows: String(summary.writtenRows),
    written_bytes: String(summary.writtenBytes),
    total_rows_to_read: String(summary.readRows),
    result_rows: String(summary.resultRows),
    result_bytes: String(summary.resultBytes),
    elapsed_ns: String(summary.elapsedNs),
  });
}
