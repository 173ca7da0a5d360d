// source-youtube end to end on the real stack: the platform simulator → runSourceService (the real
// requester with Google OAuth and the daily-units ledger, the Kafka EventWriter and checkpoint store,
// the webhook receiver with the WebSub route) → this run's own raw topics (topicOverrides) → read back
// and decoded from Kafka, compared with the simulator's ground truth: every uploaded video is a Post
// with a metrics snapshot, the channel has its snapshot, and a WebSub deleted-entry is a Deletion.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { runSourceService } from '@tributary/connector-kit';
import { startPlatformSim } from '@tributary/platform-sim';
import type { PlatformSim } from '@tributary/platform-sim';
import { WEBSUB_PATH, channelTopic, createYouTubeService, loadYouTubeSettings } from '@tributary/source-youtube';
import { TestSignals, isolatedSourceTopics, readTopicValues } from '@tributary/source-testing';
import { createLogger } from '@tributary/telemetry';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';

const RAW = [
  'social.raw.posts',
  'social.raw.post-metrics',
  'social.raw.account-metrics',
  'social.raw.deletions',
  'social.raw.comments',
] as const;
const SECRET = 'integration-websub-secret';

type Decoded = { envelope: { entity_id: string; lineage: { endpoint: string; method: string } }; [field: string]: unknown };

