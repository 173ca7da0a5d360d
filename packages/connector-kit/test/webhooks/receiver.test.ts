import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isTributaryError } from '@tributary/errors';
import { avroType, computeEventId, observation } from '@tributary/events';
import type { WebhookNotification } from '@tributary/events';
import { createLogger } from '@tributary/telemetry';
import { Registry } from 'prom-client';
import { metaVerifyToken, twitchCallbackVerification, webSubIntentVerification } from '../../src/webhooks/handshakes.ts';
import { createWebhookReceiver } from '../../src/webhooks/receiver.ts';
import type { ListeningWebhookReceiver, WebhookReceiver, WebhookReceiverOptions } from '../../src/webhooks/receiver.ts';
import { webhookValue } from '../../src/webhooks/routes.ts';
import type { WebhookRoute } from '../../src/webhooks/routes.ts';
import { metaSignature256, tiktokSignature, twitchEventSub, unsigned, webSubSignature } from '../../src/webhooks/signatures.ts';
import { capturingLogger, FakeWriter, hmacHex, metaHeaders, streamingPost, TestClock, tiktokHeaders, twitchHeaders } from './fixtures.ts';

const NOW = Date.UTC(2026, 10, 24, 1, 0, 0);
const META_SECRET = 'meta-app-secret-0123456789';
const TIKTOK_SECRET = 'tiktok-client-secret-0123456789';
const HUB_SECRET = 'hub-secret-0123456789';
const TWITCH_SECRET = 'twitch-eventsub-secret-0123456789';
const CHANNEL_TOPIC = 'https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCabcdefghijklmnopqrstuv';
const NOTIFICATION_TYPE = avroType('io.tributary.webhook.WebhookNotification');

const metaBody = JSON.stringify({
  object: 'instagram',
  entry: [
    { id: '17841400000000000', time: 1764000000, changes: [{ field: 'comments', value: { id: '18000000000000001', text: 'nice' } }] },
  ],
});
const tiktokBody = (event = 'authorization.removed'): string =>
  JSON.stringify({ client_key: 'awx', event, create_time: NOW / 1000, user_openid: 'act.openid', content: '{"reason":1}' });
const atomBody = `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">
  <link rel="hub" href="https://pubsubhubbub.appspot.com"/><link rel="self" href="${CHANNEL_TOPIC.replace('&', '&amp;')}"/>
  <entry><id>yt:video:VIDEO00001</id><yt:videoId>VIDEO00001</yt:videoId><yt:channelId>UCabcdefghijklmnopqrstuv</yt:channelId>
  <title>Ünïcode title</title><published>2026-11-24T00:50:00+00:00</published><updated>2026-11-24T00:55:00.123456+00:00</updated></entry>
</feed>`;
const twitchBody = JSON.stringify({
  subscription: { id: 'sub-1', type: 'stream.online', version: '1', status: 'enabled', condition: { broadcaster_user_id: '1' } },
  event: { id: 'e-1', broadcaster_user_id: '1' },
});

interface Harness {
  receiver: WebhookReceiver;
  server: ListeningWebhookReceiver;
  writer: FakeWriter;
  clock: TestClock;
  registry: Registry;
  persisted: WebhookNotification[];
  url: (path: string) => string;
}

let open: Harness[] = [];

async function start(
  overrides: Partial<WebhookReceiverOptions> & { log?: string[]; hook?: WebhookRoute['onPersisted'] } = {},
): Promise<Harness> {
  const writer = new FakeWriter(overrides.log);
  const clock = new TestClock(NOW);
  const registry = new Registry();
  const persisted: WebhookNotification[] = [];
  const onPersisted: WebhookRoute['onPersisted'] = overrides.hook ?? ((notification) => void persisted.push(notification));
  const routes: WebhookRoute[] = [
    {
      path: '/webhooks/instagram',
      platform: 'INSTAGRAM',
      name: 'instagram',
      verify: metaSignature256({ appSecret: META_SECRET }),
      handshake: metaVerifyToken({ verifyToken: 'meta-verify-token' }),
      topic: webhookValue.metaObjectField(),
      contentTypes: ['application/json'],
      onPersisted,
    },
    {
      path: '/webhooks/tiktok',
      platform: 'TIKTOK',
      verify: tiktokSignature({ clientSecret: TIKTOK_SECRET }),
      topic: webhookValue.json('event'),
      contentTypes: ['application/json'],
      apiVersion: 'v2',
      onPersisted,
    },
    {
      path: '/webhooks/youtube',
      platform: 'YOUTUBE',
      verify: webSubSignature({ secret: HUB_SECRET }),
      handshake: webSubIntentVerification({ expectsTopic: (topic) => topic === CHANNEL_TOPIC }),
      topic: webhookValue.webSubTopic(),
      contentTypes: ['application/atom+xml', 'application/xml'],
      onPersisted,
    },
    {
      path: '/webhooks/youtube-unsigned',
      platform: 'YOUTUBE',
      verify: unsigned(),
      topic: webhookValue.webSubTopic(),
      onPersisted,
    },
    {
      path: '/webhooks/twitch',
      platform: 'TWITCH',
      verify: twitchEventSub({ secret: TWITCH_SECRET, timestampToleranceMs: 10 * 60_000 }),
      handshake: twitchCallbackVerification(),
      deliveryId: webhookValue.header('Twitch-Eventsub-Message-Id'),
      topic: webhookValue.header('twitch-eventsub-subscription-type'),
      persistHeaders: ['twitch-eventsub-message-type', 'twitch-eventsub-message-retry'],
      onPersisted,
    },
  ];
  const receiver = createWebhookReceiver({
    routes,
    writer,
    clock,
    logger: createLogger({ serviceName: 'webhook-test', level: 'silent' }),
    metrics: registry,
    source: 'source-test',
    maxBodyBytes: 64 * 1024,
    ...overrides,
  });
  const server = await receiver.listen({ port: 0 });
  const harness: Harness = { receiver, server, writer, clock, registry, persisted, url: (path) => `${server.url}${path}` };
  open.push(harness);
  return harness;
}

