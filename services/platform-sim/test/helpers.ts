// Shared test helpers: a simulator with small, fixed data and a webhook receiver that records
// raw bodies and answers with scripted statuses.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPlatformSim } from '../src/index.ts';
import type { PlatformSim, PlatformSimOptions } from '../src/index.ts';

/** Friday 20 Nov 2026 12:00 UTC (04:00 in Los Angeles, PST). */
export const START = Date.parse('2026-11-20T12:00:00Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export function startSim(options: PlatformSimOptions = {}): Promise<PlatformSim> {
  return startPlatformSim({
    seed: 'test-seed',
    clock: { startTime: START, speed: 0 },
    ...options,
    knobs: {
      ...options.knobs,
      content: {
        postsPerAccount: 45,
        historyDays: 21,
        newPostsPerDay: 2,
        revisionProbability: 0.05,
        storiesPerDay: 3,
        ...options.knobs?.content,
      },
    },
  });
}

// Test bodies are read loosely; each assertion states the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface JsonAnswer<T = any> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function call<T = any>(url: string, init: RequestInit = {}): Promise<JsonAnswer<T>> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: T;
  try {
    json = JSON.parse(text) as T;
  } catch {
    json = undefined as T;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function bearer(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra };
}

export function postJson(url: string, token: string, body: unknown): Promise<JsonAnswer> {
  return call(url, { method: 'POST', headers: bearer(token, { 'content-type': 'application/json' }), body: JSON.stringify(body) });
}

export function postForm(url: string, fields: Record<string, string>): Promise<JsonAnswer> {
  return call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  /** Statuses for the next POSTs, in order; afterwards 200. */
  script: number[];
  /** GET handler (verification): returns [status, body]. */
  onGet: (url: URL) => [number, string];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const state = {
    received: [] as ReceivedRequest[],
    script: [] as number[],
    onGet: (url: URL): [number, string] => [200, url.searchParams.get('hub.challenge') ?? ''],
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      state.received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (request.method === 'GET') {
        const [status, text] = state.onGet(new URL(request.url ?? '/', 'http://receiver'));
        response.writeHead(status, { 'content-type': 'text/plain' }).end(text);
        return;
      }
      response.writeHead(state.script.shift() ?? 200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
