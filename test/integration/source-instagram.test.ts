// source-instagram end to end on the real stack: the platform simulator → runSourceService with the service's own
// wiring (createInstagramService: Graph profile, Instagram token refresh, Meta usage ledger, the webhook route) → this
// run's own raw topics (topicOverrides) → read back and decoded from Kafka, compared with the simulator's ground truth:
// every media and live story is a Post with an insights snapshot, every comment served is a Comment, each account has
// its snapshot, and a comments
// webhook signed like Meta's arrives as a Comment.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { runSourceService } from '@tributary/connector-kit';
import { startPlatformSim } from '@tributary/platform-sim';
import type { PlatformSim } from '@tributary/platform-sim';
import { WEBHOOK_PATH, createInstagramService, loadInstagramSettings } from '@tributary/source-instagram';
import { TestSignals, isolatedSourceTopics, readTopicValues } from '@tributary/source-testing';
import { createLogger } from '@tributary/telemetry';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';

const RAW = ['social.raw.posts', 'social.raw.post-metrics', 'social.raw.account-metrics', 'social.raw.comments'] as const;

type Decoded = { envelope: { entity_id: string; lineage: { endpoint: string; method: string } }; [field: string]: unknown };

describe('source-instagram (integration): simulator → service → Kafka', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let sim: PlatformSim | undefined;
  const logger = createLogger({ serviceName: 'source-instagram-it', level: 'warn' });

  before(async () => {
    stack = await useTestStack();
  });
  after(async () => {
    await sim?.close();
  });

  it('collects two accounts into Kafka with nothing missing, and a comments webhook arrives as a Comment', async () => {
    sim = await startPlatformSim({
      seed: uniqueName('instagram-it'),
      clock: { startTime: Date.now(), speed: 0 },
      accounts: { tiktok: 0, instagram: 2, youtube: 0 },
    });
    const credentials = sim.credentials().instagram;
    const accountIds = credentials.accounts.map((account) => account.igUserId);
    const run = uniqueName('instagram', '_');
    const { topics, overrides: topicOverrides } = await isolatedSourceTopics(stack, logger, run, RAW);
    const settings = loadInstagramSettings({
      env: { ...stack.env },
      files: [],
      overrides: {
        'source.scopes': accountIds,
        ...topicOverrides,
        'http.port': 0,
        'webhook.port': 0,
        'telemetry.logLevel': 'warn',
        'instagram.apiBaseUrl': sim.baseUrls.instagram,
        'instagram.refreshBaseUrl': sim.baseUrls.instagram,
        'instagram.appSecret': credentials.appSecret,
        'instagram.verifyToken': credentials.verifyToken,
        'instagram.seedCredentials': JSON.stringify(
          credentials.accounts.map((account) => ({
            id: account.igUserId,
            accessToken: account.accessToken,
            accessTokenExpiresAt: account.accessExpiresAt,
            accessTokenIssuedAt: account.issuedAt,
          })),
        ),
        // Every tracked media polled each second, so the fan-outs run within the test's real time.
        'instagram.insightsMinIntervalMs': 1_000,
        'instagram.insightsMaxIntervalMs': 1_000,
      },
    });
    const options = createInstagramService(() => settings);
    const service = await runSourceService({ ...options, signals: new TestSignals(), exit: () => undefined });
    let commented: string | undefined;
    try {
      for (let attempt = 0; attempt < 300; attempt++) {
        const health = service.run.health();
        const swept = (stream: string) => health.filter((entry) => entry.stream === stream && entry.checkpointAt !== null).length >= 2;
        if (swept('media_insights') && swept('account')) break;
        await delay(200);
      }
      await delay(1_500); // one more sweep after the first, so every discovered media was polled
      assert.ok(service.webhooks, 'the webhook receiver is served');
      const url = `${service.webhooks.url}${WEBHOOK_PATH}`;
      const verification = await sim.webhooks.instagramVerify(url);
      assert.equal(verification.ok, true, 'the subscription handshake through the route');
      sim.webhooks.setTarget('instagram', url);
      commented = sim.instagram.accounts[0]!.media.publishedBy(sim.now()).at(-1)!.id;
      const delivery = await sim.webhooks.instagramComment(commented);
      assert.equal(delivery.status, 200);
      await delay(500); // the hook writes the Comment after the 2xx
    } finally {
      await service.stop();
      service.lifecycle.dispose();
    }

    const read = (topic: (typeof RAW)[number]) => readTopicValues<Decoded>(stack, logger, 'source-instagram-it', topic, topics[topic]!);
    const truth = sim.groundTruth({ platform: 'instagram' });
    const served = new Set(truth.entities.filter((e) => e.kind === 'media' || e.kind === 'story').map((e) => e.id));
    assert.ok(served.size >= 100, `both accounts' media were listed (${served.size})`);
    const posts = await read('social.raw.posts');
    const postIds = new Set(posts.map((post) => post.envelope.entity_id));
    assert.deepEqual(
      [...served].filter((id) => !postIds.has(id)),
      [],
      'every served media and story is a Post in Kafka',
    );
    assert.ok(posts.some((post) => post.format === 'STORY') && posts.some((post) => post.format === 'REEL'));
    const metrics = await read('social.raw.post-metrics');
    const withInsights = new Set(metrics.filter((m) => m.reach !== null).map((m) => m.envelope.entity_id));
    assert.deepEqual(
      [...served].filter((id) => !withInsights.has(id)),
      [],
      'every served media and story has an insights snapshot',
    );
    const servedReach = new Map<string, Set<number>>();
    for (const m of truth.metrics.filter((m) => m.kind === 'media-insights' || m.kind === 'story-insights')) {
      const seen = servedReach.get(m.id) ?? new Set<number>();
      seen.add(Number(m.values.reach));
      servedReach.set(m.id, seen);
    }
    assert.deepEqual(
      metrics
        .filter((m) => m.reach !== null && !servedReach.get(m.envelope.entity_id)?.has(m.reach as number))
        .map((m) => m.envelope.entity_id),
      [],
      'every snapshot carries a reach the simulator served',
    );
    const accounts = new Set((await read('social.raw.account-metrics')).map((snapshot) => snapshot.envelope.entity_id));
    assert.deepEqual([...accounts].sort(), [...accountIds].sort(), 'each account has its snapshot');
    const comments = await read('social.raw.comments');
    const servedComments = new Set(truth.entities.filter((e) => e.kind === 'comment').map((e) => e.id));
    assert.ok(servedComments.size > 0, 'the young media had comments');
    const commentIds = new Set(comments.map((comment) => comment.envelope.entity_id));
    assert.deepEqual(
      [...servedComments].filter((id) => !commentIds.has(id)),
      [],
      'every served comment is a Comment in Kafka',
    );
    assert.ok(
      comments.some((comment) => comment.post_id === commented && comment.envelope.lineage.method === 'WEBHOOK'),
      'the comments webhook is a Comment in Kafka',
    );
  });
});
