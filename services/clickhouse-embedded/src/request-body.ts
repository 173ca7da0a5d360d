// Request bodies: decoding (Content-Encoding), the size cap for bodies that must be held in
// memory, deterministic cutting of large inserts into row-aligned chunks, and multipart forms.
//
// Memory contract: a body is held in memory only up to maxBodyBytes (query text, multipart
// forms, inserts in formats that cannot be cut at row boundaries). Inserts in line-oriented
// formats are cut into chunks of about insertChunkBytes and inserted one by one, so their size is
// not capped and at most two chunks are held at a time.
//
// Chunk boundaries depend only on the body bytes, never on how TCP delivered them: a chunk ends at
// the first row boundary at or after insertChunkBytes − 1 bytes into it. Retrying the same body
// therefore produces the same chunks, which is what makes per-chunk deduplication tokens work.
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { clickHouseError, ClickHouseHttpError } from './errors.ts';
import type { Codec } from './http-protocol.ts';

export type RowBoundary = 'newline' | 'json-line';

const LINE_FORMATS = new Set(['tabseparated', 'tsv']);
const JSON_LINE_FORMATS = new Set([
  'jsoneachrow',
  'jsonlines',
  'ndjson',
  'jsonstringseachrow',
  'jsoncompacteachrow',
  'jsoncompactstringseachrow',
]);

/**
 * How rows of an insert format can be found in raw bytes, or undefined when they cannot:
 * TabSeparated escapes newlines inside values, so every '\n' ends a row; the JSON row formats
 * escape them inside strings, so a '\n' between '}'/']' and '{'/'[' ends a row. CSV (quoted
 * newlines), formats with header rows and binary formats are never cut.
 */
export function rowBoundaryOf(format: string): RowBoundary | undefined {
  const name = format.toLowerCase();
  if (LINE_FORMATS.has(name)) return 'newline';
  if (JSON_LINE_FORMATS.has(name)) return 'json-line';
  return undefined;
}

/**
 * The request body, decoded according to Content-Encoding. Leaving the iteration early (an error,
 * a limit) never destroys the request: the connection must survive to carry the error response,
 * and the rest of the body is then discarded.
 */
export function decodedBody(request: Readable, codec: Codec | undefined): AsyncIterable<Buffer> {
  if (codec === undefined) return request.iterator({ destroyOnReturn: false });
  const decoder =
    codec === 'gzip'
      ? zlib.createGunzip()
      : codec === 'deflate'
        ? zlib.createInflate()
        : codec === 'br'
          ? zlib.createBrotliDecompress()
          : zlib.createZstdDecompress();
  request.on('error', (error) => decoder.destroy(error));
  request.pipe(decoder);
  return decoder;
}

/** Maps a failure while reading the body to the server's error (decoding errors are CANNOT_DECOMPRESS). */
export function bodyError(error: unknown, codec: Codec | undefined): unknown {
  if (error instanceof ClickHouseHttpError) return error;
  const code = (error as { code?: unknown }).code;
  if (codec !== undefined && typeof code === 'string' && code.startsWith('Z_')) {
    return clickHouseError(
      'CANNOT_DECOMPRESS',
      `Cannot decompress the request body (Content-Encoding: ${codec}): ${(error as Error).message}`,
    );
  }
  return error;
}

export function tooLarge(bytes: number, limit: number, what: string): ClickHouseHttpError {
  return clickHouseError(
    'QUERY_IS_TOO_LARGE',
    `${what} exceeds the embedded server's limit of ${limit} bytes (got at least ${bytes}). Send smaller batches, or raise maxBodyBytes of the embedded server, environment variable TRIBUTARY_CLICKHOUSE_EMBEDDED_MAX_BODY_BYTES`,
  );
}

/** Reads the whole body into memory, refusing more than `limit` bytes. */
export async function readAll(source: AsyncIterable<Buffer>, limit: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of source) {
    size += part.length;
    if (size > limit) throw tooLarge(size, limit, what);
    parts.push(part);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
}

export interface InsertChunk {
  data: Buffer;
  /** No chunk follows this one. */
  last: boolean;
}