afterEach(async () => {
  await Promise.all(open.map((harness) => harness.server.close()));
  open = [];
});

async function post(
  url: string,
  headers: Record<string, string>,
  body: string | Buffer,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

function errorCode(json: Record<string, unknown>): unknown {
  return (json.error as { code?: unknown } | undefined)?.code;
}

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const found = (await registry.getMetricsAsJSON()).find((item) => item.name === name);
  const values = (found?.values ?? []) as Array<{ labels: Record<string, unknown>; value: number; metricName?: string }>;
  return values
    .filter(
      (value) =>
        (value.metricName === undefined || value.metricName === name || value.metricName === `${name}_count`) &&
        Object.entries(labels).every(([k, v]) => value.labels[k] === v),
    )
    .filter((value) => !name.endsWith('_total') || value.metricName === undefined || value.metricName === name)
    .reduce((sum, value) => sum + value.value, 0);
}

const sha256Hex = (bytes: string | Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('webhook receiver', () => {
  describe('persisting a verified delivery', () => {
    it('writes one WebhookNotification with the documented identity, lineage and headers, then answers 200', async () => {
      const h = await start();
      const headers: Record<string, string> = {
        ...metaHeaders(META_SECRET, metaBody),
        authorization: 'Bearer must-not-persist',
        cookie: 'session=1',
      };
      const response = await post(h.url('/webhooks/instagram?ignored=1'), headers, metaBody);
      assert.deepEqual(response, { status: 200, json: { status: 'persisted' } });
      assert.equal(h.writer.events.length, 1);
      const [event] = h.writer.events;
      const deliveryId = sha256Hex(metaBody);
      assert.equal(event!.topic, 'social.raw.webhook-notifications');
      assert.equal(event!.key, `INSTAGRAM:${deliveryId}`);
      const value = event!.value as unknown as WebhookNotification;
      assert.deepEqual(
        { ...value, body: value.body.toString('utf8') },
        {
          envelope: {
            event_id: computeEventId({
              platform: 'INSTAGRAM',
              entity_kind: 'WEBHOOK_DELIVERY',
              entity_id: deliveryId,
              observation: observation.delivery(deliveryId),
            }),
            platform: 'INSTAGRAM',
            entity_kind: 'WEBHOOK_DELIVERY',
            entity_id: deliveryId,
            observation: `delivery:${deliveryId}`,
            observed_at: NOW,
            collected_at: NOW,
            lineage: {
              source: 'source-test',
              method: 'WEBHOOK',
              endpoint: 'POST /webhooks/instagram',
              api_version: null,
              request_id: null,
              delivery_id: null,
            },
            traceparent: null,
          },
          topic: 'instagram/comments',
          delivery_id_from_platform: false,
          signature_verified: true,
          signature_scheme: 'X-Hub-Signature-256',
          http_method: 'POST',
          path: '/webhooks/instagram',
          content_type: 'application/json',
          headers: { 'x-hub-signature-256': headers['x-hub-signature-256'] },
          body: metaBody,
        },
      );
      assert.ok(NOTIFICATION_TYPE.isValid(value), 'the value conforms to the Avro schema');
      assert.equal(
        await metric(h.registry, 'tributary_webhook_deliveries_total', { platform: 'INSTAGRAM', route: 'instagram', outcome: 'persisted' }),
        1,
      );
    });

    it('uses the platform message id and the signed timestamp when the platform sends them (Twitch)', async () => {
      const h = await start();
      const timestamp = '2026-11-24T00:58:00.987654321Z';
      const response = await post(h.url('/webhooks/twitch'), twitchHeaders(TWITCH_SECRET, twitchBody, 'msg-0001', timestamp), twitchBody);
      assert.equal(response.status, 200);
      const value = h.writer.events[0]!.value as unknown as WebhookNotification;
      assert.equal(h.writer.events[0]!.key, 'TWITCH:msg-0001');
      assert.equal(value.envelope.entity_id, 'msg-0001');
      assert.equal(value.delivery_id_from_platform, true);
      assert.equal(value.envelope.observed_at, Date.UTC(2026, 10, 24, 0, 58, 0, 987));
      assert.equal(value.envelope.collected_at, NOW);
      assert.equal(value.topic, 'stream.online');
      assert.deepEqual(Object.keys(value.headers).sort(), [
        'twitch-eventsub-message-id',
        'twitch-eventsub-message-signature',
        'twitch-eventsub-message-timestamp',
        'twitch-eventsub-message-type',
        'twitch-eventsub-subscription-type',
      ]);
    });

    it('takes observed_at from the TikTok signature time and the topic from the event', async () => {
      const h = await start();
      const body = tiktokBody();
      const response = await post(h.url('/webhooks/tiktok'), tiktokHeaders(TIKTOK_SECRET, body, NOW / 1000 - 90), body);
      assert.equal(response.status, 200);
      const value = h.writer.events[0]!.value as unknown as WebhookNotification;
      assert.equal(value.envelope.observed_at, NOW - 90_000);
      assert.equal(value.topic, 'authorization.removed');
      assert.equal(value.signature_scheme, 'TikTok-Signature');
      assert.equal(value.envelope.lineage.api_version, 'v2');
    });

    it('persists the raw body byte for byte: odd whitespace, CRLF, escapes, Unicode and invalid UTF-8', async () => {
      const h = await start();
      const raw = Buffer.concat([
        Buffer.from(
          '{ "object" :"instagram",\r\n\t"entry":[ {"id":"1","changes":[{"field":"mentions","value":{"text":"é e\u0301 🧑‍🚀 \\ud800 \\u00e9"}}]} ] }  \n',
          'utf8',
        ),
        Buffer.from([0xff, 0xfe]),
      ]);
      const response = await post(h.url('/webhooks/instagram'), metaHeaders(META_SECRET, raw), raw);
      assert.equal(response.status, 200);
      const value = h.writer.events[0]!.value as unknown as WebhookNotification;
      assert.ok(Buffer.isBuffer(value.body));
      assert.ok(value.body.equals(raw), 'the persisted body equals the bytes sent');
      assert.equal(value.envelope.entity_id, sha256Hex(raw));
    });

    it('persists one notification for a POST carrying several entries and changes', async () => {
      const h = await start();
      const body = JSON.stringify({
        object: 'instagram',
        entry: [
          {
            id: '1',
            time: 1764000000,
            changes: [
              { field: 'comments', value: { id: 'c1' } },
              { field: 'mentions', value: { media_id: 'm1' } },
            ],
          },
          { id: '2', time: 1764000001, changes: [{ field: 'comments', value: { id: 'c2' } }] },
        ],
      });
      assert.equal((await post(h.url('/webhooks/instagram'), metaHeaders(META_SECRET, body), body)).status, 200);
      assert.equal(h.writer.calls, 1);
      assert.equal(h.writer.events.length, 1);
      assert.equal((h.writer.events[0]!.value as unknown as WebhookNotification).topic, 'instagram/comments,instagram/mentions');
    });

    it('verifies a WebSub delivery and takes the hub topic from the Link header, else from the feed', async () => {
      const h = await start();
      const signature = `sha1=${hmacHex('sha1', HUB_SECRET, atomBody)}`;
      const headers = { 'content-type': 'application/atom+xml', 'x-hub-signature': signature };
      assert.equal((await post(h.url('/webhooks/youtube'), headers, atomBody)).status, 200);
      const linked = atomBody.replace('VIDEO00001', 'VIDEO00003');
      const linkTopic = 'https://www.youtube.com/xml/feeds/videos.xml?channel_id=UClinked';
      const linkHeaders = {
        'content-type': 'application/atom+xml',
        'x-hub-signature': `sha1=${hmacHex('sha1', HUB_SECRET, linked)}`,
        link: `<https://pubsubhubbub.appspot.com>; rel=hub, <${linkTopic}>; rel=self`,
      };
      assert.equal((await post(h.url('/webhooks/youtube'), linkHeaders, linked)).status, 200);
      const values = h.writer.events.map((event) => event.value as unknown as WebhookNotification);
      assert.deepEqual(
        values.map((value) => [value.topic, value.signature_scheme, value.headers['x-hub-signature'] !== undefined]),
        [
          [CHANNEL_TOPIC, 'X-Hub-Signature', true],
          [linkTopic, 'X-Hub-Signature', true],
        ],
      );
      assert.equal(values[1]!.headers.link, linkHeaders.link);
    });

    it('reads the delivery id from a JSON path, and falls back to the body hash and topic `unknown` when the body is not JSON', async () => {
      const h = await start({
        routes: [
          {
            path: '/webhooks/json-id',
            platform: 'X',
            verify: unsigned(),
            deliveryId: webhookValue.json('meta', 'delivery_id'),
            topic: webhookValue.json('event_type'),
          },
        ],
      });
      const withId = '{"meta":{"delivery_id":"d-123"},"event_type":"tweet_delete_events"}';
      assert.equal((await post(h.url('/webhooks/json-id'), {}, withId)).status, 200);
      const notJson = 'not { json';
      assert.equal((await post(h.url('/webhooks/json-id'), {}, notJson)).status, 200);
      const values = h.writer.events.map((event) => event.value as unknown as WebhookNotification);
      assert.deepEqual(
        values.map((value) => [value.envelope.entity_id, value.delivery_id_from_platform, value.topic]),
        [
          ['d-123', true, 'tweet_delete_events'],
          [sha256Hex(notJson), false, 'unknown'],
        ],
      );
    });

    it('marks deliveries on an unsigned route as not verified', async () => {
      const h = await start();
      const response = await post(h.url('/webhooks/youtube-unsigned'), { 'content-type': 'application/atom+xml' }, atomBody);
      assert.equal(response.status, 200);
      const value = h.writer.events[0]!.value as unknown as WebhookNotification;
      assert.equal(value.signature_verified, false);
      assert.equal(value.signature_scheme, null);
      assert.equal(value.topic, CHANNEL_TOPIC);
    });
  });

  describe('refusing bad signatures', () => {
    const tiktok = tiktokBody();
    const t = NOW / 1000;
    const twitchTime = '2026-11-24T00:59:00Z';
    const goodMeta = metaHeaders(META_SECRET, metaBody);
    const goodTikTok = tiktokHeaders(TIKTOK_SECRET, tiktok, t);
    const goodHub = { 'content-type': 'application/atom+xml', 'x-hub-signature': `sha1=${hmacHex('sha1', HUB_SECRET, atomBody)}` };
    const goodTwitch = twitchHeaders(TWITCH_SECRET, twitchBody, 'msg-9', twitchTime);
    const cases: Array<{ name: string; path: string; headers: Record<string, string>; body: string; code: string }> = [
      {
        name: 'Meta missing',
        path: '/webhooks/instagram',
        headers: { 'content-type': 'application/json' },
        body: metaBody,
        code: 'WEBHOOK_SIGNATURE_MISSING',
      },
      {
        name: 'Meta wrong scheme',
        path: '/webhooks/instagram',
        headers: { ...goodMeta, 'x-hub-signature-256': goodMeta['x-hub-signature-256']!.replace('sha256', 'sha1') },
        body: metaBody,
        code: 'WEBHOOK_SIGNATURE_SCHEME',
      },
      {
        name: 'Meta wrong secret',
        path: '/webhooks/instagram',
        headers: metaHeaders('not-the-secret', metaBody),
        body: metaBody,
        code: 'WEBHOOK_SIGNATURE_INVALID',
      },
      {
        name: 'Meta tampered body',
        path: '/webhooks/instagram',
        headers: goodMeta,
        body: metaBody.replace('nice', 'NICE'),
        code: 'WEBHOOK_SIGNATURE_INVALID',
      },
      {
        name: 'TikTok missing',
        path: '/webhooks/tiktok',
        headers: { 'content-type': 'application/json' },
        body: tiktok,
        code: 'WEBHOOK_SIGNATURE_MISSING',
      },
      {
        name: 'TikTok wrong scheme',
        path: '/webhooks/tiktok',
        headers: { ...goodTikTok, 'tiktok-signature': `v1=${goodTikTok['tiktok-signature']!}` },
        body: tiktok,
        code: 'WEBHOOK_SIGNATURE_SCHEME',
      },
      {
        name: 'TikTok tampered body',
        path: '/webhooks/tiktok',
        headers: goodTikTok,
        body: tiktok.replace('"reason\\":1', '"reason\\":5'),
        code: 'WEBHOOK_SIGNATURE_INVALID',
      },
      {
        name: 'TikTok stale',
        path: '/webhooks/tiktok',
        headers: tiktokHeaders(TIKTOK_SECRET, tiktok, t - 301),
        body: tiktok,
        code: 'WEBHOOK_TIMESTAMP_STALE',
      },
      {
        name: 'TikTok future',
        path: '/webhooks/tiktok',
        headers: tiktokHeaders(TIKTOK_SECRET, tiktok, t + 301),
        body: tiktok,
        code: 'WEBHOOK_TIMESTAMP_STALE',
      },
      {
        name: 'WebSub missing',
        path: '/webhooks/youtube',
        headers: { 'content-type': 'application/atom+xml' },
        body: atomBody,
        code: 'WEBHOOK_SIGNATURE_MISSING',
      },
      {
        name: 'WebSub wrong scheme',
        path: '/webhooks/youtube',
        headers: { ...goodHub, 'x-hub-signature': goodHub['x-hub-signature'].replace('sha1=', 'md5=') },
        body: atomBody,
        code: 'WEBHOOK_SIGNATURE_SCHEME',
      },
      {
        name: 'WebSub tampered body',
        path: '/webhooks/youtube',
        headers: goodHub,
        body: atomBody.replace('VIDEO00001</yt:videoId>', 'VIDEO00002</yt:videoId>'),
        code: 'WEBHOOK_SIGNATURE_INVALID',
      },
      {
        name: 'Twitch wrong secret',
        path: '/webhooks/twitch',
        headers: twitchHeaders('other', twitchBody, 'msg-9', twitchTime),
        body: twitchBody,
        code: 'WEBHOOK_SIGNATURE_INVALID',
      },
      {
        name: 'Twitch stale',
        path: '/webhooks/twitch',
        headers: twitchHeaders(TWITCH_SECRET, twitchBody, 'msg-9', '2026-11-24T00:49:59Z'),
        body: twitchBody,
        code: 'WEBHOOK_TIMESTAMP_STALE',
      },
      {
        name: 'Twitch future',
        path: '/webhooks/twitch',
        headers: twitchHeaders(TWITCH_SECRET, twitchBody, 'msg-9', '2026-11-24T01:10:01Z'),
        body: twitchBody,
        code: 'WEBHOOK_TIMESTAMP_STALE',
      },
      {
        name: 'Twitch tampered id',
        path: '/webhooks/twitch',
        headers: { ...goodTwitch, 'twitch-eventsub-message-id': 'msg-10' },
        body: twitchBody,
        code: 'WEBHOOK_SIGNATURE_INVALID',
      },
    ];

    it('answers 401 with the reason code, persists nothing, runs no hook and counts every reason', async () => {
      const h = await start();
      for (const testCase of cases) {
        const response = await post(h.url(testCase.path), testCase.headers, testCase.body);
        assert.equal(response.status, 401, testCase.name);
        assert.equal(errorCode(response.json), testCase.code, testCase.name);
      }
      await h.receiver.idle();
      assert.equal(h.writer.calls, 0);
      assert.equal(h.persisted.length, 0);
      for (const code of new Set(cases.map((testCase) => testCase.code))) {
        const expected = cases.filter((testCase) => testCase.code === code).length;
        assert.equal(await metric(h.registry, 'tributary_webhook_rejections_total', { reason: code }), expected, code);
      }
      assert.equal(await metric(h.registry, 'tributary_webhook_deliveries_total', { outcome: 'rejected' }), cases.length);
    });

    it('logs a rejection at warn without the secret or the body, once per route and reason per minute', async () => {
      const { logger, lines } = capturingLogger();
      const h = await start({ logger });
      const secretBody = JSON.stringify({ object: 'instagram', entry: [], marker: 'BODY-CONTENT-MARKER' });
      for (let i = 0; i < 3; i += 1) await post(h.url('/webhooks/instagram'), metaHeaders('wrong-secret', secretBody), secretBody);
      assert.equal(lines.length, 1);
      const line = JSON.parse(lines[0]!) as Record<string, unknown>;
      assert.equal(line.level, 'warn');
      assert.equal(line.code, 'WEBHOOK_SIGNATURE_INVALID');
      assert.ok(!lines[0]!.includes(META_SECRET) && !lines[0]!.includes('BODY-CONTENT-MARKER'));
      h.clock.time += 60_000;
      await post(h.url('/webhooks/instagram'), metaHeaders('wrong-secret', secretBody), secretBody);
      assert.equal(lines.length, 2);
      assert.equal((JSON.parse(lines[1]!) as Record<string, unknown>).suppressedSinceLastLog, 2);
    });
  });

  describe('duplicates and replays', () => {
    it('acknowledges a replayed delivery with 200 and writes and processes it once', async () => {
      const h = await start();
      const first = await post(h.url('/webhooks/instagram'), metaHeaders(META_SECRET, metaBody), metaBody);
      const second = await post(h.url('/webhooks/instagram'), metaHeaders(META_SECRET, metaBody), metaBody);
      await h.receiver.idle();
      assert.deepEqual([first.json.status, second.json.status], ['persisted', 'duplicate']);
      assert.equal(second.status, 200);
      assert.equal(h.writer.events.length, 1);
      assert.equal(h.persisted.length, 1);
      assert.equal(await metric(h.registry, 'tributary_webhook_deliveries_total', { outcome: 'duplicate' }), 1);
    });

    it('acknowledges a replay without writing it again on every signed route', async () => {
      const h = await start();
      const tiktok = tiktokBody('video.publish.completed');
      const deliveries: Array<[string, Record<string, string>, string]> = [
        ['/webhooks/instagram', metaHeaders(META_SECRET, metaBody), metaBody],
        ['/webhooks/tiktok', tiktokHeaders(TIKTOK_SECRET, tiktok, NOW / 1000 - 10), tiktok],
        [
          '/webhooks/youtube',
          { 'content-type': 'application/atom+xml', 'x-hub-signature': `sha1=${hmacHex('sha1', HUB_SECRET, atomBody)}` },
          atomBody,
        ],
        ['/webhooks/twitch', twitchHeaders(TWITCH_SECRET, twitchBody, 'msg-replay', '2026-11-24T00:59:00Z'), twitchBody],
      ];
      for (const [path, headers, body] of deliveries) {
        const first = await post(h.url(path), headers, body);
        h.clock.time += 1000;
        const replay = await post(h.url(path), headers, body);
        assert.deepEqual([first.json.status, replay.status, replay.json.status], ['persisted', 200, 'duplicate'], path);
      }
      await h.receiver.idle();
      assert.equal(h.writer.events.length, deliveries.length);
      assert.equal(h.persisted.length, deliveries.length);
    });

    it('treats a Twitch retry (same message id, new timestamp and signature) as a duplicate', async () => {
      const h = await start();
      await post(h.url('/webhooks/twitch'), twitchHeaders(TWITCH_SECRET, twitchBody, 'msg-r', '2026-11-24T00:59:00Z'), twitchBody);
      const retry = await post(
        h.url('/webhooks/twitch'),
        { ...twitchHeaders(TWITCH_SECRET, twitchBody, 'msg-r', '2026-11-24T00:59:40Z'), 'twitch-eventsub-message-retry': '1' },
        twitchBody,
      );
      assert.deepEqual(retry, { status: 200, json: { status: 'duplicate' } });
      assert.equal(h.writer.events.length, 1);
    });

    it('lets two concurrent copies of one delivery write once; the second waits for the first', async () => {
      const h = await start();
      let release!: () => void;
      h.writer.gate = new Promise((resolve) => (release = resolve));
      const both = Promise.all([
        post(h.url('/webhooks/instagram'), metaHeaders(META_SECRET, metaBody), metaBody),
        post(h.url('/webhooks/instagram'), metaHeaders(META_SECRET, metaBody), metaBody),
      ]);
      while (h.writer.calls === 0) await new Promise((resolve) => setImmediate(resolve));
      release();
      const statuses = (await both).map((response) => response.json.status).sort();
      assert.deepEqual(statuses, ['duplicate', 'persisted']);
      assert.equal(h.writer.calls, 1);
    });

    it('forgets a delivery after the TTL: persisted again with the same event_id, for downstream de-duplication', async () => {
      const h = await start({ replayCacheTtlMs: 10 * 60_000 });
      await post(h.url('/webhooks/instagram'), metaHeaders(META_SECRET, metaBody), metaBody);
      h.clock.time += 10 * 60_000;
      const again = await post(h.url('/webhooks/instagram'), metaHeaders(META_SECRET, metaBody), metaBody);
      assert.equal(again.json.status, 'persisted');
      const [first, second] = h.writer.events.map((event) => (event.value as unknown as WebhookNotification).envelope.event_id);
      assert.equal(first, second);
    });
  });

  describe('persist before acknowledging', () => {
    it('answers 503 when the writer fails, remembers nothing, and persists the redelivery', async () => {
      const h = await start();
      h.writer.failNext = 1;
      const failed = await post(h.url('/webhooks/instagram'), metaHeaders(META_SECRET, metaBody), metaBody);
      assert.equal(failed.status, 503);
      assert.equal(errorCode(failed.json), 'WEBHOOK_PERSIST_FAILED');
      await h.receiver.idle();
      assert.equal(h.persisted.length, 0, 'no processing without persistence');
      const redelivered = await post(h.url('/webhooks/instagram'), metaHeaders(META_SECRET, metaBody), metaBody);
      assert.deepEqual(redelivered, { status: 200, json: { status: 'persisted' } });
      await h.receiver.idle();
      assert.equal(h.writer.calls, 2);
      assert.equal(h.writer.events.length, 1);
      assert.equal(h.persisted.length, 1);
      assert.equal(await metric(h.registry, 'tributary_webhook_deliveries_total', { outcome: 'failed' }), 1);
    });

    it('holds the 200 until the write resolves, and runs onPersisted after the write and without holding the response', async () => {
      const log: string[] = [];
      let releaseHook!: () => void;
      const hookGate = new Promise<void>((resolve) => (releaseHook = resolve));
      const seen: WebhookNotification[] = [];
      const h = await start({
        log,
        hook: async (notification) => {
          log.push('hook-started');
          seen.push(notification);
          await hookGate;
          log.push('hook-finished');
        },
      });
      let releaseWrite!: () => void;
      h.writer.gate = new Promise((resolve) => (releaseWrite = resolve));
      const responding = post(h.url('/webhooks/tiktok'), tiktokHeaders(TIKTOK_SECRET, tiktokBody(), NOW / 1000), tiktokBody()).then(
        (response) => {
          log.push(`response-${response.status}`);
          return response;
        },
      );
      while (h.writer.calls === 0) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(log.length, 0, 'no answer while the write is pending');
      releaseWrite();
      await responding;
      assert.equal(log[0], 'write-resolved');
      assert.ok(log.includes('response-200'));
      assert.ok(!log.includes('hook-finished'), 'the response did not wait for the hook');
      releaseHook();
      await h.receiver.idle();
      assert.equal(log.indexOf('write-resolved'), 0);
      assert.ok(log.indexOf('hook-started') > log.indexOf('write-resolved'));
      assert.equal(log.at(-1), 'hook-finished');
      assert.equal(seen[0]!.topic, 'authorization.removed');
    });

    it('logs and counts a failing hook; the delivery stays acknowledged', async () => {
      const { logger, lines } = capturingLogger();
      const h = await start({
        logger,
        hook: () => {
          throw new Error('refresh failed');
        },
      });
      const response = await post(h.url('/webhooks/instagram'), metaHeaders(META_SECRET, metaBody), metaBody);
      await h.receiver.idle();
      assert.equal(response.status, 200);
      assert.equal(await metric(h.registry, 'tributary_webhook_hook_failures_total', { route: 'instagram' }), 1);
      assert.ok(lines.some((line) => line.includes('refresh failed') && line.includes('"level":"error"')));
    });
  });

  describe('size, method and content type', () => {
    it('refuses a declared Content-Length over the limit with 413 before reading the body', async () => {
      const h = await start({ maxBodyBytes: 1024 });
      const response = await streamingPost(h.url('/webhooks/instagram'), {
        headers: metaHeaders(META_SECRET, 'x'),
        chunks: [Buffer.alloc(64 * 1024, 0x20), Buffer.alloc(64 * 1024, 0x20)],
        contentLength: 128 * 1024,
        bodyAfterAnswer: true,
      });
      assert.equal(response.status, 413);
      assert.equal(response.chunksWritten, 0);
      assert.equal(errorCode(JSON.parse(response.body) as Record<string, unknown>), 'WEBHOOK_BODY_TOO_LARGE');
      assert.equal(h.writer.calls, 0);
      assert.equal(await metric(h.registry, 'tributary_webhook_rejections_total', { reason: 'WEBHOOK_BODY_TOO_LARGE' }), 1);
    });

    it('refuses a chunked body without Content-Length as soon as it passes the limit', async () => {
      const h = await start({ maxBodyBytes: 1024 });
      const chunks = Array.from({ length: 200 }, () => Buffer.alloc(512, 0x20));
      const response = await streamingPost(h.url('/webhooks/instagram'), {
        headers: metaHeaders(META_SECRET, 'x'),
        chunks,
        contentLength: null,
      });
      assert.equal(response.status, 413);
      assert.equal(h.writer.calls, 0);
    });

    it('accepts a body of exactly the limit', async () => {
      const h = await start({ maxBodyBytes: 1024 });
      const body = Buffer.alloc(1024, 0x20);
      const response = await post(h.url('/webhooks/youtube-unsigned'), {}, body);
      assert.equal(response.status, 200);
      assert.equal(h.writer.events.length, 1);
    });

    it('answers 405 to deliveries that are not POSTs, 415 to a wrong content type and 404 to unknown paths', async () => {
      const h = await start();
      const get = await fetch(h.url('/webhooks/tiktok'));
      assert.equal(get.status, 405);
      assert.equal(get.headers.get('allow'), 'POST');
      const put = await fetch(h.url('/webhooks/instagram'), { method: 'PUT', body: metaBody });
      assert.equal(put.status, 405);
      assert.equal(put.headers.get('allow'), 'GET, POST');
      const form = await post(
        h.url('/webhooks/instagram'),
        { ...metaHeaders(META_SECRET, metaBody), 'content-type': 'text/plain' },
        metaBody,
      );
      assert.deepEqual([form.status, errorCode(form.json)], [415, 'WEBHOOK_CONTENT_TYPE']);
      const charset = await post(
        h.url('/webhooks/instagram'),
        { ...metaHeaders(META_SECRET, metaBody), 'content-type': 'Application/JSON; charset=utf-8' },
        metaBody,
      );
      assert.equal(charset.status, 200);
      const unknown = await post(h.url('/webhooks/nowhere'), {}, '{}');
      assert.deepEqual([unknown.status, errorCode(unknown.json)], [404, 'WEBHOOK_ROUTE_UNKNOWN']);
      assert.equal(h.writer.calls, 1);
    });
  });

  describe('handshakes', () => {
    it('Meta: echoes hub.challenge as text/plain for the right verify token, 403 otherwise', async () => {
      const h = await start();
      const good = await fetch(h.url('/webhooks/instagram?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meta-verify-token'));
      assert.equal(good.status, 200);
      assert.match(good.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await good.text(), '1158201444');
      const bad = await fetch(h.url('/webhooks/instagram?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess'));
      assert.equal(bad.status, 403);
      assert.ok(!(await bad.text()).includes('1158201444'));
      const noToken = await fetch(h.url('/webhooks/instagram?hub.mode=subscribe&hub.challenge=1'));
      assert.equal(noToken.status, 403);
      assert.equal(h.writer.calls, 0);
      assert.equal(await metric(h.registry, 'tributary_webhook_handshakes_total', { outcome: 'refused' }), 2);
    });

    it('WebSub: verifies intent for an expected topic, records its lease, 404s unexpected topics, drops the lease on unsubscribe', async () => {
      const h = await start();
      const query = (mode: string, topic: string, extra = ''): string =>
        `/webhooks/youtube?hub.mode=${mode}&hub.topic=${encodeURIComponent(topic)}&hub.challenge=chal-${mode}${extra}`;
      const subscribed = await fetch(h.url(query('subscribe', CHANNEL_TOPIC, '&hub.lease_seconds=432000')));
      assert.equal(subscribed.status, 200);
      assert.equal(await subscribed.text(), 'chal-subscribe');
      assert.deepEqual(h.receiver.leases(), [
        { topic: CHANNEL_TOPIC, verifiedAt: NOW, expiresAt: NOW + 432_000_000, route: '/webhooks/youtube' },
      ]);
      const unexpected = await fetch(h.url(query('subscribe', 'https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCsomeoneelse')));
      assert.equal(unexpected.status, 404);
      assert.equal(h.receiver.leases().length, 1);
      const unsubscribed = await fetch(h.url(query('unsubscribe', CHANNEL_TOPIC)));
      assert.equal(unsubscribed.status, 200);
      assert.equal(await unsubscribed.text(), 'chal-unsubscribe');
      assert.deepEqual(h.receiver.leases(), []);
    });

    it('Twitch: answers a signed callback verification with its challenge and does not persist it; an unsigned one gets 401', async () => {
      const h = await start();
      const body = JSON.stringify({ challenge: 'pogchamp-kappa-360noscope-vohiyo', subscription: { id: 's', type: 'stream.online' } });
      const headers = twitchHeaders(TWITCH_SECRET, body, 'verify-1', '2026-11-24T00:59:59Z', 'webhook_callback_verification');
      const response = await fetch(h.url('/webhooks/twitch'), { method: 'POST', headers, body });
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'pogchamp-kappa-360noscope-vohiyo');
      const forged = await post(
        h.url('/webhooks/twitch'),
        { ...headers, 'twitch-eventsub-message-signature': `sha256=${'0'.repeat(64)}` },
        body,
      );
      assert.equal(forged.status, 401);
      assert.equal(h.writer.calls, 0);
    });
  });

  describe('configuration', () => {
    const base = (routes: WebhookRoute[], extra: Partial<WebhookReceiverOptions> = {}): WebhookReceiverOptions => ({
      routes,
      writer: new FakeWriter(),
      clock: new TestClock(NOW),
      logger: createLogger({ serviceName: 'webhook-test', level: 'silent' }),
      metrics: new Registry(),
      source: 'source-test',
      ...extra,
    });
    const route: WebhookRoute = { path: '/w', platform: 'TIKTOK', verify: unsigned(), topic: webhookValue.constant('t') };
    const configError = (code: string) => (error: unknown) =>
      isTributaryError(error) && error.code === code && error.failureType === 'config';

    it('refuses a replay cache shorter than the timestamp tolerance, duplicate paths and credential headers', () => {
      assert.throws(
        () => createWebhookReceiver(base([route], { replayCacheTtlMs: 60_000, timestampToleranceMs: 300_000 })),
        configError('WEBHOOK_SETTING_INVALID'),
      );
      assert.throws(() => createWebhookReceiver(base([route, { ...route }])), configError('WEBHOOK_ROUTE_INVALID'));
      assert.throws(
        () => createWebhookReceiver(base([{ ...route, persistHeaders: ['Authorization'] }])),
        configError('WEBHOOK_HEADER_FORBIDDEN'),
      );
      assert.throws(
        () => createWebhookReceiver(base([{ ...route, persistHeaders: ['x-access-token'] }])),
        configError('WEBHOOK_HEADER_FORBIDDEN'),
      );
    });
  });
});
