// WebSub end to end: the subscriber subscribes at the simulator's hub, whose intent verification
// reaches the route through the kit's webhook receiver; signed Atom pushes are persisted and
// processed (new upload → the video is polled at once; deleted entry → a Deletion event).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createWebhookReceiver } from '@tributary/connector-kit';
import type { ListeningWebhookReceiver } from '@tributary/connector-kit';
import type { KnobChanges } from '@tributary/platform-sim';
import { Harness, quietLogger } from './harness.ts';
import { WEBSUB_PATH, channelTopic, youtubeWebSub, youtubeWebhookRoutes } from '../src/webhooks.ts';
import type { YouTubeWebSub } from '../src/webhooks.ts';
import { startWebSubSubscriber } from '../src/websub-subscriber.ts';

const HOUR = 3_600_000;
const START = Date.parse('2026-11-20T12:00:00Z');
const SECRET = 'websub-test-secret';

function sign(body: string, secret = SECRET, algorithm = 'sha1'): string {
  return `${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`;
}

function feed(channelId: string, videoId: string, title: string): string {
  return `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">
 <link rel="self" href="${channelTopic(channelId)}"/>
 <entry>
  <id>yt:video:${videoId}</id><yt:videoId>${videoId}</yt:videoId><yt:channelId>${channelId}</yt:channelId>
  <title>${title}</title><published>2026-11-20T11:00:00+00:00</published><updated>2026-11-20T11:30:00+00:00</updated>
 </entry>
</feed>
`;
}

