// Configuration of the embedded ClickHouse server: one convict schema, read only through
// loadConfig (environment names TRIBUTARY_CLICKHOUSE_EMBEDDED_*). docs/configuration.md is
// generated from it (npm run docs:config).
import { isAbsolute, resolve } from 'node:path';
import type convict from 'convict';
import { loadConfig, repoRoot } from '@tributary/config';
import type { LoadOptions } from '@tributary/config';

export interface ClickHouseEmbeddedSettings {
  host: string;
  port: number;
  dataDir: string;
  maxBodyBytes: number;
  insertChunkBytes: number;
  maxConcurrentQueries: number;
  maxQueuedQueries: number;
  queryTimeoutMs: number;
  requestTimeoutMs: number;
  shutdownTimeoutMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

const ENV = 'TRIBUTARY_CLICKHOUSE_EMBEDDED';

export const clickhouseEmbeddedSchema: convict.Schema<ClickHouseEmbeddedSettings> = {
  host: {
    doc: 'Interface to bind. Keep it on loopback: the server does not check credentials.',
    format: String,
    default: '127.0.0.1',
    env: `${ENV}_HOST`,
  },
  port: { doc: 'Port of the ClickHouse HTTP interface; 0 picks a free port.', format: 'port', default: 8123, env: `${ENV}_PORT` },
  dataDir: {
    doc: 'Data directory of the embedded engine; relative paths are resolved from the repository root. One process at a time: the engine locks <dataDir>/status.',
    format: String,
    default: '.local-stack/clickhouse/data',
    env: `${ENV}_DATA_DIR`,
  },
  maxBodyBytes: {
    doc: 'Largest request body held in memory: query text, multipart forms, and inserts in formats that cannot be cut at row boundaries (CSV, Values, binary, *WithNames). Line-format inserts stream in chunks and are not capped.',
    format: 'positive-int',
    default: 256 * 1024 * 1024,
    env: `${ENV}_MAX_BODY_BYTES`,
  },
  insertChunkBytes: {
    doc: 'Inserts in TabSeparated / JSON*EachRow formats larger than this are cut into row-aligned chunks of about this size, each one INSERT (deduplication tokens get a _<chunk> suffix). Smaller inserts are one INSERT.',
    format: 'positive-int',
    default: 32 * 1024 * 1024,
    env: `${ENV}_INSERT_CHUNK_BYTES`,
  },
  maxConcurrentQueries: {
    doc: 'Queries running in the engine at once (each holds one libuv thread; the pool is sized from this).',
    format: 'positive-int',
    default: 8,
    env: `${ENV}_MAX_CONCURRENT_QUERIES`,
  },
  maxQueuedQueries: {
    doc: 'Queries waiting for a slot; beyond this, requests are refused with HTTP 503 (TOO_MANY_SIMULTANEOUS_QUERIES).',
    format: 'positive-int',
    default: 256,
    env: `${ENV}_MAX_QUEUED_QUERIES`,
  },
  queryTimeoutMs: {
    doc: 'Default max_execution_time of every query (a max_execution_time URL setting overrides it); the engine stops the query with TIMEOUT_EXCEEDED (HTTP 408).',
    format: 'positive-int',
    default: 300_000,
    env: `${ENV}_QUERY_TIMEOUT_MS`,
  },
  requestTimeoutMs: {
    doc: 'Time allowed to receive a whole request, body included (Node http requestTimeout).',
    format: 'positive-int',
    default: 600_000,
    env: `${ENV}_REQUEST_TIMEOUT_MS`,
  },
  shutdownTimeoutMs: {
    doc: 'On SIGTERM/SIGINT, time given to in-flight requests before their connections are closed.',
    format: 'positive-int',
    default: 30_000,
    env: `${ENV}_SHUTDOWN_TIMEOUT_MS`,
  },
  logLevel: {
    doc: 'Minimum log level (per-query lines are debug).',
    format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    env: `${ENV}_LOG_LEVEL`,
  },
};

/** Validated settings, with dataDir made absolute (relative to the repository root). */
export function loadClickHouseEmbeddedSettings(options: LoadOptions = {}): ClickHouseEmbeddedSettings {
  const { values } = loadConfig(clickhouseEmbeddedSchema, options);
  return { ...values, dataDir: isAbsolute(values.dataDir) ? values.dataDir : resolve(repoRoot(), values.dataDir) };
}
