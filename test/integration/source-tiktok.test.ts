// source-tiktok end to end on the real stack: the platform simulator → runSourceService (the real
// requester, the Kafka EventWriter, the Kafka checkpoint store, the webhook receiver) → this run's own
// raw topics (topicOverrides) → read back and decoded from Kafka, compared with the simulator's ground
// truth: every served video is a Post with a metrics snapshot, every account has a profile snapshot,
// and authorization.removed arrives as a Deletion.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig } from '@tributary/config';
import { runSourceService } from '@tributary/connector-kit';
import type { CadenceCurve } from '@tributary/connector-kit';
import { startPlatformSim } from '@tributary/platform-sim';
import type { PlatformSim } from '@tributary/platform-sim';
import { createTikTokService, tiktokSourceSchema } from '@tributary/source-tiktok';
import type { TikTokSourceSettings } from '@tributary/source-tiktok';
import { TestSignals, isolatedSourceTopics, readTopicValues } from '@tributary/source-testing';
import { createLogger } from '@tributary/telemetry';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';

const RAW = ['social.raw.posts', 'social.raw.post-metrics', 'social.raw.account-metrics', 'social.raw.deletions'] as const;
/** Polls every tracked video each second, so the fan-out runs within the test's real time. */
const FAST_CADENCE: CadenceCurve = {
  byAge: [{ maxAgeMs: Number.POSITIVE_INFINITY, intervalMs: 1_000 }],
  byVelocity: [],
  minIntervalMs: 1_000,
  maxIntervalMs: 1_000,
};

type Decoded = { envelope: { entity_id: string; lineage: { endpoint: string } }; [field: string]: unknown };

describe('source-tiktok (integration): simulator → service → Kafka', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let sim: PlatformSim | undefined;
  const logger = createLogger({ serviceName: 'source-tiktok-it', level: 'warn' });

  before(async () => {
    stack = await useTestStack();
  });
  after(async () => {
    await sim?.close();
  });

  it('collects both accounts into Kafka with nothing missing, and turns authorization.removed into a Deletion', async () => {
    sim = await startPlatformSim({
      seed: uniqueName('tiktok-it'),
      clock: { startTime: Date.now(), speed: 0 },
      accounts: { tiktok: 2, instagram: 0, youtube: 0 },
    });
    const credentials = sim.credentials().tiktok;
    const openIds = credentials.accounts.map((account) => account.openId);
    const run = uniqueName('tiktok', '_');
    // Not social.raw.webhook-notifications: runSourceService hands its override to the receiver, which the
    // writer then overrides again (an unknown topic). The notifications go to the shared catalogue topic.
    const { topics, overrides: topicOverrides } = await isolatedSourceTopics(stack, logger, run, RAW);

    const settings = loadConfig(tiktokSourceSchema, {
      env: { ...stack.env },
      overrides: {
        'source.scopes': openIds,
        ...topicOverrides,
        'http.port': 0,
        'webhook.port': 0,
        'telemetry.logLevel': 'warn',
        'tiktok.apiBaseUrl': sim.baseUrls.tiktok,
        'tiktok.clientKey': credentials.clientKey,
        'tiktok.clientSecret': credentials.clientSecret,
        'tiktok.seedCredentials': JSON.stringify(
          credentials.accounts.map((account) => ({
            id: account.openId,
            accessToken: account.accessToken,
            refreshToken: account.refreshToken,
            accessTokenExpiresAt: account.accessExpiresAt,
          })),
        ),
      },
    }).values as TikTokSourceSettings;
    const service = await runSourceService({
      ...createTikTokService(() => settings, { logger, cadence: FAST_CADENCE }),
      signals: new TestSignals(),
      exit: () => undefined,
    });
    try {
      // Until every video the simulator listed was also answered by video/query (new videos are queried as soon as a
      // list page finds them, so a finished sweep alone does not mean every video was queried yet).
      for (let attempt = 0; attempt < 300; attempt++) {
        const truth = sim.groundTruth({ platform: 'tiktok' });
        const listed = new Set(truth.entities.filter((entity) => entity.kind === 'video').map((entity) => entity.id));
        const queried = new Set(truth.metrics.filter((metric) => metric.endpoint === 'video.query').map((metric) => metric.id));
        const health = service.run.health();
        if (
          health.filter((entry) => entry.lastSuccessAt !== null && entry.stream !== 'video_metrics').length >= 4 &&
          listed.size > 0 &&
          [...listed].every((id) => queried.has(id))
        )
          break;
        await delay(200);
      }
      assert.ok(service.webhooks, 'the webhook receiver is served');
      sim.webhooks.setTarget('tiktok', `${service.webhooks.url}/webhooks/tiktok`);
      const attempt = await sim.webhooks.tiktokRemoveAuthorization(openIds[0]!, 2);
      assert.equal(attempt?.status, 200);
      await delay(500); // the hook writes the Deletion after the 200
    } finally {
      await service.stop();
      service.lifecycle.dispose();
    }

    const read = (topic: (typeof RAW)[number]) => readTopicValues<Decoded>(stack, logger, 'source-tiktok-it', topic, topics[topic]!);
    const truth = sim.groundTruth({ platform: 'tiktok' });
    const served = new Set(truth.entities.filter((entity) => entity.kind === 'video').map((entity) => entity.id));
    assert.ok(served.size >= 100);

    const posts = new Set((await read('social.raw.posts')).map((post) => post.envelope.entity_id));
    assert.deepEqual(
      [...served].filter((id) => !posts.has(id)),
      [],
      'every served video is a Post in Kafka',
    );
    const metrics = await read('social.raw.post-metrics');
    const queried = new Set(
      metrics.filter((s) => s.envelope.lineage.endpoint === 'POST /v2/video/query/').map((s) => s.envelope.entity_id),
    );
    assert.deepEqual(
      [...served].filter((id) => !queried.has(id)),
      [],
      'every video has a video/query snapshot in Kafka',
    );
    const accounts = new Set((await read('social.raw.account-metrics')).map((s) => s.envelope.entity_id));
    assert.deepEqual(accounts, new Set(openIds));
    const deletions = await read('social.raw.deletions');
    assert.equal(deletions.length, 1);
    assert.equal(deletions[0]!.action, 'AUTHORIZATION_REVOKED');
    assert.equal(deletions[0]!.account_id, openIds[0]);
    assert.equal(deletions[0]!.platform_reason, '2');
  });
});
