// The webhook receiver (docs/adr/0020): one node:http handler for every route a source declares.
// Order of work per POST, cheapest refusal first:
//   route → method → content type → Content-Length precheck → body read with a byte cap (413, rest destroyed)
//   → signature over the raw bytes (401) → signed handshake (Twitch) → delivery id and topic
//   → replay cache (duplicate: 200, nothing written) → persist a WebhookNotification and wait for the Kafka ack
//   → 200 → the route's onPersisted hook, asynchronously.
// A delivery is acknowledged only once it is durable; when the writer fails the platform gets 503 and
// retries, and the delivery is not remembered as seen.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ConfigError } from '@tributary/errors';
import { computeEventId, entityKey, observation } from '@tributary/events';
import type { Platform, WebhookNotification } from '@tributary/events';
import type { Logger } from '@tributary/telemetry';
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Clock, EventWriter } from '../contracts.ts';
import type { HandshakeAnswer, WebSubLease } from './handshakes.ts';
import { createReplayCache } from './replay-cache.ts';
import { bodyDeliveryId } from './routes.ts';
import type { VerifiedDelivery, WebhookRoute } from './routes.ts';
import type { HeaderMap, RejectionCode } from './signatures.ts';

export const WEBHOOK_NOTIFICATIONS_TOPIC = 'social.raw.webhook-notifications';
/** Leaves room for the envelope and headers under Kafka's default 1 MiB record limit. */
export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 900 * 1024;
export const DEFAULT_TIMESTAMP_TOLERANCE_MS = 5 * 60_000;
export const DEFAULT_REPLAY_CACHE_SIZE = 10_000;
export const DEFAULT_REPLAY_CACHE_TTL_MS = 15 * 60_000;

/** Never persisted, whatever a route asks for. */
const FORBIDDEN_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|api-?key|password/i;

export interface WebhookReceiverOptions {
  routes: readonly WebhookRoute[];
  /** Resolves after Kafka acknowledged; only then does the platform get its 2xx. */
  writer: EventWriter;
  clock: Clock;
  logger: Logger;
  /** prom-client registry the receiver's metrics are registered in. */
  metrics: Registry;
  /** lineage.source of every notification, e.g. `source-tiktok`. */
  source: string;
  /** Largest body accepted; larger ones get 413 before any other work. Default 900 KiB. */
  maxBodyBytes?: number;
  /** Allowed distance of a signed timestamp from the receive time, both directions. Default 5 minutes. */
  timestampToleranceMs?: number;
  /** Deliveries remembered per process. Default 10 000. */
  replayCacheSize?: number;
  /** How long a persisted delivery is remembered; at least the timestamp tolerance. Default 15 minutes. */
  replayCacheTtlMs?: number;
  /** Kafka topic of the notifications; tests use their own. Default social.raw.webhook-notifications. */
  kafkaTopic?: string;
}

export interface ListeningWebhookReceiver {
  /** `http://host:port` */
  url: string;
  port: number;
  server: Server;
  /** Stops accepting connections and waits for open requests and hooks. */
  close(): Promise<void>;
}

export interface WebhookReceiver {
  /** The node:http request handler. */
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Convenience: a server on `host` (default 127.0.0.1) and `port` (0 picks one). */
  listen(options: { host?: string; port: number; requestTimeoutMs?: number }): Promise<ListeningWebhookReceiver>;
  /** Confirmed WebSub leases of every route, soonest expiry first, for resubscription. */
  leases(): Array<WebSubLease & { route: string }>;
  /** Resolves when every onPersisted hook started so far has settled. */
  idle(): Promise<void>;
}

type RefusalCode =
  | RejectionCode
  | 'WEBHOOK_ROUTE_UNKNOWN'
  | 'WEBHOOK_METHOD_NOT_ALLOWED'
  | 'WEBHOOK_CONTENT_TYPE'
  | 'WEBHOOK_BODY_TOO_LARGE'
  | 'WEBHOOK_REQUEST_MALFORMED';

interface PreparedRoute {
  route: WebhookRoute;
  label: string;
  endpoint: string;
  persistHeaders: readonly string[];
  contentTypes: ReadonlySet<string> | null;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ConfigError('WEBHOOK_SETTING_INVALID', `${name} must be a positive integer, got ${value}.`);
  return value;
}

