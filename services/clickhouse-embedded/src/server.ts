// The HTTP server in front of the embedded engine: routes (/ping, /replicas_status, "/" health
// answer, queries on every other request), timeouts, and the shutdown sequence:
//   stop accepting -> close idle keep-alive connections -> let in-flight requests finish
//   (shutdownTimeoutMs) -> close the remaining connections (cancels streamed results) -> wait for
//   engine calls still running -> close sessions and the engine (data written, lock released).
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { TributaryError } from '@tributary/errors';
import type { Logger } from '@tributary/telemetry';
import { Admission } from './admission.ts';
import { Engine } from './engine.ts';
import { clickHouseError } from './errors.ts';
import { handleQuery } from './query-handler.ts';
import type { QueryContext } from './query-handler.ts';
import { QueryResponse, sendPlain } from './response.ts';
import type { ServerIdentity } from './response.ts';
import { Sessions } from './sessions.ts';

export interface ServerOptions {
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
  logger: Logger;
}

export interface EmbeddedClickHouse {
  readonly host: string;
  readonly port: number;
  /** http://host:port */
  readonly url: string;
  readonly dataDir: string;
  readonly engineVersion: string;
  readonly chdbVersion: string;
  /** Graceful stop (see the file comment); idempotent. */
  stop(): Promise<void>;
}

const KEEP_ALIVE_SECONDS = 10;
const OK = 'Ok.\n';

export const chdbVersion: string = (createRequire(import.meta.url)('chdb/package.json') as { version: string }).version;

export async function startServer(options: ServerOptions): Promise<EmbeddedClickHouse> {
  const engine = await Engine.open(options.dataDir);
  const sessions = new Sessions(engine);
  const identity: ServerIdentity = {
    displayName: hostname(),
    versionSuffix: `${engine.version} (chDB ${chdbVersion})`,
    timezone: engine.timezone,
    keepAliveSeconds: KEEP_ALIVE_SECONDS,
  };
  let stopping = false;
  const context: QueryContext = {
    engine,
    sessions,
    admission: new Admission({ maxRunning: options.maxConcurrentQueries, maxQueued: options.maxQueuedQueries }),
    limits: {
      maxBodyBytes: options.maxBodyBytes,
      insertChunkBytes: Math.min(options.insertChunkBytes, options.maxBodyBytes),
      queryTimeoutMs: options.queryTimeoutMs,
    },
    identity,
    logger: options.logger,
    running: new Set(),
    stopping: () => stopping,
  };
  const inFlight = new Set<Promise<void>>();

  const server = createServer(
    {
      requestTimeout: options.requestTimeoutMs,
      headersTimeout: Math.min(60_000, options.requestTimeoutMs),
      keepAliveTimeout: KEEP_ALIVE_SECONDS * 1000,
    },
    (req, res) => {
      const handled = route(context, req, res).catch((error: unknown) => {
        options.logger.error({ err: error }, 'Request handler failed.');
        if (!res.headersSent) sendPlain(res, 500, 'Internal error of the embedded ClickHouse server.\n');
        else res.destroy();
      });
      inFlight.add(handled);
      void handled.finally(() => inFlight.delete(handled));
    },
  );

  try {
    await listen(server, options.host, options.port);
  } catch (cause) {
    sessions.closeAll();
    await engine.close();
    const code = (cause as NodeJS.ErrnoException).code;
    throw new TributaryError(
      code === 'EADDRINUSE' ? 'CLICKHOUSE_EMBEDDED_PORT_IN_USE' : 'CLICKHOUSE_EMBEDDED_LISTEN_FAILED',
      `Cannot listen on ${options.host}:${options.port}: ${(cause as Error).message}`,
      {
        failureType: 'config',
        cause,
        hint:
          code === 'EADDRINUSE'
            ? 'Another ClickHouse (or another embedded server) uses the port; stop it or set TRIBUTARY_CLICKHOUSE_EMBEDDED_PORT.'
            : undefined,
      },
    );
  }
  const address = server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    stopping = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const graceful = await settleWithin([...inFlight], options.shutdownTimeoutMs);
    if (!graceful) {
      options.logger.warn(
        { inFlightRequests: inFlight.size, shutdownTimeoutMs: options.shutdownTimeoutMs },
        'Requests still running after the shutdown timeout; closing their connections.',
      );
      server.closeAllConnections();
    }
    await Promise.allSettled([...inFlight]);
    server.closeAllConnections();
    await closed;
    sessions.closeAll();
    await engine.close();
  };

  return {
    host: options.host,
    port: address.port,
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    dataDir: engine.dataDir,
    engineVersion: engine.version,
    chdbVersion,
    stop: () => (stopped ??= stop()),
  };
}

async function route(context: QueryContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  if (context.stopping()) res.setHeader('Connection', 'close');
  if (url.pathname === '/ping' || url.pathname === '/replicas_status') {
    req.resume();
    return sendPlain(res, 200, OK);
  }
  if (method === 'OPTIONS') {
    req.resume();
    res.statusCode = 204;
    res.end();
    return;
  }
  if ((method === 'GET' || method === 'HEAD') && url.pathname === '/' && !url.searchParams.has('query')) {
    return sendPlain(res, 200, OK);
  }
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    req.resume();
    const response = new QueryResponse(res, context.identity, '');
    return response.fail(
      clickHouseError('UNSUPPORTED_METHOD', `HTTP method ${method} is not supported; use GET for reading or POST`, { status: 405 }),
    );
  }
  return handleQuery(context, req, res, url);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** True when every promise settled within `ms`. */
async function settleWithin(promises: Promise<unknown>[], ms: number): Promise<boolean> {
  if (promises.length === 0) return true;
  const timer = new AbortController();
  const timeout = once(timer.signal, 'abort').then(() => false);
  const handle = setTimeout(() => timer.abort(), ms);
  try {
    return await Promise.race([Promise.allSettled(promises).then(() => true), timeout]);
  } finally {
    clearTimeout(handle);
  }
}
