import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { PlatformSim } from '../../src/index.ts';
import { HOUR, startReceiver, startSim } from '../helpers.ts';
import type { Receiver } from '../helpers.ts';

describe('webhook delivery', () => {
  let sim: PlatformSim;
  let receiver: Receiver;
  let openId: string;

  beforeEach(async () => {
    sim = await startSim();
    receiver = await startReceiver();
    openId = sim.credentials().tiktok.accounts[0]!.openId;
  });
  afterEach(async () => {
    await sim.close();
    await receiver.close();
  });

  it('retries after a 500 with exponential backoff in simulated time, then stops once delivered', async () => {
    receiver.script = [500, 503, 200];
    const first = await sim.webhooks.deliverTo(receiver.url, {
      platform: 'tiktok',
      event: 'authorization.removed',
      openId,
      content: { reason: 1 },
    });
    assert.equal(first.status, 500);
    assert.equal(sim.webhooks.pendingRetries(), 1);
    await sim.advance(59_000);
    assert.equal(receiver.received.length, 1, 'no retry before the backoff');
    await sim.advance(1_000);
    assert.equal(receiver.received.length, 2);
    await sim.advance(2 * 60_000);
    assert.equal(receiver.received.length, 3);
    await sim.advance(HOUR);
    assert.equal(receiver.received.length, 3, 'delivered: no more attempts');
    const attempts = sim.webhooks.attempts({ deliveryId: first.deliveryId });
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.status]),
      [
        [1, 500],
        [2, 503],
        [3, 200],
      ],
    );
    assert.deepEqual(
      attempts.map((a) => a.at - attempts[0]!.at),
      [0, 60_000, 180_000],
    );
    assert.equal(new Set(receiver.received.map((r) => r.body)).size, 1, 'the same event body each time');
    // Each attempt is signed for its own timestamp.
    const secret = sim.credentials().tiktok.clientSecret;
    for (const request of receiver.received) {
      const [, t, s] = /^t=(\d+),s=(\w+)$/.exec(String(request.headers['tiktok-signature']))!;
      assert.equal(s, createHmac('sha256', secret).update(`${t}.${request.body}`).digest('hex'));
    }
  });

  it('a receiver that never answers in time counts as failed and is retried; retries stop after maxAttempts', async () => {
    sim.webhooks.setPolicy({ timeoutMs: 100, maxAttempts: 3, initialBackoffMs: 1_000 });
    await receiver.close();
    const attempt = await sim.webhooks.deliverTo('http://127.0.0.1:9/unreachable', {
      platform: 'instagram',
      field: 'mentions',
      accountId: '1',
      value: { media_id: '2' },
    });
    assert.equal(attempt.status, null);
    assert.ok(attempt.error);
    await sim.advance(HOUR);
    assert.equal(sim.webhooks.attempts({ deliveryId: attempt.deliveryId }).length, 3);
    assert.equal(sim.webhooks.pendingRetries(), 0);
    receiver = await startReceiver();
  });

  it('the duplicate knob resends the identical delivery', async () => {
    sim.webhooks.setPolicy({ duplicateProbability: 1 });
    const attempt = await sim.webhooks.deliverTo(receiver.url, {
      platform: 'instagram',
      field: 'comments',
      accountId: '17841400000000000',
      value: { id: '1', text: 'hi' },
    });
    assert.equal(attempt.status, 200);
    assert.equal(receiver.received.length, 2);
    assert.equal(receiver.received[0]!.body, receiver.received[1]!.body);
    assert.equal(receiver.received[0]!.headers['x-hub-signature-256'], receiver.received[1]!.headers['x-hub-signature-256']);
    const records = sim.webhooks.attempts({ deliveryId: attempt.deliveryId });
    assert.deepEqual(
      records.map((r) => r.duplicate),
      [false, true],
    );
  });

  it('WebSub deliveries without a secret carry no signature; with one, sha1 over the raw body', async () => {
    const videoId = sim.youtube.channels[0]!.videos.publishedBy(sim.now()).at(-1)!.id;
    await sim.webhooks.deliverTo(receiver.url, { platform: 'youtube', videoId, kind: 'upload' });
    assert.equal(receiver.received[0]!.headers['x-hub-signature'], undefined);
    await sim.webhooks.deliverTo(receiver.url, { platform: 'youtube', videoId, kind: 'deleted', secret: 'k' });
    const body = receiver.received[1]!.body;
    assert.match(body, /<at:deleted-entry ref="yt:video:/);
    assert.equal(receiver.received[1]!.headers['x-hub-signature'], `sha1=${createHmac('sha1', 'k').update(body).digest('hex')}`);
  });
});
