// The embedded ClickHouse engine (chDB). One engine per process and per data directory:
// libchdb binds a single data directory per process, and the engine locks <dataDir>/status so
// that a second process fails with "Cannot lock file …/status" (reported here as
// CLICKHOUSE_EMBEDDED_DATA_DIR_LOCKED with the holder's PID).
//
// Concurrency model (measured on chdb 3.4.0):
// - Every chdb Session is its own native connection to the shared engine. Connections to the
//   same directory coexist and run queries in parallel; each carries its own query context
//   (SET settings, SET param_*, USE, temporary tables). Opening one costs ~0.1 ms.
// - So each HTTP query gets a fresh connection (exactly the server's per-query context: nothing
//   leaks between requests), and an HTTP session (session_id) gets a long-lived one.
// - Async calls run on the libuv thread pool, one pool thread per running call; main.ts sizes
//   the pool from maxConcurrentQueries.
// - The owner connection stays open for the life of the server: closing the last connection
//   shuts the engine down and releases the directory lock.
// Raw inserts use the addon's InsertRawAsyncConnection(connection, statement, bytes): the
// payload goes to the engine's parser as bytes (binary formats work, no V8 string limit), with
// the client's own INSERT statement. chdb's public insert() accepts only a whitelisted table/
// column/format shape, so this one entry point is taken from the addon that chdb itself loads;
// the chdb version is pinned and Engine.open checks the entry point exists.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Session, drainPending } from 'chdb';
import type { ChdbQueryStream, ChdbResult } from 'chdb';
import { TributaryError } from '@tributary/errors';

interface NativeInsert {
  InsertRawAsyncConnection(
    connection: unknown,
    statement: string,
    data: Buffer,
    countLines: boolean,
  ): Promise<{ rowsWritten: number; bytesWritten: number; elapsed: number }>;
}

export interface RawInsertResult {
  rowsWritten: number;
  bytesWritten: number;
  elapsedSeconds: number;
}

export interface BufferedResult {
  bytes: Uint8Array;
  rowsRead: number;
  bytesRead: number;
  elapsedSeconds: number;
}

function loadNativeInsert(): NativeInsert {
  const requireFromChdb = createRequire(createRequire(import.meta.url).resolve('chdb'));
  const loader = requireFromChdb('./dist/loader.js') as { loadNative(): Partial<NativeInsert> };
  const native = loader.loadNative();
  if (typeof native.InsertRawAsyncConnection !== 'function') {
    throw new TributaryError(
      'CLICKHOUSE_EMBEDDED_CHDB_UNSUPPORTED',
      'The installed chdb addon has no InsertRawAsyncConnection entry point.',
      {
        failureType: 'system',
        hint: 'Install the chdb version pinned in services/clickhouse-embedded/package.json (npm ci).',
      },
    );
  }
  return native as NativeInsert;
}

/** One native connection to the engine: a per-request query context or an HTTP session's context. */
export class EngineConnection {
  readonly #session: Session;
  readonly #engine: Engine;
  #closed = false;

  constructor(engine: Engine, session: Session) {
    this.#engine = engine;
    this.#session = session;
  }

  /** Runs a statement to completion and returns its whole output. */
  async exec(sql: string, format: string): Promise<BufferedResult> {
    const result: ChdbResult = await this.#engine.track(this.#session.queryAsync(sql, { format }));
    return { bytes: result.bytes(), rowsRead: result.rowsRead, bytesRead: result.bytesRead, elapsedSeconds: result.elapsed };
  }

  /** Streams a SELECT chunk by chunk (throws code 36 for statements the engine cannot stream). */
  stream(sql: string, format: string): ChdbQueryStream {
    return this.#session.queryStream(sql, { format });
  }

  /** INSERT with its data as bytes: `statement` is the client's INSERT … FORMAT x / VALUES text. */
  async insertRaw(statement: string, data: Buffer): Promise<RawInsertResult> {
    const result = await this.#engine.track(this.#engine.native.InsertRawAsyncConnection(this.#session.connection, statement, data, false));
    return { rowsWritten: result.rowsWritten, bytesWritten: result.bytesWritten, elapsedSeconds: result.elapsed };
  }

