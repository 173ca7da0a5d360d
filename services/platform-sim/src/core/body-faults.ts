// Corrupted-but-2xx bodies: what a client must detect instead of ingesting. Each transform works
// on the serialised text, because the faults are exactly the things JSON.stringify cannot produce.
import type { ActiveFault } from './faults.ts';
import type { SimResponse } from './exchange.ts';

export interface TimestampFields {
  /** Keys documented as epoch seconds (TikTok create_time); the fault multiplies them by 1000. */
  epochSeconds: readonly string[];
  /** Keys documented as ISO-8601 strings; the fault replaces them with epoch milliseconds numbers. */
  isoStrings: readonly string[];
}

/** future-timestamps: how far ahead the timestamps move (400 days). */
export const FUTURE_SHIFT_MS = 400 * 86_400_000;

const COUNT_FIELD = /"([A-Za-z_]*(?:count|Count)|value|views|duration)":\s*("?)(\d+)\2/;

export const HTML_ERROR_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Error</title></head><body><h1>Sorry, something went wrong.</h1><p>We are working on it.</p></body></html>\n';

export function corruptBody(response: SimResponse, fault: ActiveFault, timestamps: TimestampFields): SimResponse {
  const text = response.body.toString();
  const json = response.headers['content-type'] ?? 'application/json';
  switch (fault.kind) {
    case 'malformed-json':
      // A strict prefix of an object or array is never valid JSON.
      return { ...response, body: text.slice(0, Math.max(1, Math.floor(text.length / 2))) };
    case 'html-200':
      return {
        ...response,
        status: 200,
        headers: { ...response.headers, 'content-type': 'text/html; charset=utf-8' },
        body: HTML_ERROR_PAGE,
      };
    case 'wrong-content-type':
      return {
        ...response,
        headers: { ...response.headers, 'content-type': json.startsWith('text/html') ? 'text/plain' : 'text/html; charset=utf-8' },
      };
    case 'nan-number':
      return { ...response, body: COUNT_FIELD.test(text) ? text.replace(COUNT_FIELD, '"$1":NaN') : text.replace(/:(\d+)/, ':NaN') };
    case 'duplicate-keys':
      return {
        ...response,
        body: COUNT_FIELD.test(text)
          ? text.replace(
              COUNT_FIELD,
              (whole, key: string, quote: string, digits: string) => `${whole},"${key}":${quote}${Number(digits) + 1}${quote}`,
            )
          : text.replace(/"id":("[^"]*")/, '"id":$1,"id":$1'),
      };
    case 'millisecond-timestamps': {
      let body = text;
      for (const key of timestamps.epochSeconds)
        body = body.replaceAll(new RegExp(`"${key}":(\\d{9,10})\\b`, 'g'), (_m, s: string) => `"${key}":${s}000`);
      for (const key of timestamps.isoStrings)
        body = body.replaceAll(new RegExp(`"${key}":"([^"]+)"`, 'g'), (whole, iso: string) => {
          const ms = Date.parse(iso.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
          return Number.isNaN(ms) ? whole : `"${key}":${ms}`;
        });
      return { ...response, body };
    }
    case 'future-timestamps': {
      // Every documented timestamp moved FUTURE_SHIFT_MS ahead, in its own format: what a platform clock error looks like.
      let body = text;
      for (const key of timestamps.epochSeconds)
        body = body.replaceAll(
          new RegExp(`"${key}":(\\d{9,10})\\b`, 'g'),
          (_m, s: string) => `"${key}":${Number(s) + FUTURE_SHIFT_MS / 1000}`,
        );
      for (const key of timestamps.isoStrings)
        body = body.replaceAll(new RegExp(`"${key}":"([^"]+)"`, 'g'), (whole, iso: string) => {
          const ms = Date.parse(iso.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
          if (Number.isNaN(ms)) return whole;
          const shifted = new Date(ms + FUTURE_SHIFT_MS).toISOString().replace(/\.\d{3}Z$/, iso.endsWith('Z') ? 'Z' : '+0000');
          return `"${key}":"${shifted}"`;
        });
      return { ...response, body };
    }
    default:
      return response;
  }
}

/** huge-page: whitespace padding keeps the JSON valid while making the body as large as asked. */
export function padBody(text: string, bytes: number): string {
  const missing = bytes - Buffer.byteLength(text);
  return missing <= 0 ? text : text.slice(0, -1) + ' '.repeat(missing) + text.slice(-1);
}