function prepareRoutes(routes: readonly WebhookRoute[]): Map<string, PreparedRoute> {
  const prepared = new Map<string, PreparedRoute>();
  for (const route of routes) {
    if (!route.path.startsWith('/') || route.path.includes('?'))
      throw new ConfigError(
        'WEBHOOK_ROUTE_INVALID',
        `Webhook route path ${JSON.stringify(route.path)} must start with / and have no query.`,
      );
    if (prepared.has(route.path)) throw new ConfigError('WEBHOOK_ROUTE_INVALID', `Two webhook routes declare the path ${route.path}.`);
    const persistHeaders = [
      ...new Set(
        [
          ...route.verify.headers,
          ...(route.deliveryId?.headers ?? []),
          ...(route.topic.headers ?? []),
          ...(route.persistHeaders ?? []),
        ].map((name) => name.toLowerCase()),
      ),
    ];
    const forbidden = persistHeaders.filter((name) => FORBIDDEN_HEADER.test(name));
    if (forbidden.length > 0) {
      throw new ConfigError(
        'WEBHOOK_HEADER_FORBIDDEN',
        `Webhook route ${route.path} would persist credential headers: ${forbidden.join(', ')}.`,
        {
          hint: 'Persist only signature, timestamp and message-id headers.',
        },
      );
    }
    prepared.set(route.path, {
      route,
      label: route.name ?? route.path,
      endpoint: `POST ${route.path}`,
      persistHeaders,
      contentTypes: route.contentTypes ? new Set(route.contentTypes.map((type) => type.toLowerCase())) : null,
    });
  }
  return prepared;
}

function headerMap(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function mediaType(contentType: string | undefined): string | null {
  if (contentType === undefined) return null;
  return contentType.split(';', 1)[0]!.trim().toLowerCase() || null;
}

const MESSAGES: Readonly<Record<Exclude<RefusalCode, RejectionCode>, string>> = {
  WEBHOOK_ROUTE_UNKNOWN: 'No webhook route is declared for this path.',
  WEBHOOK_METHOD_NOT_ALLOWED: 'Deliveries are POSTed; GET is only for handshakes.',
  WEBHOOK_CONTENT_TYPE: 'The Content-Type is not one this route accepts.',
  WEBHOOK_BODY_TOO_LARGE: 'The body exceeds the size limit.',
  WEBHOOK_REQUEST_MALFORMED: 'The request target is not a valid URL.',
};

function sendJson(response: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, { error: { code, message } }, headers);
}

function sendHandshake(response: ServerResponse, answer: HandshakeAnswer): void {
  if (answer.outcome === 'refused') {
    sendError(response, answer.status, answer.body, 'The handshake was refused.');
    return;
  }
  response.writeHead(answer.status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(answer.body),
    'x-content-type-options': 'nosniff',
  });
  response.end(answer.body);
}

/** Answers without reading the rest of the body, then drops the connection so no more of it is received. */
function refuseAndDestroy(request: IncomingMessage, response: ServerResponse, status: number, code: string, message: string): void {
  request.removeAllListeners('data');
  request.pause();
  response.once('finish', () => request.socket.destroy());
  sendError(response, status, code, message, { connection: 'close' });
}

type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

/** Reads the body, counting bytes as they stream in; stops at the first byte over the limit. */
function readBody(request: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      request.removeListener('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > maxBytes) {
        chunks.length = 0;
        settle({ ok: false, reason: 'too-large' });
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => settle({ ok: true, body: Buffer.concat(chunks, received) }));
    request.once('aborted', () => settle({ ok: false, reason: 'aborted' }));
    request.once('error', () => settle({ ok: false, reason: 'aborted' }));
    request.once('close', () => settle({ ok: false, reason: 'aborted' }));
  });
}