  /** Releases the connection. Callers close only after their calls settled (chdb defers teardown otherwise). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#session.close();
  }
}

export class Engine {
  readonly dataDir: string;
  readonly version: string;
  readonly timezone: string;
  /** ClickHouse error code → name, read from the engine (errorCodeToName). */
  readonly codeNames: ReadonlyMap<number, string>;
  readonly native: NativeInsert;
  readonly #owner: Session;
  readonly #inFlight = new Set<Promise<unknown>>();

  private constructor(
    dataDir: string,
    owner: Session,
    native: NativeInsert,
    facts: { version: string; timezone: string; codeNames: Map<number, string> },
  ) {
    this.dataDir = dataDir;
    this.#owner = owner;
    this.native = native;
    this.version = facts.version;
    this.timezone = facts.timezone;
    this.codeNames = facts.codeNames;
  }

  /** Opens the engine on `dataDir`; fails with CLICKHOUSE_EMBEDDED_DATA_DIR_LOCKED when another process holds it. */
  static async open(dataDir: string): Promise<Engine> {
    const directory = resolve(dataDir);
    const native = loadNativeInsert();
    let owner: Session;
    try {
      owner = new Session(directory);
    } catch (cause) {
      throw startFailure(directory, cause);
    }
    try {
      const facts = await owner.queryAsync('SELECT version(), timezone()', { format: 'TSV' });
      const [version = 'unknown', timezone = 'UTC'] = facts.text().trim().split('\t');
      const codes = await owner.queryAsync("SELECT number, errorCodeToName(number) AS name FROM numbers(2000) WHERE name != ''", {
        format: 'TSV',
      });
      const codeNames = new Map<number, string>();
      for (const line of codes.text().trim().split('\n')) {
        const [code, name] = line.split('\t');
        if (code !== undefined && name !== undefined) codeNames.set(Number(code), name);
      }
      return new Engine(directory, owner, native, { version, timezone, codeNames });
    } catch (cause) {
      owner.close();
      throw startFailure(directory, cause);
    }
  }

  /** A fresh connection: its own query context, parallel to every other connection. */
  connect(): EngineConnection {
    return new EngineConnection(this, new Session(this.dataDir));
  }

  /** Native calls in flight, so close() never tears the engine down under one. */
  track<T>(promise: Promise<T>): Promise<T> {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.add(settled);
    void settled.then(() => this.#inFlight.delete(settled));
    return promise;
  }

  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** Waits for every native call, closes the owner connection (the engine writes its data and releases the lock). */
  async close(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    this.#owner.close();
    await drainPending();
  }
}

/** The PID in <dataDir>/status when that process is alive: the engine writes it while it holds the lock. */
export function lockHolder(dataDir: string): number | undefined {
  const status = resolve(dataDir, 'status');
  if (!existsSync(status)) return undefined;
  const pid = Number(/^PID: (\d+)/m.exec(readFileSync(status, 'utf8'))?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

function startFailure(directory: string, cause: unknown): TributaryError {
  const holder = lockHolder(directory);
  if (holder !== undefined) {
    return new TributaryError(
      'CLICKHOUSE_EMBEDDED_DATA_DIR_LOCKED',
      `The ClickHouse data directory ${directory} is locked by process ${holder}: a second embedded engine instance is probably running on it.`,
      {
        failureType: 'config',
        retryable: false,
        cause,
        hint: `Stop the other instance (kill ${holder}, or the local stack that started it), or point TRIBUTARY_CLICKHOUSE_EMBEDDED_DATA_DIR at another directory.`,
        details: { dataDir: directory, pid: holder },
      },
    );
  }
  return new TributaryError(
    'CLICKHOUSE_EMBEDDED_START_FAILED',
    `The embedded ClickHouse engine could not open ${directory}: ${(cause as Error)?.message ?? String(cause)}`,
    {
      failureType: 'system',
      cause,
      details: { dataDir: directory },
    },
  );
}
