// Response bodies, read without silently losing data:
// - integers beyond 2^53 (Meta and TikTok ids, view counts) stay exact: they come back as
//   decimal strings, using JSON.parse's reviver `context.source` (Node ≥ 21);
// - bytes that are not valid UTF-8, broken JSON, NaN/Infinity literals, an HTML error page
//   served with 200 and an unexpected content type are a 'malformed' verdict with a short sample;
// - a body larger than the cap ends the read with CONNECTOR_RESPONSE_TOO_LARGE;
// - an object with the same key twice keeps the LAST value (JSON.parse, and most platforms' own
//   clients) and the duplicated keys are reported, so the requester counts the anomaly.
// Error statuses are more forgiving: a proxy's HTML 502 is still a 502, so a body that is not
// JSON is kept as text and the status decides.
import { TributaryError } from '@tributary/errors';
import { scrubSecrets } from '@tributary/telemetry';
import type { ResponseVerdict } from './contracts.ts';

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
const SAMPLE_CHARS = 200;
/** Only texts with a run of 16+ digits can hold an unsafe integer; others skip the (slower) reviver. */
const LONG_DIGIT_RUN = /\d{16}/;
const INTEGER_LITERAL = /^-?\d+$/;

type ReviverWithSource = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

function keepUnsafeIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && INTEGER_LITERAL.test(context.source)) {
    return context.source;
  }
  return value;
}

/** JSON.parse that returns integers outside ±(2^53−1) as their exact decimal strings. Throws SyntaxError. */
export function parseJsonText(text: string): unknown {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
  return (JSON.parse as (text: string, reviver: ReviverWithSource) => unknown)(text, keepUnsafeIntegers);
}

/** The first characters of a body, secrets scrubbed, for error details. */
export function bodySample(text: string): string {
  const head = text.length > SAMPLE_CHARS ? `${text.slice(0, SAMPLE_CHARS)}…` : text;
  return scrubSecrets(head);
}

/** Reads a byte stream up to `maxBytes`; beyond it the stream is destroyed and the read fails. */
export async function readBodyCapped(
  stream: AsyncIterable<Uint8Array> & { destroy?(error?: Error): void },
  maxBytes: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      stream.destroy?.();
      throw new TributaryError('CONNECTOR_RESPONSE_TOO_LARGE', `Response body exceeds the ${maxBytes}-byte cap`, {
        failureType: 'data',
        retryable: false,
        hint: 'Raise the requester body cap (maxBodyBytes) or ask for fewer items per page (limit/maxResults/max_count).',
        details: { maxBytes },
      });
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}

export interface InterpretedBody {
  /** Parsed JSON; the raw text when an error status came with a non-JSON body; null when empty. */
  body: unknown;
  /** Set when the body breaks the JSON contract of a successful response. */
  malformed: ResponseVerdict | null;
  /** Keys that appeared twice in one object (as written, at most a few); the parsed body kept the last value. */
  duplicateKeys: string[];
}

const MAX_DUPLICATES_REPORTED = 5;

/**
 * Keys repeated within one object of a JSON text, compared as written (escapes not decoded), at
 * most `limit`. One pass over the text; assumes the text is valid JSON (run after JSON.parse).
 */
export function duplicateKeys(text: string, limit = MAX_DUPLICATES_REPORTED): string[] {
  const found: string[] = [];
  const objects: Array<Set<string> | null> = []; // null: an array
  let expectingKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = i;
      for (;;) {
        end = text.indexOf('"', end + 1);
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      const keys = objects.at(-1);
      if (expectingKey && keys) {
        const key = text.slice(i + 1, end);
        if (keys.has(key)) {
          found.push(key);
          if (found.length >= limit) return found;
        } else keys.add(key);
        expectingKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      objects.push(new Set());
      expectingKey = true;
    } else if (c === 0x5b /* [ */) {
      objects.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      objects.pop();
      expectingKey = false;
    } else if (c === 0x2c /* , */) {
      expectingKey = Boolean(objects.at(-1));
    }
  }
  return found;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isJsonContentType(contentType: string): boolean {
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  // text/javascript: what older Graph API versions still send for JSON.
  return mediaType === 'application/json' || mediaType.endsWith('+json') || mediaType === 'text/javascript';
}

function malformed(code: string, message: string, text: string): ResponseVerdict {
  return { kind: 'malformed', code, message: `${message}; body starts with: ${JSON.stringify(bodySample(text))}` };
}

/** Decodes and parses a platform's JSON answer; see the file comment for what counts as malformed. */
export function interpretJsonBody(status: number, contentType: string | undefined, bytes: Uint8Array): InterpretedBody {
  const success = status >= 200 && status < 300;
  if (bytes.byteLength === 0) {
    return {
      body: null,
      malformed: success && status !== 204 ? { kind: 'malformed', code: 'empty-body', message: `HTTP ${status} with an empty body` } : null,
      duplicateKeys: [],
    };
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const latin = Buffer.from(bytes).toString('latin1');
    return {
      body: success ? null : latin,
      malformed: success ? malformed('invalid-utf8', 'Body is not valid UTF-8', latin) : null,
      duplicateKeys: [],
    };
  }
  const trimmed = text.trimStart();
  const type = contentType ?? '';
  if (type.toLowerCase().includes('html') || trimmed.startsWith('<')) {
    return {
      body: success ? null : text,
      malformed: success ? malformed('html-body', `HTTP ${status} served an HTML page (${type || 'no content type'})`, text) : null,
      duplicateKeys: [],
    };
  }
  if (!isJsonContentType(type)) {
    return {
      body: success ? null : text,
      malformed: success
        ? malformed('unexpected-content-type', `Expected JSON, got content type ${JSON.stringify(type || 'none')}`, text)
        : null,
      duplicateKeys: [],
    };
  }
  try {
    const body = parseJsonText(text);
    return { body, malformed: null, duplicateKeys: duplicateKeys(text) };
  } catch (error) {
    return {
      body: success ? null : text,
      malformed: success ? malformed('invalid-json', `Body is not valid JSON (${(error as Error).message})`, text) : null,
      duplicateKeys: [],
    };
  }
}