export type CutSearch = { cut: number } | { resumeAt: number };

/**
 * The first row boundary at or after `from`: { cut } is the index just past it; otherwise
 * { resumeAt } is where a later search (over more bytes) must start — at a candidate newline
 * whose following bytes have not arrived yet, or at the end.
 */
export function findCut(buffer: Buffer, from: number, boundary: RowBoundary): CutSearch {
  for (let newline = buffer.indexOf(10, from); newline >= 0; newline = buffer.indexOf(10, newline + 1)) {
    if (boundary === 'newline') return { cut: newline + 1 };
    let before = newline - 1;
    while (before >= 0 && (buffer[before] === 32 || buffer[before] === 9 || buffer[before] === 13)) before--;
    const previous = buffer[before];
    if (previous !== 0x7d && previous !== 0x5d) continue; // not after '}' or ']'
    let after = newline + 1;
    while (after < buffer.length && (buffer[after] === 32 || buffer[after] === 9 || buffer[after] === 13 || buffer[after] === 10)) after++;
    if (after >= buffer.length) return { resumeAt: newline };
    const next = buffer[after];
    if (next === 0x7b || next === 0x5b) return { cut: newline + 1 }; // before '{' or '['
  }
  return { resumeAt: Math.max(from, buffer.length) };
}

/**
 * Cuts an insert body into chunks that end at row boundaries, deterministically (see the file
 * comment). A chunk is yielded once it is known whether another one follows. Fails with
 * QUERY_IS_TOO_LARGE when more than `maxPendingBytes` arrive without a row boundary.
 */
export async function* insertChunks(
  source: AsyncIterable<Buffer>,
  chunkBytes: number,
  boundary: RowBoundary,
  maxPendingBytes: number,
): AsyncGenerator<InsertChunk> {
  // One growable buffer (capacity doubles), so a long search for a boundary stays linear.
  let pending = Buffer.allocUnsafe(Math.min(chunkBytes + 65_536, 64 * 1024 * 1024));
  let size = 0;
  let searchFrom = chunkBytes - 1;
  let ready: Buffer | undefined;
  for await (const piece of source) {
    if (piece.length === 0) continue;
    if (size + piece.length > pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(pending.length * 2, size + piece.length));
      pending.copy(grown, 0, 0, size);
      pending = grown;
    }
    piece.copy(pending, size);
    size += piece.length;
    while (size > searchFrom) {
      const search = findCut(pending.subarray(0, size), searchFrom, boundary);
      if (!('cut' in search)) {
        searchFrom = search.resumeAt;
        if (size > maxPendingBytes) throw tooLarge(size, maxPendingBytes, 'An insert row (no row boundary found)');
        break;
      }
      if (ready !== undefined) yield { data: ready, last: false };
      ready = pending.subarray(0, search.cut);
      const rest = Buffer.allocUnsafe(Math.max(pending.length, size - search.cut));
      pending.copy(rest, 0, search.cut, size);
      pending = rest;
      size -= search.cut;
      searchFrom = chunkBytes - 1;
    }
  }
  const rest = pending.subarray(0, size);
  if (ready === undefined) {
    yield { data: rest, last: true };
  } else if (rest.length === 0) {
    yield { data: ready, last: true };
  } else {
    yield { data: ready, last: false };
    yield { data: rest, last: true };
  }
}

export interface MultipartForm {
  fields: Array<[name: string, value: string]>;
}

/**
 * multipart/form-data bodies: @clickhouse/client sends the query and long param_* values this way.
 * Fields are merged with the URL parameters; file parts (external data tables) are not supported.
 */
export async function parseMultipart(body: Buffer, contentType: string): Promise<MultipartForm> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch (cause) {
    throw clickHouseError('BAD_ARGUMENTS', `Cannot parse the multipart/form-data body: ${(cause as Error).message}`);
  }
  const fields: Array<[string, string]> = [];
  for (const [name, value] of form) {
    if (typeof value !== 'string') {
      throw clickHouseError('NOT_IMPLEMENTED', `External data (the multipart file part '${name}') is not supported by the embedded server`);
    }
    fields.push([name, value]);
  }
  return { fields };
}
