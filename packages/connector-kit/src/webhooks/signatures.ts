// Signature schemes for webhook routes: a route declares one, the receiver applies it to the raw
// request bytes before anything else reads the body. Every scheme compares decoded digests in
// constant time (crypto.timingSafeEqual on equal-length buffers; a length mismatch still runs one
// comparison so the timing does not reveal it), accepts several secrets for zero-downtime rotation,
// and never re-serialises JSON. Contracts: research/platform-apis.md §1–3, §7; reliability.md §6.1.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '@tributary/errors';

/** Why a delivery was refused; the stable code is returned in the JSON error body and counted by reason. */
export type RejectionCode =
  'WEBHOOK_SIGNATURE_MISSING' | 'WEBHOOK_SIGNATURE_INVALID' | 'WEBHOOK_SIGNATURE_SCHEME' | 'WEBHOOK_TIMESTAMP_STALE';

/** Lower-case header names to single string values (repeated headers joined with `, `). */
export type HeaderMap = Readonly<Record<string, string>>;

export type SignatureCheck =
  | {
      ok: true;
      /** The platform's signed event time (epoch ms), when the scheme signs one: becomes observed_at. */
      signedAtMs: number | null;
    }
  | { ok: false; code: RejectionCode; message: string };

export interface SignedRequest {
  headers: HeaderMap;
  body: Buffer;
  /** Receive time, epoch ms. */
  now: number;
  /** The receiver's tolerance, unless the scheme sets its own. */
  timestampToleranceMs: number;
}

export interface SignatureScheme {
  /** signature_scheme as persisted (the header that carries the signature); null for unsigned routes. */
  readonly name: string | null;
  /** False only for `unsigned()`: persisted as signature_verified. */
  readonly verifies: boolean;
  /** Lower-case headers the scheme reads; persisted so the signature can be re-verified later. */
  readonly headers: readonly string[];
  check(request: SignedRequest): SignatureCheck;
}

type Secrets = string | readonly string[];

function secretList(secrets: Secrets, scheme: string): Buffer[] {
  const list = (typeof secrets === 'string' ? [secrets] : [...secrets]).filter((secret) => secret !== '');
  if (list.length === 0) {
    throw new ConfigError('WEBHOOK_SECRET_MISSING', `The ${scheme} signature scheme needs at least one non-empty secret.`, {
      hint: 'Set the webhook secret in the source configuration, or declare the route unsigned() on purpose.',
    });
  }
  return list.map((secret) => Buffer.from(secret, 'utf8'));
}

const HEX = /^[0-9a-fA-F]+$/;

/** Decodes hex, or null when it is not an even-length hex string (uppercase accepted). */
function decodeHex(text: string): Buffer | null {
  return text.length % 2 === 0 && HEX.test(text) ? Buffer.from(text, 'hex') : null;
}

/**
 * Constant-time digest comparison. A length mismatch is compared against the expected digest itself
 * so both paths cost one timingSafeEqual of the expected length.
 */
export function digestsEqual(expected: Buffer, provided: Buffer): boolean {
  if (provided.length !== expected.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, provided);
}

/** True when any secret's HMAC over `parts` equals `provided`; every secret is tried (no early exit). */
function anySecretMatches(algorithm: string, secrets: readonly Buffer[], parts: readonly (Buffer | string)[], provided: Buffer): boolean {
  let matched = false;
  for (const secret of secrets) {
    const hmac = createHmac(algorithm, secret);
    for (const part of parts) hmac.update(part);
    if (digestsEqual(hmac.digest(), provided)) matched = true;
  }
  return matched;
}

const missing = (header: string): SignatureCheck => ({
  ok: false,
  code: 'WEBHOOK_SIGNATURE_MISSING',
  message: `The ${header} header is missing.`,
});
const invalid = (header: string): SignatureCheck => ({
  ok: false,
  code: 'WEBHOOK_SIGNATURE_INVALID',
  message: `The ${header} signature does not match the body.`,
});
const wrongScheme = (header: string, expected: string): SignatureCheck => ({
  ok: false,
  code: 'WEBHOOK_SIGNATURE_SCHEME',
  message: `The ${header} header does not use the expected ${expected} format.`,
});

function checkTimestamp(signedAtMs: number, request: SignedRequest, toleranceMs: number): SignatureCheck | null {
  if (Math.abs(request.now - signedAtMs) <= toleranceMs) return null;
  return {
    ok: false,
    code: 'WEBHOOK_TIMESTAMP_STALE',
    message: `The signed timestamp is ${signedAtMs < request.now ? 'older' : 'newer'} than the ${toleranceMs} ms tolerance allows.`,
  };
}

/** Meta (Instagram, Facebook): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`. */
export function metaSignature256(options: { appSecret: Secrets }): SignatureScheme {
  const secrets = secretList(options.appSecret, 'metaSignature256');
  const header = 'x-hub-signature-256';
  return {
    name: 'X-Hub-Signature-256',
    verifies: true,
    headers: [header],
    check(request) {
      const value = request.headers[header];
      if (value === undefined || value === '') return missing('X-Hub-Signature-256');
      if (!value.startsWith('sha256=')) return wrongScheme('X-Hub-Signature-256', 'sha256=<hex>');
      const provided = decodeHex(value.slice('sha256='.length));
      if (provided === null) return invalid('X-Hub-Signature-256');
      return anySecretMatches('sha256', secrets, [request.body], provided)
        ? { ok: true, signedAtMs: null }
        : invalid('X-Hub-Signature-256');
    },
  };
}

const TIKTOK_SIGNATURE = /^t=(\d{1,15}),s=([^,]*)$/;