describe('source-youtube: WebSub', function () {
  this.timeout(60_000);
  let harness: Harness;
  let receiver: ListeningWebhookReceiver;
  let webSub: YouTubeWebSub;
  let channelId: string;
  let callbackUrl: string;
  let stopSubscriber: AbortController;

  async function start(youtube: Record<string, unknown> = {}, knobs: KnobChanges = {}): Promise<void> {
    harness = await Harness.start({ startTime: START, youtube, knobs });
    channelId = harness.channelIds[0]!;
    webSub = youtubeWebSub({
      secret: SECRET,
      channelIds: harness.channelIds,
      source: 'source-youtube',
      logger: quietLogger,
      clock: harness.clock,
      writer: harness.writer,
      run: harness.run!,
    });
    receiver = await createWebhookReceiver({
      routes: [webSub.route],
      writer: harness.writer,
      clock: harness.clock,
      logger: quietLogger,
      metrics: harness.registry,
      source: 'source-youtube',
    }).listen({ port: 0 });
    callbackUrl = `${receiver.url}${WEBSUB_PATH}`;
    stopSubscriber = new AbortController();
  }

  function subscribe(leaseSeconds = 432_000, renewBeforeMs = 12 * HOUR) {
    return startWebSubSubscriber({
      hubUrl: harness.sim.baseUrls.youtubeWebSubHub,
      callbackUrl,
      topics: harness.channelIds.map(channelTopic),
      secret: SECRET,
      leaseSeconds,
      renewBeforeMs,
      leases: () => webSub.handshake.leases(),
      clock: harness.clock,
      logger: quietLogger,
      signal: stopSubscriber.signal,
    });
  }

  const post = (body: string, headers: Record<string, string>) =>
    fetch(callbackUrl, { method: 'POST', headers: { 'content-type': 'application/atom+xml', ...headers }, body });

  afterEach(async () => {
    stopSubscriber.abort();
    await receiver.close();
    await harness.stop();
  });

  it('subscribes at the hub; the intent verification for the configured topic is answered with the challenge; a lease is kept', async () => {
    await start();
    const subscriber = subscribe();
    await harness.settle();
    await harness.sim.idle();
    assert.equal(subscriber.stats().requested, 1);
    const [verification] = harness.sim.webhooks.youtubeVerifications();
    assert.equal(verification!.ok, true, 'the challenge came back');
    assert.equal(verification!.topic, channelTopic(channelId));
    assert.deepEqual(
      harness.sim.webhooks.youtubeSubscriptions().map((s) => [s.topic, s.callback, s.secret]),
      [[channelTopic(channelId), callbackUrl, SECRET]],
    );
    const [lease] = webSub.handshake.leases();
    assert.equal(lease!.expiresAt, harness.clock.now() + 432_000_000);
  });

  it('renews the subscription before the lease ends', async () => {
    await start({ uploadsEveryMs: 6 * HOUR, videosMinIntervalMs: 6 * HOUR });
    const subscriber = subscribe(2 * 3600, HOUR);
    await harness.settle();
    await harness.sim.idle();
    await harness.advance(HOUR - 1_000);
    await harness.sim.idle();
    assert.equal(subscriber.stats().requested, 1, 'no renewal while the lease has more than an hour left');
    await harness.advance(2_000);
    await harness.sim.idle();
    assert.equal(subscriber.stats().requested, 2);
    assert.equal(harness.sim.webhooks.youtubeVerifications().filter((v) => v.ok).length, 2);
    assert.ok(webSub.handshake.leases()[0]!.expiresAt! > START + 2 * HOUR, 'the renewed lease ends later');
  });

  it('handshake: an unexpected topic gets 404; the expected one 200 with the challenge echoed', async () => {
    await start();
    const get = (topic: string) =>
      fetch(
        `${callbackUrl}?${new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.challenge': 'ch4ll3nge', 'hub.lease_seconds': '600' })}`,
      );
    const foreign = await get(channelTopic('UCsomebodyElse000000000'));
    assert.equal(foreign.status, 404);
    await foreign.text();
    const ours = await get(channelTopic(channelId));
    assert.equal(ours.status, 200);
    assert.equal(await ours.text(), 'ch4ll3nge');
  });

  it('signatures: valid is persisted once (a replay is acknowledged, not persisted again); invalid, missing and wrong-scheme are refused', async () => {
    await start();
    const body = feed(channelId, 'vidNotReal1', 'Hello');
    const notifications = () => harness.writer.on('social.raw.webhook-notifications');
    const invalid = await post(body, { 'x-hub-signature': sign(body, 'wrong-secret') });
    const missing = await post(body, {});
    const wrongScheme = await post(body, { 'x-hub-signature': `md5=${createHmac('md5', SECRET).update(body).digest('hex')}` });
    const tampered = await post(body.replace('Hello', 'Hellp'), { 'x-hub-signature': sign(body) });
    assert.deepEqual([invalid.status, missing.status, wrongScheme.status, tampered.status], [401, 401, 401, 401]);
    assert.equal(notifications().length, 0, 'nothing refused was stored');
    const valid = await post(body, { 'x-hub-signature': sign(body) });
    assert.ok(valid.status >= 200 && valid.status < 300);
    const replay = await post(body, { 'x-hub-signature': sign(body) });
    assert.ok(replay.status >= 200 && replay.status < 300, 'a replay is acknowledged');
    assert.equal(notifications().length, 1, 'and persisted once');
    const [stored] = notifications();
    assert.equal(stored!.signature_verified, true);
    assert.equal(stored!.topic, channelTopic(channelId));
  });

  it('a new upload notification makes the video polled at once, long before the next uploads walk', async () => {
    await start(
      { uploadsEveryMs: 24 * HOUR, videosMinIntervalMs: 12 * HOUR, videosMaxIntervalMs: 24 * HOUR },
      { content: { newPostsPerDay: 24 } },
    );
    subscribe();
    await harness.settle();
    await harness.sim.idle();
    const known = new Set(harness.writer.on('social.raw.posts').map((p) => (p.envelope as { entity_id: string }).entity_id));
    let announced: string | undefined;
    for (let hour = 0; hour < 24 && announced === undefined; hour++) {
      await harness.advance(HOUR);
      await harness.sim.idle();
      const attempts = harness.sim.webhooks.attempts({ platform: 'youtube', event: 'websub.upload' });
      if (attempts.length > 0) announced = /<yt:videoId>([^<]+)</.exec(String(attempts[0]!.body ?? ''))?.[1] ?? 'unknown';
    }
    assert.ok(announced && announced !== 'unknown', 'the simulator announced an upload within a day');
    assert.ok(!known.has(announced!));
    await harness.settle();
    const post = harness.writer.on('social.raw.posts').find((p) => (p.envelope as { entity_id: string }).entity_id === announced);
    assert.ok(post, 'the announced video was collected');
    const uploadsWalks = harness.requests.filter((r) => r.endpoint === 'playlistItems.list');
    assert.ok(
      uploadsWalks.every((r) => r.startedAt === START),
      'no uploads walk ran since the start: the webhook did it',
    );
  });

  it('a title-change notification re-polls that video at once: a new Post version with the new title', async () => {
    await start({ uploadsEveryMs: 24 * HOUR, videosMinIntervalMs: 12 * HOUR, videosMaxIntervalMs: 24 * HOUR });
    subscribe();
    await harness.settle();
    await harness.sim.idle();
    await harness.advance(12 * HOUR); // the first videos sweep
    const [first] = harness.writer.on('social.raw.posts');
    const videoId = (first!.envelope as { entity_id: string }).entity_id;
    const polledBefore = harness.requests.filter((r) => r.endpoint === 'videos.list').length;
    await harness.sim.webhooks.youtubeChangeTitle(videoId, 'Ein neuer Titel ✨');
    await harness.settle();
    const versions = harness.writer.on('social.raw.posts').filter((p) => (p.envelope as { entity_id: string }).entity_id === videoId);
    assert.equal(versions.at(-1)!.title, 'Ein neuer Titel ✨');
    assert.notEqual((versions.at(-1)!.envelope as { event_id: string }).event_id, (first!.envelope as { event_id: string }).event_id);
    assert.equal(harness.requests.filter((r) => r.endpoint === 'videos.list').length, polledBefore + 1, 'one videos.list, at once');
  });

  it('a deleted-entry notification becomes a Deletion event linked to its delivery', async () => {
    await start();
    subscribe();
    await harness.settle();
    await harness.sim.idle();
    await harness.advance(HOUR);
    const victim = (harness.writer.on('social.raw.posts')[0]!.envelope as { entity_id: string }).entity_id;
    await harness.sim.webhooks.youtubeDeleteVideo(victim);
    await harness.settle();
    const deletion = harness.writer.on('social.raw.deletions').find((d) => (d.envelope as { entity_id: string }).entity_id === victim);
    assert.ok(deletion, 'a Deletion for the deleted video');
    assert.equal(deletion!.action, 'ENTITY_DELETED');
    assert.equal(deletion!.occurred_at, harness.clock.now());
    assert.equal(deletion!.platform_reason, 'at:deleted-entry');
    const lineage = (deletion!.envelope as { lineage: { method: string; delivery_id: string } }).lineage;
    assert.equal(lineage.method, 'WEBHOOK');
    const notification = harness.writer.on('social.raw.webhook-notifications').at(-1)!;
    assert.equal(lineage.delivery_id, (notification.envelope as { entity_id: string }).entity_id);
  });

  it('without a WebSub secret no route is served (and nothing is subscribed)', async () => {
    await start();
    const routes = youtubeWebhookRoutes(
      { youtube: { ...harness.settings.youtube, webSubSecret: '' }, source: harness.settings.source },
      { logger: quietLogger, clock: harness.clock, writer: harness.writer, requester: harness.requester, run: harness.run! },
      { source: 'source-youtube', signal: stopSubscriber.signal },
    );
    assert.deepEqual(routes, []);
  });
});
