// The Instagram webhook route end to end: the simulator (or this test, signing like Meta) → the kit's receiver with
// the route of src/webhooks.ts → persisted notification → canonical events from onPersisted.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { metaSignature } from '@tributary/platform-sim';
import { fetch } from 'undici';
import { DAY, Harness, MINUTE } from './harness.ts';

const START = Date.parse('2026-11-20T12:00:00Z');
const NOTIFICATIONS = 'social.raw.webhook-notifications';

describe('source-instagram webhooks', function () {
  this.timeout(30_000);
  let harness: Harness;
  let url: string;
  let appSecret: string;
  let accountId: string;

  beforeEach(async () => {
    harness = await Harness.start({ startTime: START, webhooks: true });
    url = `${harness.receiver!.url}/webhooks/instagram`;
    appSecret = harness.sim.credentials().instagram.appSecret;
    accountId = harness.accountIds[0]!;
  });
  afterEach(() => harness.stop());

  const commentBody = (commentId: string, mediaId: string, text = 'Which shoes are those? 👟') =>
    JSON.stringify({
      object: 'instagram',
      entry: [
        {
          id: accountId,
          time: Math.floor(START / 1000),
          changes: [
            {
              field: 'comments',
              value: {
                id: commentId,
                from: { id: '17841400000000042', username: 'sam.k' },
                text,
                media: { id: mediaId, media_product_type: 'REELS' },
              },
            },
          ],
        },
      ],
    });

  /** Comments from webhooks (the insights batches also poll the comments of young media). */
  const pushedComments = () =>
    harness.writer
      .on('social.raw.comments')
      .filter((value) => (value.envelope as { lineage: { method: string } }).lineage.method === 'WEBHOOK');

  async function post(body: string, headers: Record<string, string>): Promise<number> {
    const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    await response.text();
    await harness.settle();
    return response.status;
  }

  it('answers the verification handshake with the challenge for the right token, 403 otherwise', async () => {
    const good = await harness.sim.webhooks.instagramVerify(url);
    assert.equal(good.ok, true);
    assert.equal(good.body, good.challenge);
    const bad = await harness.sim.webhooks.instagramVerify(url, 'not-the-token');
    assert.equal(bad.ok, false);
    assert.equal(bad.status, 403);
    assert.equal(harness.writer.on(NOTIFICATIONS).length, 0, 'handshakes are never persisted');
  });

  it('accepts a valid signature and maps a comments change to a Comment event', async () => {
    const mediaId = harness.sim.instagram.accounts[0]!.media.publishedBy(START).at(-1)!.id;
    const body = commentBody('17858893269000001', mediaId);
    assert.equal(await post(body, { 'x-hub-signature-256': metaSignature(appSecret, body) }), 200);
    const [notification] = harness.writer.on(NOTIFICATIONS);
    assert.ok(notification);
    assert.equal(notification.topic, 'instagram/comments');
    assert.equal(notification.signature_verified, true);
    assert.equal(notification.delivery_id_from_platform, false);
    const deliveryId = (notification.envelope as { entity_id: string }).entity_id;
    assert.equal(deliveryId, createHash('sha256').update(body).digest('hex'), 'Meta has no message id: the SHA-256 of the body');
    const comments = pushedComments();
    assert.equal(comments.length, 1, 'one Comment from the delivery');
    const comment = comments[0]!;
    assert.equal(comment.post_id, mediaId);
    assert.equal(comment.post_account_id, accountId);
    assert.equal(comment.text, 'Which shoes are those? 👟');
    assert.deepEqual(comment.author, {
      account_id: '17841400000000042',
      username: 'sam.k',
      display_name: null,
      profile_url: null,
      avatar_url: null,
      is_verified: null,
    });
    const lineage = (comment.envelope as { lineage: Record<string, unknown> }).lineage;
    assert.equal(lineage.method, 'WEBHOOK');
    assert.equal(lineage.delivery_id, deliveryId);
    assert.equal(lineage.endpoint, 'POST /webhooks/instagram');
  });

  for (const [name, headers] of [
    ['an invalid signature', (body: string) => ({ 'x-hub-signature-256': metaSignature('wrong-secret', body) })],
    ['a missing signature', () => ({})],
    [
      'the wrong scheme (sha1=)',
      (body: string) => ({ 'x-hub-signature-256': `sha1=${createHmac('sha1', appSecret).update(body).digest('hex')}` }),
    ],
    ['a signature over other bytes', () => ({ 'x-hub-signature-256': metaSignature(appSecret, '{"object":"instagram","entry":[]}') })],
  ] as const) {
    it(`refuses ${name} with 401 and persists nothing`, async () => {
      const body = commentBody('17858893269000002', '1');
      assert.equal(await post(body, headers(body)), 401);
      assert.equal(harness.writer.on(NOTIFICATIONS).length, 0);
      assert.equal(pushedComments().length, 0);
    });
  }

  it('processes a replayed (duplicate) delivery once', async () => {
    const mediaId = harness.sim.instagram.accounts[0]!.media.publishedBy(START).at(-1)!.id;
    const body = commentBody('17858893269000003', mediaId);
    const headers = { 'x-hub-signature-256': metaSignature(appSecret, body) };
    assert.equal(await post(body, headers), 200);
    assert.equal(await post(body, headers), 200, 'Meta gets its 200 again, so it stops retrying');
    assert.equal(harness.writer.on(NOTIFICATIONS).length, 1);
    assert.equal(pushedComments().length, 1);
  });

  it('a comment pushed by the simulator for a new comment arrives as a Comment event', async () => {
    const mediaId = harness.sim.instagram.accounts[0]!.media.publishedBy(START).at(-1)!.id;
    const attempt = await harness.sim.webhooks.instagramComment(mediaId);
    await harness.settle();
    assert.equal(attempt.status, 200);
    const comments = pushedComments().filter((comment) => comment.post_id === mediaId);
    assert.ok(comments.length >= 1);
  });

  it('a mention of our media refreshes it (insights polled at once); a foreign one is counted', async () => {
    await harness.advance(31 * MINUTE); // first insights sweep done; the next one is 30 min away
    const mediaId = harness.sim.instagram.accounts[0]!.media.publishedBy(START).at(-1)!.id;
    const before = harness.sent.filter((sent) => sent.endpoint === 'ig.media.insights.batch').length;
    const attempt = await harness.sim.webhooks.instagramMention(mediaId);
    assert.equal(attempt.status, 200);
    await harness.advance(2_000);
    const after = harness.sent.filter((sent) => sent.endpoint === 'ig.media.insights.batch').slice(before);
    assert.ok(
      after.some((sent) => String(sent.query.batch).includes(mediaId)),
      'the mentioned media was polled before its cadence',
    );
    const tracked = harness.run.entities.get('media', accountId, mediaId);
    assert.equal(
      tracked?.entity.publishedAt,
      harness.sim.instagram.accounts[0]!.media.publishedBy(START).at(-1)!.publishedAt,
      'its age is kept',
    );
    const body = JSON.stringify({
      object: 'instagram',
      entry: [
        { id: accountId, time: Math.floor(START / 1000), changes: [{ field: 'mentions', value: { media_id: '99999999999999999' } }] },
      ],
    });
    assert.equal(await post(body, { 'x-hub-signature-256': metaSignature(appSecret, body) }), 200);
    assert.equal(harness.source.issues.count('mention-of-foreign-media'), 1);
  });

  it('story_insights maps to a snapshot of the story at the time of the notification', async () => {
    const story = harness.sim.instagram.accounts[0]!.stories.publishedBy(START).at(-1)!;
    const body = JSON.stringify({
      object: 'instagram',
      entry: [
        {
          id: accountId,
          time: Math.floor((story.publishedAt + DAY) / 1000),
          changes: [
            {
              field: 'story_insights',
              value: { media_id: story.id, reach: 120, views: 300, replies: 0, taps_forward: 40, taps_back: 3, exits: 9 },
            },
          ],
        },
      ],
    });
    assert.equal(await post(body, { 'x-hub-signature-256': metaSignature(appSecret, body) }), 200);
    const pushed = harness
      .of('social.raw.post-metrics', story.id)
      .filter((value) => (value.envelope as { lineage: { method: string } }).lineage.method === 'WEBHOOK');
    assert.equal(pushed.length, 1);
    const snapshot = pushed[0]!;
    assert.equal(snapshot.reach, 120);
    assert.equal(snapshot.views, 300);
    assert.equal(snapshot.likes, null, 'not sent: null, never 0');
    const instagram = (snapshot.extensions as { instagram: Record<string, unknown> }).instagram;
    assert.equal(instagram.replies, 0);
    assert.deepEqual(instagram.navigation, { tap_forward: 40, tap_back: 3, tap_exit: 9 });
    assert.equal((snapshot.envelope as { observed_at: number }).observed_at, Math.floor((story.publishedAt + DAY) / 1000) * 1000);
  });
});