export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  const routes = prepareRoutes(options.routes);
  const { writer, clock, logger } = options;
  const maxBodyBytes = positiveInteger(options.maxBodyBytes ?? DEFAULT_WEBHOOK_MAX_BODY_BYTES, 'maxBodyBytes');
  const timestampToleranceMs = positiveInteger(options.timestampToleranceMs ?? DEFAULT_TIMESTAMP_TOLERANCE_MS, 'timestampToleranceMs');
  const replayCacheTtlMs = positiveInteger(options.replayCacheTtlMs ?? DEFAULT_REPLAY_CACHE_TTL_MS, 'replayCacheTtlMs');
  if (replayCacheTtlMs < timestampToleranceMs) {
    throw new ConfigError(
      'WEBHOOK_SETTING_INVALID',
      `replayCacheTtlMs (${replayCacheTtlMs}) must be at least timestampToleranceMs (${timestampToleranceMs}).`,
      {
        hint: 'A replay older than the cache but inside the tolerance would be persisted again.',
      },
    );
  }
  const kafkaTopic = options.kafkaTopic ?? WEBHOOK_NOTIFICATIONS_TOPIC;
  const seen = createReplayCache({
    maxEntries: positiveInteger(options.replayCacheSize ?? DEFAULT_REPLAY_CACHE_SIZE, 'replayCacheSize'),
    ttlMs: replayCacheTtlMs,
    now: () => clock.now(),
  });
  /** Deliveries being persisted: a concurrent duplicate waits for the first one's outcome. */
  const inFlight = new Map<string, Promise<boolean>>();
  const hooks = new Set<Promise<void>>();

  const registers = [options.metrics];
  const deliveries = new Counter({
    name: 'tributary_webhook_deliveries_total',
    help: 'Webhook POSTs by outcome: persisted, duplicate (acknowledged, not persisted again), rejected (refused before persisting), failed (persisting failed, 503).',
    labelNames: ['platform', 'route', 'outcome'] as const,
    registers,
  });
  const rejections = new Counter({
    name: 'tributary_webhook_rejections_total',
    help: 'Refused webhook requests by reason (the error code sent back).',
    labelNames: ['platform', 'route', 'reason'] as const,
    registers,
  });
  const bodyBytes = new Histogram({
    name: 'tributary_webhook_body_bytes',
    help: 'Size of accepted webhook bodies.',
    labelNames: ['platform', 'route'] as const,
    buckets: [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576],
    registers,
  });
  const persistSeconds = new Histogram({
    name: 'tributary_webhook_persist_seconds',
    help: 'Time from handing a notification to the writer until Kafka acknowledged it.',
    labelNames: ['platform', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const handshakes = new Counter({
    name: 'tributary_webhook_handshakes_total',
    help: 'Subscription handshakes answered, by outcome.',
    labelNames: ['platform', 'route', 'outcome'] as const,
    registers,
  });
  const hookFailures = new Counter({
    name: 'tributary_webhook_hook_failures_total',
    help: 'onPersisted hooks that threw; the notification stays in Kafka for reprocessing.',
    labelNames: ['platform', 'route'] as const,
    registers,
  });

  // Rejections are logged at most once a minute per route and reason, with the count suppressed since.
  const lastLogged = new Map<string, { at: number; suppressed: number }>();
  const logRejection = (label: string, platform: Platform, code: string, details: Record<string, unknown>): void => {
    const key = `${label}|${code}`;
    const now = clock.now();
    const last = lastLogged.get(key);
    if (last && now - last.at < 60_000) {
      last.suppressed += 1;
      return;
    }
    lastLogged.set(key, { at: now, suppressed: 0 });
    logger.warn({ route: label, platform, code, suppressedSinceLastLog: last?.suppressed ?? 0, ...details }, 'webhook request rejected');
  };

  const reject = (
    prepared: PreparedRoute | undefined,
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    code: RefusalCode,
    message: string,
    mode: { destroy: boolean; delivery: boolean; allow?: string },
  ): void => {
    const platform: Platform = prepared?.route.platform ?? 'UNKNOWN';
    const label = prepared?.label ?? 'unknown';
    rejections.inc({ platform, route: label, reason: code });
    if (mode.delivery) deliveries.inc({ platform, route: label, outcome: 'rejected' });
    logRejection(label, platform, code, { status, method: request.method, contentLength: request.headers['content-length'] ?? null });
    if (mode.destroy) {
      if (mode.allow) response.setHeader('allow', mode.allow);
      refuseAndDestroy(request, response, status, code, message);
    } else {
      sendError(response, status, code, message, mode.allow ? { allow: mode.allow } : {});
    }
  };

  const runHook = (prepared: PreparedRoute, notification: WebhookNotification): void => {
    const hook = prepared.route.onPersisted;
    if (!hook) return;
    const running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => hook(notification))
      .catch((error: unknown) => {
        hookFailures.inc({ platform: prepared.route.platform, route: prepared.label });
        logger.error(
          {
            route: prepared.label,
            platform: prepared.route.platform,
            deliveryId: notification.envelope.entity_id,
            err: error,
          },
          'webhook processing failed after the delivery was persisted',
        );
      })
      .finally(() => hooks.delete(running));
    hooks.add(running);
  };

  const persist = async (
    prepared: PreparedRoute,
    request: IncomingMessage,
    headers: HeaderMap,
    body: Buffer,
    receivedAt: number,
    signedAtMs: number | null,
  ): Promise<{ response: 'persisted' | 'duplicate' | 'failed'; notification?: WebhookNotification }> => {
    const { route } = prepared;
    let parsedJson: { value: unknown } | null = null;
    const delivery: VerifiedDelivery = {
      headers,
      body,
      json() {
        parsedJson ??= { value: JSON.parse(body.toString('utf8')) as unknown };
        return parsedJson.value;
      },
    };
    const platformId = route.deliveryId?.(delivery) ?? null;
    const deliveryId = platformId ?? bodyDeliveryId(body);
    const replayKey = `${route.path}\n${deliveryId}`;
    if (seen.has(replayKey)) return { response: 'duplicate' };
    const pending = inFlight.get(replayKey);
    if (pending) return { response: (await pending) ? 'duplicate' : 'failed' };

    const persistedHeaders: Record<string, string> = {};
    for (const name of prepared.persistHeaders) if (headers[name] !== undefined) persistedHeaders[name] = headers[name];
    const notification: WebhookNotification = {
      envelope: {
        event_id: computeEventId({
          platform: route.platform,
          entity_kind: 'WEBHOOK_DELIVERY',
          entity_id: deliveryId,
          observation: observation.delivery(deliveryId),
        }),
        platform: route.platform,
        entity_kind: 'WEBHOOK_DELIVERY',
        entity_id: deliveryId,
        observation: observation.delivery(deliveryId),
        observed_at: signedAtMs ?? receivedAt,
        collected_at: receivedAt,
        lineage: {
          source: options.source,
          method: 'WEBHOOK',
          endpoint: prepared.endpoint,
          api_version: route.apiVersion ?? null,
          request_id: null,
          delivery_id: null,
        },
        traceparent: null,
      },
      topic: route.topic(delivery) ?? 'unknown',
      delivery_id_from_platform: platformId !== null,
      signature_verified: route.verify.verifies,
      signature_scheme: route.verify.name,
      http_method: request.method ?? 'POST',
      path: route.path,
      content_type: headers['content-type'] ?? null,
      headers: persistedHeaders,
      body,
    };

    const started = performance.now();
    const written = writer
      .write([{ topic: kafkaTopic, key: entityKey(route.platform, deliveryId), value: notification as unknown as Record<string, unknown> }])
      .then(
        () => true,
        (error: unknown) => {
          logger.error(
            { route: prepared.label, platform: route.platform, deliveryId, err: error },
            'webhook delivery could not be persisted; answered 503 so the platform retries',
          );
          return false;
        },
      );
    inFlight.set(replayKey, written);
    const ok = await written;
    inFlight.delete(replayKey);
    if (!ok) return { response: 'failed' };
    persistSeconds.observe({ platform: route.platform, route: prepared.label }, (performance.now() - started) / 1000);
    seen.remember(replayKey);
    return { response: 'persisted', notification };
  };

  const handlePost = async (prepared: PreparedRoute, request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const { route } = prepared;
    const labels = { platform: route.platform, route: prepared.label };
    if (prepared.contentTypes && !prepared.contentTypes.has(mediaType(request.headers['content-type']) ?? '')) {
      reject(prepared, request, response, 415, 'WEBHOOK_CONTENT_TYPE', MESSAGES.WEBHOOK_CONTENT_TYPE, { destroy: true, delivery: true });
      return;
    }
    const declaredLength = Number(request.headers['content-length'] ?? 0);
    if (declaredLength > maxBodyBytes) {
      reject(
        prepared,
        request,
        response,
        413,
        'WEBHOOK_BODY_TOO_LARGE',
        `The body (${declaredLength} bytes) exceeds the ${maxBodyBytes}-byte limit.`,
        {
          destroy: true,
          delivery: true,
        },
      );
      return;
    }
    const read = await readBody(request, maxBodyBytes);
    if (!read.ok) {
      if (read.reason === 'too-large') {
        reject(prepared, request, response, 413, 'WEBHOOK_BODY_TOO_LARGE', `The body exceeds the ${maxBodyBytes}-byte limit.`, {
          destroy: true,
          delivery: true,
        });
      }
      return; // aborted: nobody is listening for an answer
    }
    const receivedAt = clock.now();
    const headers = headerMap(request);
    const check = route.verify.check({ headers, body: read.body, now: receivedAt, timestampToleranceMs });
    if (!check.ok) {
      reject(prepared, request, response, 401, check.code, check.message, { destroy: false, delivery: true });
      return;
    }
    const answer = route.handshake?.answerSignedPost?.(headers, read.body);
    if (answer) {
      handshakes.inc({ ...labels, outcome: answer.outcome });
      sendHandshake(response, answer);
      return;
    }
    bodyBytes.observe(labels, read.body.length);
    const result = await persist(prepared, request, headers, read.body, receivedAt, check.signedAtMs);
    deliveries.inc({ ...labels, outcome: result.response === 'failed' ? 'failed' : result.response });
    if (result.response === 'failed') {
      sendError(response, 503, 'WEBHOOK_PERSIST_FAILED', 'The delivery could not be persisted; retry later.', { 'retry-after': '5' });
      return;
    }
    sendJson(response, 200, { status: result.response });
    if (result.notification) runHook(prepared, result.notification);
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://receiver.invalid');
    } catch {
      reject(undefined, request, response, 400, 'WEBHOOK_REQUEST_MALFORMED', MESSAGES.WEBHOOK_REQUEST_MALFORMED, {
        destroy: true,
        delivery: false,
      });
      return;
    }
    const prepared = routes.get(url.pathname);
    if (!prepared) {
      reject(undefined, request, response, 404, 'WEBHOOK_ROUTE_UNKNOWN', MESSAGES.WEBHOOK_ROUTE_UNKNOWN, {
        destroy: true,
        delivery: false,
      });
      return;
    }
    if (request.method === 'GET') {
      const answer = prepared.route.handshake?.answerGet?.(url.searchParams, clock.now());
      if (answer) {
        handshakes.inc({ platform: prepared.route.platform, route: prepared.label, outcome: answer.outcome });
        if (answer.outcome === 'refused')
          logRejection(prepared.label, prepared.route.platform, answer.body, { status: answer.status, method: 'GET' });
        sendHandshake(response, answer);
        return;
      }
    }
    if (request.method !== 'POST') {
      reject(prepared, request, response, 405, 'WEBHOOK_METHOD_NOT_ALLOWED', MESSAGES.WEBHOOK_METHOD_NOT_ALLOWED, {
        destroy: true,
        delivery: false,
        allow: prepared.route.handshake?.answerGet ? 'GET, POST' : 'POST',
      });
      return;
    }
    handlePost(prepared, request, response).catch((error: unknown) => {
      logger.error({ route: prepared.label, err: error }, 'webhook request failed');
      if (!response.headersSent) sendError(response, 500, 'WEBHOOK_INTERNAL', 'The receiver failed; retry later.');
      else response.destroy();
    });
  };

  const idle = async (): Promise<void> => {
    while (hooks.size > 0) await Promise.allSettled([...hooks]);
  };

  return {
    handle,
    async listen({ host = '127.0.0.1', port, requestTimeoutMs = 30_000 }) {
      const server = createServer({ requestTimeout: requestTimeoutMs, headersTimeout: Math.min(requestTimeoutMs, 60_000) }, handle);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.removeListener('error', reject);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return {
        url: `http://${shownHost}:${address.port}`,
        port: address.port,
        server,
        async close() {
          await new Promise<void>((resolve, reject) => {
            server.close((error) => (error ? reject(error) : resolve()));
            server.closeIdleConnections();
          });
          await idle();
        },
      };
    },
    leases() {
      return [...routes.values()].flatMap((prepared) => {
        const handshake = prepared.route.handshake as { leases?: () => WebSubLease[] } | undefined;
        return (handshake?.leases?.() ?? []).map((lease) => ({ ...lease, route: prepared.label }));
      });
    },
    idle,
  };
}