/**
 * TikTok: `TikTok-Signature: t=<unix s>,s=<hex>` over `<t>.<raw body>`, HMAC-SHA256 keyed with the
 * client secret. The timestamp must be within the tolerance in both directions; it becomes observed_at.
 */
export function tiktokSignature(options: { clientSecret: Secrets; timestampToleranceMs?: number }): SignatureScheme {
  const secrets = secretList(options.clientSecret, 'tiktokSignature');
  const header = 'tiktok-signature';
  return {
    name: 'TikTok-Signature',
    verifies: true,
    headers: [header],
    check(request) {
      const value = request.headers[header];
      if (value === undefined || value === '') return missing('TikTok-Signature');
      const match = TIKTOK_SIGNATURE.exec(value.replaceAll(' ', ''));
      if (!match) return wrongScheme('TikTok-Signature', 't=<unix seconds>,s=<hex>');
      const timestamp = match[1]!;
      const provided = decodeHex(match[2]!);
      if (provided === null) return invalid('TikTok-Signature');
      // Verify first: an unsigned timestamp says nothing, and a forged one must not learn the tolerance.
      if (!anySecretMatches('sha256', secrets, [timestamp, '.', request.body], provided)) return invalid('TikTok-Signature');
      const signedAtMs = Number(timestamp) * 1000;
      return checkTimestamp(signedAtMs, request, options.timestampToleranceMs ?? request.timestampToleranceMs) ?? { ok: true, signedAtMs };
    },
  };
}

const WEBSUB_ALGORITHMS: Readonly<Record<string, string>> = { sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' };

/**
 * WebSub (YouTube's PubSubHubbub hub) with `hub.secret`: `X-Hub-Signature: <method>=<hex HMAC(secret, raw body)>`,
 * method sha1 (what the hub sends), sha256, sha384 or sha512 (WebSub §8).
 */
export function webSubSignature(options: { secret: Secrets }): SignatureScheme {
  const secrets = secretList(options.secret, 'webSubSignature');
  const header = 'x-hub-signature';
  return {
    name: 'X-Hub-Signature',
    verifies: true,
    headers: [header],
    check(request) {
      const value = request.headers[header];
      if (value === undefined || value === '') return missing('X-Hub-Signature');
      const separator = value.indexOf('=');
      const algorithm = separator > 0 ? WEBSUB_ALGORITHMS[value.slice(0, separator).toLowerCase()] : undefined;
      if (algorithm === undefined) return wrongScheme('X-Hub-Signature', 'sha1|sha256|sha384|sha512=<hex>');
      const provided = decodeHex(value.slice(separator + 1));
      if (provided === null) return invalid('X-Hub-Signature');
      return anySecretMatches(algorithm, secrets, [request.body], provided) ? { ok: true, signedAtMs: null } : invalid('X-Hub-Signature');
    },
  };
}

/** Accepts deliveries without a signature (WebSub subscriptions made without hub.secret); persisted with signature_verified=false. */
export function unsigned(): SignatureScheme {
  return { name: null, verifies: false, headers: [], check: () => ({ ok: true, signedAtMs: null }) };
}

// RFC 3339 with up to nanoseconds (Twitch sends nanoseconds); fractions beyond milliseconds are dropped.
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i;

/** Epoch ms of an RFC 3339 timestamp, or null when it is not one. */
export function parseRfc3339(text: string): number | null {
  const match = RFC3339.exec(text.trim());
  if (!match) return null;
  const millis = (match[2] ?? '').slice(0, 3).padEnd(3, '0');
  const parsed = Date.parse(`${match[1]}.${millis}${match[3]!.toUpperCase()}`);
  return Number.isNaN(parsed) ? null : parsed;
}

/**
 * Twitch EventSub: `Twitch-Eventsub-Message-Signature: sha256=<hex HMAC-SHA256(secret, message id + timestamp + raw body)>`.
 * The message timestamp (RFC 3339, nanoseconds) must be within the tolerance (Twitch suggests 10 minutes).
 */
export function twitchEventSub(options: { secret: Secrets; timestampToleranceMs?: number }): SignatureScheme {
  const secrets = secretList(options.secret, 'twitchEventSub');
  const signatureHeader = 'twitch-eventsub-message-signature';
  const idHeader = 'twitch-eventsub-message-id';
  const timestampHeader = 'twitch-eventsub-message-timestamp';
  return {
    name: 'Twitch-Eventsub-Message-Signature',
    verifies: true,
    headers: [signatureHeader, idHeader, timestampHeader],
    check(request) {
      const value = request.headers[signatureHeader];
      const id = request.headers[idHeader];
      const timestamp = request.headers[timestampHeader];
      if (value === undefined || value === '') return missing('Twitch-Eventsub-Message-Signature');
      if (id === undefined || id === '') return missing('Twitch-Eventsub-Message-Id');
      if (timestamp === undefined || timestamp === '') return missing('Twitch-Eventsub-Message-Timestamp');
      if (!value.startsWith('sha256=')) return wrongScheme('Twitch-Eventsub-Message-Signature', 'sha256=<hex>');
      const provided = decodeHex(value.slice('sha256='.length));
      if (provided === null) return invalid('Twitch-Eventsub-Message-Signature');
      if (!anySecretMatches('sha256', secrets, [id, timestamp, request.body], provided))
        return invalid('Twitch-Eventsub-Message-Signature');
      const signedAtMs = parseRfc3339(timestamp);
      if (signedAtMs === null) return wrongScheme('Twitch-Eventsub-Message-Timestamp', 'RFC 3339');
      return checkTimestamp(signedAtMs, request, options.timestampToleranceMs ?? request.timestampToleranceMs) ?? { ok: true, signedAtMs };
    },
  };
}