describe('source-youtube (integration): simulator → service → Kafka', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let sim: PlatformSim | undefined;
  const logger = createLogger({ serviceName: 'source-youtube-it', level: 'warn' });

  before(async () => {
    stack = await useTestStack();
  });
  after(async () => {
    await sim?.close();
  });

  it('collects two channels into Kafka with nothing missing, and a WebSub deleted-entry arrives as a Deletion', async () => {
    sim = await startPlatformSim({
      seed: uniqueName('youtube-it'),
      clock: { startTime: Date.now(), speed: 0 },
      accounts: { tiktok: 0, instagram: 0, youtube: 2 },
      knobs: { youtube: { rateLimitExceededProbability: 0 }, content: { newPostsPerDay: 6 } },
    });
    const credentials = sim.credentials().youtube;
    const channelIds = credentials.accounts.map((account) => account.channelId);
    const run = uniqueName('youtube', '_');
    // Not social.raw.webhook-notifications: the receiver's override would be overridden again by the writer.
    const { topics, overrides: topicOverrides } = await isolatedSourceTopics(stack, logger, run, RAW);

    const settings = loadYouTubeSettings({
      env: { ...stack.env },
      files: [],
      overrides: {
        'source.scopes': channelIds,
        ...topicOverrides,
        'http.port': 0,
        'webhook.port': 0,
        'telemetry.logLevel': 'warn',
        'youtube.apiBaseUrl': sim.baseUrls.youtube,
        'youtube.analyticsBaseUrl': sim.baseUrls.youtubeAnalytics,
        'youtube.tokenUrl': sim.baseUrls.googleOAuth,
        'youtube.hubUrl': sim.baseUrls.youtubeWebSubHub,
        'youtube.clientId': credentials.clientId,
        'youtube.clientSecret': credentials.clientSecret,
        'youtube.webSubSecret': SECRET,
        'youtube.seedCredentials': JSON.stringify(
          credentials.accounts.map((account) => ({
            id: account.channelId,
            accessToken: account.accessToken,
            refreshToken: account.refreshToken,
            accessTokenExpiresAt: account.accessExpiresAt,
          })),
        ),
        // Every tracked video polled each second, so the fan-out runs within the test's real time.
        'youtube.videosMinIntervalMs': 1_000,
        'youtube.videosMaxIntervalMs': 1_000,
        'youtube.commentsEveryMs': 1_000,
      },
    });
    const service = await runSourceService({
      ...createYouTubeService(() => settings),
      signals: new TestSignals(),
      exit: () => undefined,
    });
    let deleted: string | undefined;
    try {
      for (let attempt = 0; attempt < 300; attempt++) {
        const health = service.run.health();
        const swept = (stream: string) => health.filter((entry) => entry.stream === stream && entry.checkpointAt !== null).length >= 2;
        if (swept('videos') && swept('comments')) break;
        await delay(200);
      }
      await delay(1_500); // one more sweep after the first, so every discovered video was polled
      assert.ok(service.webhooks, 'the webhook receiver is served');
      // Subscribe the way the subscriber does, with the receiver's real port as the callback.
      const subscribe = await fetch(settings.youtube.hubUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          'hub.mode': 'subscribe',
          'hub.callback': `${service.webhooks.url}${WEBSUB_PATH}`,
          'hub.topic': channelTopic(channelIds[0]!),
          'hub.secret': SECRET,
          'hub.verify': 'sync',
        }).toString(),
      });
      assert.equal(subscribe.status, 204, 'the hub verified our intent through the route');
      const posts = sim.groundTruth({ platform: 'youtube' }).entities.filter((e) => e.kind === 'video' && e.accountId === channelIds[0]);
      deleted = posts[0]!.id;
      await sim.webhooks.youtubeDeleteVideo(deleted);
      await delay(500); // the hook writes the Deletion after the 2xx
    } finally {
      await service.stop(); // aborts the WebSub subscriber too
      service.lifecycle.dispose();
    }

    const read = (topic: (typeof RAW)[number]) => readTopicValues<Decoded>(stack, logger, 'source-youtube-it', topic, topics[topic]!);
    const truth = sim.groundTruth({ platform: 'youtube' });
    const uploaded = new Set(truth.entities.filter((e) => e.kind === 'video').map((e) => e.id));
    assert.ok(uploaded.size >= 100, `both channels' uploads were listed (${uploaded.size})`);
    const posts = await read('social.raw.posts');
    const postIds = new Set(posts.map((post) => post.envelope.entity_id));
    assert.ok(
      posts.some((post) => post.format === 'SHORT'),
      'Shorts classified through the Analytics API',
    );
    assert.deepEqual(
      [...uploaded].filter((id) => !postIds.has(id)),
      [],
      'every uploaded video is a Post in Kafka',
    );
    const metrics = await read('social.raw.post-metrics');
    const measured = new Set(metrics.map((snapshot) => snapshot.envelope.entity_id));
    assert.deepEqual(
      [...uploaded].filter((id) => !measured.has(id)),
      [],
      'every uploaded video has a metrics snapshot',
    );
    const servedViews = new Map<string, Set<number>>();
    for (const m of truth.metrics.filter((m) => m.kind === 'video')) {
      const seen = servedViews.get(m.id) ?? new Set<number>();
      seen.add(Number(m.values.viewCount));
      servedViews.set(m.id, seen);
    }
    assert.deepEqual(
      metrics
        .filter((snapshot) => !servedViews.get(snapshot.envelope.entity_id)?.has(snapshot.views as number))
        .map((s) => s.envelope.entity_id),
      [],
      'every snapshot carries a view count the simulator served (strings → numbers)',
    );
    const accounts = new Set((await read('social.raw.account-metrics')).map((snapshot) => snapshot.envelope.entity_id));
    assert.deepEqual([...accounts].sort(), [...channelIds].sort(), 'each channel has its snapshot');
    const servedComments = new Set(truth.entities.filter((e) => e.kind === 'comment').map((e) => e.id));
    assert.ok(servedComments.size > 0, 'the young videos had comments');
    const comments = new Set((await read('social.raw.comments')).map((comment) => comment.envelope.entity_id));
    assert.deepEqual(
      [...servedComments].filter((id) => !comments.has(id)),
      [],
      'every served comment is a Comment in Kafka',
    );
    const deletions = await read('social.raw.deletions');
    const webhookDeletion = deletions.find((d) => d.envelope.entity_id === deleted && d.envelope.lineage.method === 'WEBHOOK');
    assert.ok(webhookDeletion, 'the deleted-entry is a Deletion in Kafka');
    assert.equal(webhookDeletion.action, 'ENTITY_DELETED');
  });
});
