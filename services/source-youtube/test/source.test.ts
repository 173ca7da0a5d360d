// The source end to end against the in-process simulator, on one simulated clock: what lands,
// quota until the Pacific reset, backfill starved before fresh work, tokens, resume tokens.
import assert from 'node:assert/strict';
import { Harness } from './harness.ts';

const HOUR = 3_600_000;
// 22:00 in Los Angeles (PST, UTC-8) on 19 Nov: midnight Pacific is two hours later.
const START = Date.parse('2026-11-20T06:00:00Z');
const MIDNIGHT_PACIFIC = Date.parse('2026-11-20T08:00:00Z');

describe('source-youtube: against the platform simulator', function () {
  this.timeout(60_000);
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it('collects the channel, every uploaded video and its statistics (strings → numbers) as the simulator served them', async () => {
    harness = await Harness.start({ startTime: START, knobs: { content: { postsPerAccount: 60 } } });
    const { sim, writer } = harness;
    await harness.advance(HOUR); // the videos fan-out picks up what the uploads walk discovered within its minimum interval
    const channelId = harness.channelIds[0]!;
    const truth = sim.groundTruth({ platform: 'youtube' });
    const servedVideos = new Set(truth.entities.filter((entity) => entity.kind === 'video').map((e) => e.id));
    assert.ok(servedVideos.size > 0);
    const posts = writer.on('social.raw.posts');
    assert.deepEqual(
      new Set(posts.map((post) => (post.envelope as { entity_id: string }).entity_id)),
      servedVideos,
      'a Post per uploaded video',
    );
    const snapshots = writer.on('social.raw.post-metrics');
    const served = new Map(truth.metrics.filter((m) => m.kind === 'video').map((m) => [m.id, m.values]));
    // Young videos may be polled more than once within the hour (new content is polled at once, then on its
    // cadence): the newest snapshot of each video carries the values the simulator served last.
    const newest = new Map(snapshots.map((snapshot) => [(snapshot.envelope as { entity_id: string }).entity_id, snapshot]));
    assert.deepEqual(new Set(newest.keys()), servedVideos, 'a metrics snapshot per uploaded video');
    for (const [id, snapshot] of newest) {
      const values = served.get(id)!;
      assert.equal(typeof values.viewCount, 'string', 'the simulator sends statistics as strings');
      assert.equal(snapshot.views, Number(values.viewCount));
      assert.equal(snapshot.likes, Number(values.likeCount));
      assert.equal(snapshot.comments, Number(values.commentCount));
    }
    const [account] = writer.on('social.raw.account-metrics');
    assert.equal((account!.envelope as { entity_id: string }).entity_id, channelId);
    const channelTruth = truth.metrics.find((m) => m.kind === 'channel')!.values;
    assert.equal(account!.followers, Number(channelTruth.subscriberCount));
    assert.equal(account!.views, Number(channelTruth.viewCount));
    assert.equal(account!.posts, Number(channelTruth.videoCount));
    assert.equal(await harness.attempts('quota_exhausted'), 0);
  });

  it('a day budget the ledger counts right: zero 403 quotaExceeded, a pause, and collection again after 00:00 Pacific', async () => {
    harness = await Harness.start({
      startTime: START,
      knobs: { youtube: { dailyQuotaUnits: 4 } },
      youtube: { dailyQuotaUnits: 4, backfillReserveUnits: 0 },
    });
    await harness.advanceTo(MIDNIGHT_PACIFIC - 1);
    assert.equal(harness.sim.stats().youtubeQuota.used, 4, 'the whole day budget was used before the reset');
    const waiting = harness.requests.filter((r) => r.endedAt === null);
    assert.ok(waiting.length > 0, 'and further calls wait for the reset');
    const quota = harness.requester.health().quotas.find((q) => q.scope === 'youtube:daily-units')!;
    assert.equal(quota.resetsAt, MIDNIGHT_PACIFIC);
    await harness.advanceTo(MIDNIGHT_PACIFIC + 2 * HOUR);
    const afterReset = harness.requests.filter((r) => r.startedAt >= MIDNIGHT_PACIFIC || (r.endedAt ?? 0) >= MIDNIGHT_PACIFIC);
    assert.ok(
      afterReset.some((r) => r.outcome === 'ok'),
      'collection resumed after midnight Pacific',
    );
    assert.equal(await harness.attempts('quota_exhausted'), 0, 'the simulator never had to refuse a call');
  });

  it('a ledger that over-estimates the day: 403 quotaExceeded only for the calls in flight together, then every call waits for 00:00 Pacific', async () => {
    harness = await Harness.start({
      startTime: START,
      knobs: { youtube: { dailyQuotaUnits: 4 } },
      youtube: { dailyQuotaUnits: 10_000, backfillReserveUnits: 0 },
    });
    await harness.advanceTo(MIDNIGHT_PACIFIC - 1);
    const refused = await harness.attempts('quota_exhausted');
    assert.ok(refused >= 1);
    // Only calls already in flight together with the first refused one can be refused: they started at the same instant.
    const paused = harness.requests.filter((r) => r.endedAt === null);
    const firstPausedAt = Math.min(...paused.map((r) => r.startedAt));
    assert.equal(paused.filter((r) => r.startedAt === firstPausedAt).length, refused, 'every 403 was a call in flight with the first one');
    const quota = harness.requester.health().quotas.find((q) => q.scope === 'youtube:daily-units')!;
    assert.equal(quota.pausedUntil, MIDNIGHT_PACIFIC);
    const requestsBefore = harness.sim.stats().requests.youtube;
    await harness.advanceTo(MIDNIGHT_PACIFIC + 1_000);
    assert.ok(harness.sim.stats().requests.youtube! > requestsBefore!, 'calls again after the reset');
    assert.equal(await harness.attempts('quota_exhausted'), refused, 'the paused calls were not refused again');
    assert.ok(
      paused.every((r) => r.outcome === 'ok'),
      'the paused calls were answered after the reset',
    );
    assert.ok(harness.sim.stats().youtubeQuota.used > 0 && harness.sim.stats().youtubeQuota.resetsAt > MIDNIGHT_PACIFIC);
  });

  it('backfill is starved first: it stops at its share of the day while fresh polling goes on, and resumes after the reset', async () => {
    harness = await Harness.start({
      startTime: START,
      mode: 'backfill',
      backfillStartAt: START - 30 * 24 * HOUR,
      knobs: { youtube: { dailyQuotaUnits: 1_000 } },
      // The incremental walk only re-reads two days (one page); the backfill walks 30 days in pages of 5.
      youtube: { dailyQuotaUnits: 24, backfillReserveUnits: 18, uploadsPageSize: 5, videosTrackingWindowMs: 2 * 24 * HOUR },
    });
    await harness.advanceTo(MIDNIGHT_PACIFIC - 1);
    const backfill = harness.requests.filter((r) => r.priority === 'backfill');
    const other = harness.requests.filter((r) => r.priority !== 'backfill');
    assert.ok(backfill.length > 0 && backfill.length <= 6, `backfill used at most its 6 units (${backfill.length})`);
    const heldAt = Math.max(...backfill.map((r) => r.startedAt));
    assert.ok(
      other.some((r) => r.startedAt > heldAt && r.outcome === 'ok'),
      'fresh and refresh calls went on after backfill was held',
    );
    const backfillShare = harness.requester.health().quotas.find((q) => q.scope === 'youtube:daily-units:backfill')!;
    assert.ok(backfillShare.used >= backfillShare.limit && backfillShare.limit === 6);
    assert.equal(harness.run!.health().find((h) => h.stream === 'uploads.backfill')!.backfill?.done, false);
    await harness.advanceTo(MIDNIGHT_PACIFIC + HOUR);
    assert.ok(
      harness.requests.some((r) => r.priority === 'backfill' && r.startedAt >= MIDNIGHT_PACIFIC),
      'backfill resumed after the reset',
    );
    assert.equal(await harness.attempts('quota_exhausted'), 0);
  });

  it('a stored page token the API refuses (400 invalidPageToken) is forgotten and the next walk starts from the top', async () => {
    const probe = await Harness.start({ startTime: START, run: false });
    const channelId = probe.channelIds[0]!;
    await probe.stop();
    harness = await Harness.start({
      startTime: START,
      checkpoints: [
        {
          source: 'source-youtube',
          stream: 'uploads',
          scope: channelId,
          cursor: 'CAstale-token',
          watermark: null,
          backfill_reached: null,
          updated_at: START - HOUR,
        },
      ],
    });
    const uploads = harness.run!.health().find((h) => h.stream === 'uploads')!;
    assert.equal(uploads.lastFailureCode !== null, true, 'the resumed walk failed on the stale token');
    const forgotten = harness.checkpoints.history.filter(
      (entry) => 'stream' in entry && entry.stream === 'uploads' && entry.cursor === null,
    );
    assert.ok(forgotten.length >= 1, 'the cursor was forgotten');
    await harness.advance(HOUR);
    assert.ok(harness.run!.entities.size('videos') > 0, 'the walk from the top discovered the uploads');
    assert.equal(harness.run!.health().find((h) => h.stream === 'uploads')!.consecutiveFailures, 0);
  });

  it('401 authError: the token is refreshed at Google and the same call goes on; nothing is lost', async () => {
    harness = await Harness.start({ startTime: START });
    const refreshesBefore = harness.sim.stats().tokens.youtube.refreshes;
    assert.ok(harness.sim.faults.expireTokens('youtube') > 0);
    await harness.advance(60_000);
    harness.run!.wake('uploads', harness.channelIds[0]!); // a call long before the token's announced expiry
    await harness.settle();
    assert.equal(await harness.attempts('auth_expired'), 1, 'the simulator answered 401 once');
    assert.equal(harness.sim.stats().tokens.youtube.refreshes, refreshesBefore + 1, 'one refresh');
    assert.equal(harness.run!.health().find((h) => h.stream === 'uploads')!.lastFailureAt, null, 'the walk went on');
    await harness.advance(HOUR);
    assert.ok(harness.writer.on('social.raw.post-metrics').length > 0);
    assert.ok(harness.run!.health().every((h) => h.consecutiveFailures === 0 && !h.suspended));
    assert.equal(harness.requester.health().credentials[0]!.state, 'active');
  });

  it('invalid_grant on refresh: the credential is suspended and its streams pause (no hot loop)', async () => {
    harness = await Harness.start({ startTime: START });
    const channelId = harness.channelIds[0]!;
    harness.sim.youtube.revokeGrant(channelId);
    await harness.advance(2 * HOUR);
    const credential = harness.requester.health().credentials.find((c) => c.id === channelId)!;
    assert.equal(credential.state, 'suspended');
    assert.ok(harness.run!.health().some((h) => h.suspended));
    const requestsAfterSuspension = harness.sim.stats().requests.youtube!;
    await harness.advance(6 * HOUR);
    assert.ok(harness.sim.stats().requests.youtube! - requestsAfterSuspension <= 1, 'a suspended credential sends nothing');
  });

  it('shorts_classification: the Analytics creatorContentType turns Shorts into format SHORT on the next videos poll', async () => {
    harness = await Harness.start({ startTime: START });
    await harness.advance(HOUR);
    const kinds = new Map(harness.sim.youtube.channels[0]!.videos.publishedBy(harness.clock.now()).map((v) => [v.id, v.kind]));
    assert.ok(harness.source.contentTypes.size > 0, 'the report classified videos');
    const posts = harness.writer.on('social.raw.posts');
    const classified = posts.filter((p) => harness!.source.contentTypes.has((p.envelope as { entity_id: string }).entity_id));
    assert.ok(classified.length > 0);
    for (const post of classified) {
      const kind = kinds.get((post.envelope as { entity_id: string }).entity_id);
      assert.equal(post.format, kind === 'short' ? 'SHORT' : kind === 'live' ? 'LIVE' : 'VIDEO');
    }
    assert.ok(
      classified.some((p) => p.format === 'SHORT'),
      'the simulator has Shorts among them',
    );
    assert.equal(harness.requests.filter((r) => r.endpoint === 'analytics.reports').length, 1);
    assert.equal(
      harness.requester.health().quotas.find((q) => q.scope === 'youtube:daily-units')!.used,
      harness.sim.stats().youtubeQuota.used,
      'Analytics calls are not Data API units',
    );
  });

  it('comments: the threads of young videos only, one call per video, as Comment events matching what was served', async () => {
    harness = await Harness.start({
      startTime: START,
      knobs: { content: { newPostsPerDay: 12 } },
      youtube: { commentsEveryMs: HOUR, commentsTrackingWindowMs: 2 * 24 * HOUR },
    });
    await harness.advance(HOUR);
    const now = harness.clock.now();
    const young = harness.sim.youtube.channels[0]!.videos.publishedBy(now).filter((v) => v.publishedAt >= now - 2 * 24 * HOUR);
    assert.ok(young.length > 0);
    const calls = harness.requests.filter((r) => r.endpoint === 'commentThreads.list');
    assert.ok(calls.length >= young.length && calls.length <= 2 * young.length, `one call per young video and poll (${calls.length})`);
    const comments = harness.writer.on('social.raw.comments');
    const served = new Set(
      harness.sim
        .groundTruth({ platform: 'youtube' })
        .entities.filter((e) => e.kind === 'comment')
        .map((e) => e.id),
    );
    assert.ok(served.size > 0, 'the simulator served comments');
    assert.deepEqual(new Set(comments.map((c) => (c.envelope as { entity_id: string }).entity_id)), served);
    const youngIds = new Set(young.map((v) => v.id));
    assert.ok(
      comments.every((c) => youngIds.has(c.post_id as string)),
      'no comments of older videos',
    );
    assert.ok(comments.every((c) => typeof c.likes === 'number'));

    // A deleted young video (404 videoNotFound) is counted and does not block the other videos' comments.
    await harness.sim.youtube.deleteVideo(young[0]!.id);
    const callsBefore = harness.requests.filter((r) => r.endpoint === 'commentThreads.list').length;
    await harness.advance(HOUR);
    assert.ok(harness.quality.count('comments-video-gone') >= 1);
    assert.equal(harness.run!.health().find((h) => h.stream === 'comments')!.consecutiveFailures, 0);
    assert.ok(harness.requests.filter((r) => r.endpoint === 'commentThreads.list').length - callsBefore >= young.length);
  });
});
