// An in-process HTTP server on 127.0.0.1:0 that plays a platform for the request-pipeline tests:
// each test scripts its answers; every exchange is recorded.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** Serialised with JSON.stringify and sent as application/json. */
  json?: unknown;
  /** Sent verbatim (set the content type in headers). */
  raw?: string | Buffer;
  /** Never answer (until the server closes). */
  hang?: boolean;
}

export type Script = (exchange: Exchange, index: number) => Reply | Promise<Reply>;

export interface ScriptedPlatform {
  url: string;
  exchanges: Exchange[];
  /** Replaces the script for the following requests. */
  script(next: Script): void;
  close(): Promise<void>;
}

export async function startScriptedPlatform(initial: Script = () => ({ json: {} })): Promise<ScriptedPlatform> {
  let script = initial;
  const exchanges: Exchange[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const exchange: Exchange = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = exchanges.push(exchange) - 1;
      Promise.resolve(script(exchange, index)).then(
        (reply) => send(res, reply),
        (error: unknown) => send(res, { status: 599, raw: String(error) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    script(next) {
      script = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.hang) return;
  const headers: Record<string, string> = { ...reply.headers };
  let body: string | Buffer = '';
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['content-type'] ??= 'application/json; charset=UTF-8';
  } else if (reply.raw !== undefined) {
    body = reply.raw;
  }
  res.writeHead(reply.status ?? 200, headers);
  res.end(body);
}
