// One node:http server for every platform: the first path segment picks the platform
// (`/tiktok/...`, `/instagram/...`, `/youtube/...`, `/google/...`, `/_sim/...`), the rest is the
// platform's own path. Hung responses (fault) keep their socket until the client leaves or the
// simulator closes.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@tributary/telemetry';
import type { SimHandler, SimRequest, SimResponse } from './exchange.ts';

export interface HttpServerOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  /** First path segment → handler. */
  routes: Record<string, SimHandler>;
  logger: Logger;
}

export interface RunningHttpServer {
  origin: string;
  port: number;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function lowerHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

function write(response: ServerResponse, answer: SimResponse): void {
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const delayed = new Set<NodeJS.Timeout>();
  let origin = '';
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', origin);
      const [, prefix = '', ...rest] = url.pathname.split('/');
      const handler = options.routes[prefix];
      if (!handler)
        return write(response, { status: 404, headers: { 'content-type': 'text/plain' }, body: `No simulator at /${prefix}\n` });
      const body = await readBody(request, options.maxBodyBytes);
      if (body === null)
        return write(response, { status: 413, headers: { 'content-type': 'text/plain' }, body: 'Request body too large\n' });
      const simRequest: SimRequest = {
        method: request.method ?? 'GET',
        path: `/${rest.join('/')}`,
        query: url.searchParams,
        headers: lowerHeaders(request),
        body,
        baseUrl: `${origin}/${prefix}`,
      };
      let answer: SimResponse;
      try {
        answer = await handler(simRequest);
      } catch (error) {
        options.logger.error({ err: error, path: url.pathname }, 'Simulator handler failed.');
        answer = { status: 500, headers: { 'content-type': 'text/plain' }, body: 'platform-sim bug: handler threw\n' };
      }
      if (answer.hang) return; // never answer; closeAllConnections() ends it
      if (answer.delayMs !== undefined) {
        const timer = setTimeout(() => {
          delayed.delete(timer);
          if (!response.destroyed) write(response, answer);
        }, answer.delayMs);
        delayed.add(timer);
        return;
      }
      write(response, answer);
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  return {
    origin,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of delayed) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
