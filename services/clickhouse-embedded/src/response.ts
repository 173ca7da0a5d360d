// The response side of the HTTP interface. Every query response carries the headers a server
// sends (X-ClickHouse-Query-Id, -Server-Display-Name, -Format, -Timezone, -Summary,
// -Exception-Tag, Content-Type per format) and, on failure before the body started,
// X-ClickHouse-Exception-Code with the mapped status. Bodies are compressed when the client asked
// (Accept-Encoding + enable_http_compression=1). Streamed bodies respect backpressure: the next
// engine chunk is fetched only after the socket took the previous one.
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import zlib from 'node:zlib';
import type { ClickHouseHttpError } from './errors.ts';
import { exceptionBlock, newExceptionTag, renderErrorText } from './errors.ts';
import type { Codec, Summary } from './http-protocol.ts';
import { contentTypeFor, emptySummary, summaryHeader } from './http-protocol.ts';

export interface ServerIdentity {
  displayName: string;
  /** Text for "(version …)" in error bodies. */
  versionSuffix: string;
  timezone: string;
  keepAliveSeconds: number;
}

export interface ResultHeaders {
  /** Output format, when the statement produces a result set. */
  format: string | undefined;
  summary: Summary;
  timezone?: string;
}

function compressor(codec: Codec, level: number): zlib.Gzip | zlib.Deflate | zlib.BrotliCompress | zlib.ZstdCompress {
  switch (codec) {
    case 'gzip':
      return zlib.createGzip({ level });
    case 'deflate':
      return zlib.createDeflate({ level });
    case 'br':
      return zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: Math.min(level, 11) } });
    case 'zstd':
      return zlib.createZstdCompress({ params: { [zlib.constants.ZSTD_c_compressionLevel]: level } });
  }
}

export class QueryResponse {
  readonly #res: ServerResponse;
  readonly #identity: ServerIdentity;
  readonly #queryId: string;
  readonly #tag = newExceptionTag();
  #out: Writable | undefined;
  #closeConnection = false;

  constructor(res: ServerResponse, identity: ServerIdentity, queryId: string) {
    this.#res = res;
    this.#identity = identity;
    this.#queryId = queryId;
  }

  /** True once the status line and headers are committed (errors then go into the body). */
  get started(): boolean {
    return this.#out !== undefined || this.#res.headersSent;
  }

  /** The client went away (socket closed before the response finished). */
  get clientGone(): boolean {
    return this.#res.destroyed || this.#res.socket?.destroyed === true;
  }

  /** Ask for the connection to be closed after this response (shutdown, unread request body). */
  closeConnectionAfter(): void {
    this.#closeConnection = true;
  }

  #commonHeaders(status: number, summary: Summary): void {
    const res = this.#res;
    res.statusCode = status;
    res.setHeader('X-ClickHouse-Server-Display-Name', this.#identity.displayName);
    res.setHeader('X-ClickHouse-Query-Id', this.#queryId);
    res.setHeader('X-ClickHouse-Summary', summaryHeader(summary));
    res.setHeader(
      'Access-Control-Expose-Headers',
      'X-ClickHouse-Query-Id,X-ClickHouse-Summary,X-ClickHouse-Server-Display-Name,X-ClickHouse-Format,X-ClickHouse-Timezone,X-ClickHouse-Exception-Code,X-ClickHouse-Exception-Tag',
    );
    if (this.#closeConnection) res.setHeader('Connection', 'close');
    else res.setHeader('Keep-Alive', `timeout=${this.#identity.keepAliveSeconds}`);
  }

  /** Starts a 200 response; the body follows through write()/end(). */
  begin(headers: ResultHeaders, codec: Codec | undefined, level: number): void {
    const res = this.#res;
    this.#commonHeaders(200, headers.summary);
    res.setHeader('Content-Type', headers.format === undefined ? 'text/plain; charset=UTF-8' : contentTypeFor(headers.format));
    if (headers.format !== undefined) res.setHeader('X-ClickHouse-Format', headers.format);
    res.setHeader('X-ClickHouse-Timezone', headers.timezone ?? this.#identity.timezone);
    res.setHeader('X-ClickHouse-Exception-Tag', this.#tag);
    if (codec !== undefined) {
      res.setHeader('Content-Encoding', codec);
      const out = compressor(codec, level);
      out.pipe(res);
      out.on('error', () => res.destroy());
      this.#out = out;
    } else {
      this.#out = res;
    }
    res.flushHeaders();
  }

  /** Writes one piece of the body, waiting while the socket is saturated. */
  async write(data: Uint8Array): Promise<void> {
    const out = this.#out;
    if (out === undefined || this.clientGone || data.length === 0) return;
    if (!out.write(data)) await drained(out, this.#res);
  }

  async end(): Promise<void> {
    const out = this.#out;
    if (out === undefined) return;
    const finished = settled(this.#res);
    out.end();
    await finished;
  }

  /** A 200 response with a complete body. */
  async sendResult(headers: ResultHeaders, body: Uint8Array, codec: Codec | undefined, level: number): Promise<void> {
    this.begin(headers, body.length > 0 ? codec : undefined, level);
    await this.write(body);
    await this.end();
  }

  /** The error as the server answers it: before the body, status + exception code header; after, the tagged block. */
  async fail(error: ClickHouseHttpError): Promise<void> {
    const text = renderErrorText(error, this.#identity.versionSuffix);
    if (this.started) {
      if (this.clientGone) return;
      await this.write(exceptionBlock(text, this.#tag));
      await this.end();
      return;
    }
    const res = this.#res;
    this.#commonHeaders(error.status, emptySummary());
    res.setHeader('X-ClickHouse-Exception-Code', String(error.code));
    res.setHeader('X-ClickHouse-Exception-Tag', this.#tag);
    res.setHeader('Content-Type', 'text/plain; charset=UTF-8');
    const finished = settled(res);
    res.end(text);
    await finished;
  }
}

/** Resolves when `out` can take more data, or the client went away. */
function drained(out: Writable, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      res.off('close', done);
      resolve();
    };
    out.on('drain', done);
    res.on('close', done);
  });
}

/** Resolves when the response was fully handed to the socket, or the socket closed first. */
function settled(res: ServerResponse): Promise<void> {
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('finish', done);
      res.off('close', done);
      resolve();
    };
    res.on('finish', done);
    res.on('close', done);
  });
}

/** Plain answers outside the query handler (/ping, /, 404). */
export function sendPlain(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=UTF-8');
  res.end(text);
}
