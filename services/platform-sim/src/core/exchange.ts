// The simulator's request/response model, independent of node:http so that Meta's batch endpoint
// can run sub-requests through the same handlers as real HTTP calls.

export interface SimRequest {
  method: string;
  /** Path below the platform prefix, e.g. `/v2/video/list/` for `/tiktok/v2/video/list/`. */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** Absolute URL of the platform prefix (`http://127.0.0.1:port/instagram`), for paging links. */
  baseUrl: string;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
  /** Fault: never answer; the connection stays open until the client gives up or the sim closes. */
  hang?: boolean;
  /** Fault: answer after this many wall-clock milliseconds. */
  delayMs?: number;
}

export type SimHandler = (request: SimRequest) => Promise<SimResponse>;

export const JSON_TYPE = 'application/json; charset=UTF-8';

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}

export function textResponse(status: number, text: string, contentType = 'text/plain; charset=UTF-8'): SimResponse {
  return { status, headers: { 'content-type': contentType }, body: text };
}

/** Parameters of an application/x-www-form-urlencoded body. */
export function formParams(request: SimRequest): URLSearchParams {
  return new URLSearchParams(request.body.toString('utf8'));
}

/** The JSON body, or `undefined` when it is absent or not JSON. */
export function jsonBody(request: SimRequest): unknown {
  if (request.body.length === 0) return undefined;
  try {
    return JSON.parse(request.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Bearer token from the Authorization header, else the `access_token` query parameter. */
export function bearerToken(request: SimRequest): string | null {
  const header = request.headers['authorization'];
  const match = header === undefined ? null : /^Bearer\s+(.+)$/i.exec(header);
  return match?.[1]?.trim() ?? request.query.get('access_token');
}

/** Path segments without empty ones: `/v2/video/list/` → ['v2', 'video', 'list']. */
export function segments(path: string): string[] {
  return path.split('/').filter(Boolean).map(decodeURIComponent);
}
