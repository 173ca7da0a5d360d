// Test doubles for the webhook receiver: a settable clock, a writer that records (and can fail or
// hold) writes, platform-style signers, and an HTTP client for requests fetch cannot make.
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { createLogger } from '@tributary/telemetry';
import type { Logger } from '@tributary/telemetry';
import type { Clock, EventWriter, OutgoingEvent } from '../../src/contracts.ts';

export class TestClock implements Clock {
  time: number;
  constructor(time: number) {
    this.time = time;
  }
  now(): number {
    return this.time;
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
}

export class FakeWriter implements EventWriter {
  readonly writes: OutgoingEvent[][] = [];
  /** Every call, including failed ones. */
  calls = 0;
  failNext = 0;
  /** When set, write() waits for it before resolving. */
  gate: Promise<void> | null = null;
  readonly log: string[];

  constructor(log: string[] = []) {
    this.log = log;
  }

  async write(events: readonly OutgoingEvent[]): Promise<void> {
    this.calls += 1;
    if (this.gate) await this.gate;
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('broker unavailable');
    }
    this.writes.push([...events]);
    this.log.push('write-resolved');
  }

  get events(): OutgoingEvent[] {
    return this.writes.flat();
  }
}

/** A logger whose lines are kept for assertions. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: createLogger({ serviceName: 'webhook-test', level: 'warn' }, destination), lines };
}

export function hmacHex(algorithm: string, secret: string, ...parts: Array<string | Buffer>): string {
  const hmac = createHmac(algorithm, secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}

export const metaHeaders = (secret: string, body: string | Buffer): Record<string, string> => ({
  'content-type': 'application/json',
  'x-hub-signature-256': `sha256=${hmacHex('sha256', secret, body)}`,
});

export const tiktokHeaders = (secret: string, body: string | Buffer, unixSeconds: number): Record<string, string> => ({
  'content-type': 'application/json',
  'tiktok-signature': `t=${unixSeconds},s=${hmacHex('sha256', secret, String(unixSeconds), '.', body)}`,
});

export const twitchHeaders = (
  secret: string,
  body: string | Buffer,
  id: string,
  timestamp: string,
  type = 'notification',
): Record<string, string> => ({
  'content-type': 'application/json',
  'twitch-eventsub-message-id': id,
  'twitch-eventsub-message-timestamp': timestamp,
  'twitch-eventsub-message-type': type,
  'twitch-eventsub-subscription-type': 'stream.online',
  'twitch-eventsub-message-signature': `sha256=${hmacHex('sha256', secret, id, timestamp, body)}`,
});

export interface RawResponse {
  status: number;
  body: string;
  /** How many of the chunks were written before the server answered. */
  chunksWritten: number;
}

/**
 * A POST that streams `chunks` one by one, each after the previous write completed, and stops
 * as soon as the server answers. `contentLength` null sends a chunked body. With
 * `bodyAfterAnswer`, no body byte is sent until the server has answered the headers alone
 * (the test hangs, and times out, if it never does).
 */
export function streamingPost(
  url: string,
  options: { headers: Record<string, string>; chunks: Buffer[]; contentLength: number | null; bodyAfterAnswer?: boolean },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    let chunksWritten = 0;
    const headers: Record<string, string> = { ...options.headers };
    if (options.contentLength !== null) headers['content-length'] = String(options.contentLength);
    const request = httpRequest(url, { method: 'POST', headers, agent: false }, (response) => {
      answered = true;
      const written = chunksWritten;
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), chunksWritten: written }),
      );
      response.on('error', reject);
    });
    // After the answer the server drops the connection; a write racing with that may fail, which is expected.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    request.flushHeaders();
    const writeNext = (): void => {
      if (answered) return;
      if (chunksWritten >= options.chunks.length) {
        request.end();
        return;
      }
      request.write(options.chunks[chunksWritten], () => {
        chunksWritten += 1;
        setImmediate(writeNext);
      });
    };
    if (!options.bodyAfterAnswer) writeNext();
  });
}
