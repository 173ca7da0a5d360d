// The TikTok webhook route end to end: the simulator (or a test) signs and posts, the kit's receiver
// verifies and persists, source-tiktok's onPersisted turns the event into a Deletion + a suspended
// credential, or a targeted refresh. One simulated clock for the simulator, the receiver and the run.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { fetch } from 'undici';
import { createWebhookReceiver } from '@tributary/connector-kit';
import type { ListeningWebhookReceiver } from '@tributary/connector-kit';
import { topicValueType } from '@tributary/events';
import { HOUR, Harness, MINUTE } from './harness.ts';
import type { HarnessOptions } from './harness.ts';
import { WEBHOOK_PATH } from '../src/webhooks.ts';

describe('source-tiktok: webhooks', function () {
  this.timeout(60_000);
  let harness: Harness | undefined;
  let receiver: ListeningWebhookReceiver | undefined;
  let receiverIdle: () => Promise<void> = async () => {};
  let url = '';

  async function start(options: HarnessOptions = {}): Promise<Harness> {
    harness = await Harness.start(options);
    const run = harness.startRun();
    const routes = harness.service.webhooks(harness.settings, {
      logger: harness.logger,
      clock: harness.clock,
      writer: harness.writer,
      requester: harness.requester,
      run,
    });
    const created = createWebhookReceiver({
      routes,
      writer: harness.writer,
      clock: harness.clock,
      logger: harness.logger,
      metrics: harness.registry,
      source: 'source-tiktok',
      timestampToleranceMs: 5 * MINUTE,
    });
    const listening = await created.listen({ host: '127.0.0.1', port: 0 });
    receiver = listening;
    receiverIdle = () => created.idle();
    url = `${listening.url}${WEBHOOK_PATH}`;
    harness.sim.webhooks.setTarget('tiktok', url);
    return harness;
  }

  afterEach(async () => {
    await receiver?.close();
    await harness?.close();
    receiver = undefined;
    harness = undefined;
  });

  function signed(body: string, secret: string, unixSeconds: number): string {
    return `t=${unixSeconds},s=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
  }

  async function post(body: string, signature: string | undefined): Promise<number> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'tiktok-signature': signature }) },
      body,
    });
    await response.text();
    return response.status;
  }

  it('TikTok-Signature: valid is persisted once; replayed, invalid, missing, wrong scheme, stale and future are refused', async () => {
    const h = await start({ accounts: 1 });
    const secret = h.settings.tiktok.clientSecret;
    const now = Math.floor(h.clock.now() / 1000);
    const body = JSON.stringify({
      client_key: h.settings.tiktok.clientKey,
      event: 'video.upload.failed',
      create_time: now,
      user_openid: h.openIds[0],
      content: JSON.stringify({ share_id: 'x' }),
    });
    assert.equal(await post(body, signed(body, secret, now)), 200, 'valid');
    assert.equal(await post(body, signed(body, secret, now)), 200, 'replayed: acknowledged');
    const notifications = h.writer.of('social.raw.webhook-notifications');
    assert.equal(notifications.length, 1, 'the replay was not persisted again');
    assert.equal(notifications[0]!.topic, 'video.upload.failed');
    assert.equal(notifications[0]!.delivery_id_from_platform, false, 'TikTok sends no message id: the body hash is the delivery id');
    assert.equal(notifications[0]!.envelope.entity_id, sha256Hex(body));

    const refusals: Array<[string, string | undefined, string]> = [
      ['invalid', signed(body, 'not-the-secret', now), 'WEBHOOK_SIGNATURE_INVALID'],
      ['missing', undefined, 'WEBHOOK_SIGNATURE_MISSING'],
      ['wrong scheme', `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`, 'WEBHOOK_SIGNATURE_SCHEME'],
      ['stale', signed(body, secret, now - 10 * 60), 'WEBHOOK_TIMESTAMP_STALE'],
      ['future', signed(body, secret, now + 10 * 60), 'WEBHOOK_TIMESTAMP_STALE'],
    ];
    for (const [label, signature, reason] of refusals) {
      const before = await h.counter('tributary_webhook_rejections_total', { reason });
      const status = await post(body.replace('"x"', `"${label}"`), signature);
      assert.equal(status, 401, label);
      assert.equal(await h.counter('tributary_webhook_rejections_total', { reason }), before + 1, `${label} counted as ${reason}`);
    }
    assert.equal(h.writer.of('social.raw.webhook-notifications').length, 1, 'nothing refused was persisted');
  });

  it('authorization.removed: a Deletion for the account, its credential suspended, its streams pause while the other account goes on', async () => {
    const h = await start({ accounts: 2 });
    const [revoked, kept] = h.openIds as [string, string];
    await h.runFor(20 * MINUTE);
    const attempt = await h.sim.webhooks.tiktokRemoveAuthorization(revoked, 4);
    assert.equal(attempt?.status, 200);
    await receiverIdle();
    const revokedAt = h.clock.now();

    const deletions = h.writer.of('social.raw.deletions');
    assert.equal(deletions.length, 1);
    const deletion = deletions[0]!;
    assert.equal(deletion.action, 'AUTHORIZATION_REVOKED');
    assert.equal(deletion.account_id, revoked);
    assert.equal(deletion.platform_reason, '4');
    assert.equal(deletion.envelope.entity_id, revoked);
    assert.equal(deletion.envelope.observation, `deletion:AUTHORIZATION_REVOKED:${deletion.occurred_at as number}`);
    const notification = h.writer.of('social.raw.webhook-notifications')[0]!;
    assert.equal(
      (deletion.envelope as unknown as { lineage: { delivery_id: string } }).lineage.delivery_id,
      notification.envelope.entity_id,
    );
    assert.ok(topicValueType('social.raw.deletions').isValid(deletion), 'the Deletion fits its Avro schema');
    assert.equal(h.requester.health().credentials.find((entry) => entry.id === revoked)?.state, 'suspended');

    await h.runFor(2 * HOUR);
    const profilesAfter = (account: string) =>
      h.writer
        .of('social.raw.account-metrics')
        .filter((s) => s.envelope.entity_id === account && (s.snapshot_bucket as number) > revokedAt);
    assert.equal(profilesAfter(revoked).length, 0, 'the revoked account is no longer polled');
    assert.ok(profilesAfter(kept).length >= 1, 'the other account goes on');
    const health = h.run!.health();
    assert.ok(health.filter((entry) => entry.scope === revoked).some((entry) => entry.suspended));
    assert.ok(health.filter((entry) => entry.scope === kept).every((entry) => !entry.suspended));
    assert.equal(h.served(401), 0, 'no call was made with the revoked token');
  });

  it('authorization.removed whose Deletion cannot be written: the credential is suspended anyway, the hook failure is counted, the notification is persisted', async () => {
    const h = await start({ accounts: 1 });
    const [revoked] = h.openIds as [string];
    await h.runFor(5 * MINUTE);
    h.writer.failingTopics.add('social.raw.deletions');
    const attempt = await h.sim.webhooks.tiktokRemoveAuthorization(revoked, 1);
    assert.equal(attempt?.status, 200, 'the notification itself was durable');
    await receiverIdle();
    assert.equal(h.requester.health().credentials.find((entry) => entry.id === revoked)?.state, 'suspended');
    assert.equal(await h.counter('tributary_webhook_hook_failures_total'), 1);
    assert.equal(h.writer.of('social.raw.deletions').length, 0);
    assert.equal(
      h.writer.of('social.raw.webhook-notifications').filter((n) => n.topic === 'authorization.removed').length,
      1,
      'the notification stays in Kafka to reprocess',
    );
  });

  it('authorization.removed for an account without a credential here still writes its Deletion', async () => {
    const h = await start({ accounts: 1 });
    const stranger = '-000ffffffff-ffff-ffff-ffffffffffff';
    const attempt = await h.sim.webhooks.deliverTo(url, {
      platform: 'tiktok',
      event: 'authorization.removed',
      openId: stranger,
      content: { reason: 3 },
    });
    assert.equal(attempt.status, 200);
    await receiverIdle();
    assert.equal(await h.counter('tributary_webhook_hook_failures_total'), 0);
    const deletions = h.writer.of('social.raw.deletions');
    assert.deepEqual(
      deletions.map((deletion) => [deletion.account_id, deletion.platform_reason]),
      [[stranger, '3']],
    );
    assert.ok(
      h.requester.health().credentials.every((entry) => entry.state === 'active'),
      'no configured credential was touched',
    );
  });

  it('video.publish.completed wakes the video list (Post) and polls the announced video at once, long before the list cadence', async () => {
    const h = await start({ accounts: 1, knobs: { content: { newPostsPerDay: 24 } }, overrides: { 'tiktok.videosIntervalMs': 6 * HOUR } });
    await h.runFor(10 * MINUTE);
    await h.until(() => h.sim.webhooks.attempts({ event: 'video.publish.completed' }).length >= 1, 3 * HOUR);
    await receiverIdle();
    await h.runFor(2 * MINUTE);
    const announced = h.sim.webhooks.attempts({ event: 'video.publish.completed' });
    const videoIds = announced.map((attempt) => (JSON.parse(JSON.parse(attempt.body).content) as { video_id: string }).video_id);
    const posts = new Set(h.writer.of('social.raw.posts').map((post) => post.envelope.entity_id));
    const queried = new Set(
      h.writer
        .of('social.raw.post-metrics')
        .filter((s) => (s.envelope as unknown as { lineage: { endpoint: string } }).lineage.endpoint === 'POST /v2/video/query/')
        .map((s) => s.envelope.entity_id),
    );
    assert.ok(videoIds.length >= 1);
    for (const id of videoIds) {
      assert.ok(posts.has(id), `the announced video ${id} became a Post within minutes (list cadence is 6 h)`);
      assert.ok(queried.has(id), `the announced video ${id} was polled through video/query`);
    }
    assert.ok((await h.counter('tributary_source_tiktok_webhook_events_total', { event: 'video.publish.completed' })) >= 1);
  });
});

function sha256Hex(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}
