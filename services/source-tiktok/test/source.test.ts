// source-tiktok against the in-process platform simulator: the real requester, authenticator and
// quota ledger, the runtime with in-memory checkpoints and a recording writer, one simulated clock.
import assert from 'node:assert/strict';
import { fetch } from 'undici';
import { DAY, HOUR, Harness, MINUTE, START } from './harness.ts';

describe('source-tiktok: collection against the platform simulator', function () {
  this.timeout(60_000);
  let harness: Harness | undefined;
  afterEach(async () => {
    const logs = harness?.logLines.join('') ?? '';
    const credentials = harness?.sim.credentials().tiktok;
    await harness?.close();
    for (const account of credentials?.accounts ?? []) {
      assert.ok(!logs.includes(account.accessToken) && !logs.includes(account.refreshToken), 'a token reached the log');
    }
    harness = undefined;
  });

  it('collects every account: profile snapshots, every video as a Post with a metrics snapshot, matching the ground truth', async () => {
    harness = await Harness.start({ accounts: 2 });
    const run = harness.startRun();
    await harness.until(() => run.health().filter((entry) => entry.lastSuccessAt !== null).length >= 6, HOUR);

    const truth = harness.sim.groundTruth({ platform: 'tiktok' });
    const servedVideos = new Set(truth.entities.filter((entity) => entity.kind === 'video').map((entity) => entity.id));
    const posts = harness.writer.of('social.raw.posts');
    const postIds = new Set(posts.map((post) => post.envelope.entity_id));
    assert.ok(servedVideos.size >= 100, `both accounts' videos were served (${servedVideos.size})`);
    assert.deepEqual(
      [...servedVideos].filter((id) => !postIds.has(id)),
      [],
      'every served video became a Post',
    );
    assert.equal(postIds.size, servedVideos.size);
    const postMetricIds = new Set(harness.writer.of('social.raw.post-metrics').map((snapshot) => snapshot.envelope.entity_id));
    assert.deepEqual(
      [...servedVideos].filter((id) => !postMetricIds.has(id)),
      [],
      'every served video has a metrics snapshot',
    );
    const accounts = harness.writer.of('social.raw.account-metrics').map((snapshot) => snapshot.envelope.entity_id);
    assert.deepEqual(new Set(accounts), new Set(harness.openIds));
    for (const post of posts) assert.equal(post.format, 'VIDEO');
    assert.equal(harness.served(429), 0);
  });

  it('a restart within the collection slot re-collects with the same event ids (idempotent at every hop)', async () => {
    harness = await Harness.start({ accounts: 1 });
    const run = harness.startRun();
    await harness.until(() => run.health().filter((entry) => entry.lastSuccessAt !== null).length >= 3, HOUR);
    await harness.stopRun();
    const ids = (topic: string) => harness!.writer.of(topic).map((event) => event.envelope.event_id);
    const first = new Map(
      ['social.raw.posts', 'social.raw.post-metrics', 'social.raw.account-metrics'].map((topic) => [topic, new Set(ids(topic))]),
    );
    harness.writer.events.length = 0;
    const restarted = harness.startRun();
    await harness.until(() => restarted.health().filter((entry) => entry.lastSuccessAt !== null).length >= 3, 5 * MINUTE);
    for (const [topic, before] of first) {
      const again = ids(topic);
      assert.ok(again.length > 0, `${topic} re-collected`);
      assert.deepEqual(
        again.filter((id) => !before.has(id)),
        [],
        `${topic}: no new ids in the same slot`,
      );
    }
  });

  it('rotating refresh tokens: refreshes before the 2 h expiry, persists the new refresh token, the old one is dead, collection goes on', async () => {
    harness = await Harness.start({ accounts: 1 });
    const [openId] = harness.openIds;
    const seed = harness.sim.credentials().tiktok.accounts[0]!;
    const run = harness.startRun();
    await harness.runFor(5 * HOUR);

    const stored = harness.credentialStore.records.get(openId!);
    assert.ok(stored, 'the refreshed credential was saved');
    assert.notEqual(stored.refreshToken, seed.refreshToken, 'the rotated refresh token was persisted');
    assert.ok(stored.accessTokenExpiresAt! > startPlus(2 * HOUR), 'a new access token beyond the first 2 h');
    assert.ok(harness.sim.stats().tokens.tiktok.refreshes >= 2, 'the second refresh succeeded: it used the rotated refresh token');
    // The simulator refuses the spent refresh token (rotation), so the collector must be using the new one.
    const reuse = await fetch(`${harness.sim.baseUrls.tiktok}/v2/oauth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_key: harness.settings.tiktok.clientKey,
        client_secret: harness.settings.tiktok.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: seed.refreshToken,
      }),
    });
    assert.equal(((await reuse.json()) as { error: string }).error, 'invalid_grant');
    assert.equal(harness.served(401), 0, 'refreshed proactively: no call was rejected');
    const profiles = harness.writer.of('social.raw.account-metrics');
    assert.ok(
      profiles.some((snapshot) => (snapshot.snapshot_bucket as number) >= startPlus(2 * HOUR)),
      'profiles collected after the first expiry',
    );
    assert.ok(run.health().every((entry) => !entry.suspended));
  });

  it('a token expired mid-run (expire-token): one 401, one refresh, the call is repeated and collection continues', async () => {
    harness = await Harness.start({ accounts: 1 });
    const [openId] = harness.openIds;
    const run = harness.startRun();
    await harness.runFor(10 * MINUTE);
    const refreshesBefore = harness.sim.stats().tokens.tiktok.refreshes;
    const failuresBefore = await harness.counter('tributary_source_stream_failures_total');
    harness.sim.faults.set({ platform: 'tiktok', kind: 'expire-token', account: openId! });
    const postsBefore = harness.writer.of('social.raw.account-metrics').length;
    await harness.runFor(HOUR + MINUTE);

    assert.ok(harness.served(401) >= 1, 'the expired token was rejected');
    assert.equal(harness.sim.stats().tokens.tiktok.refreshes - refreshesBefore, 1, 'exactly one refresh');
    assert.equal(await harness.counter('tributary_source_stream_failures_total'), failuresBefore, 'no stream run failed');
    assert.ok(harness.writer.of('social.raw.account-metrics').length > postsBefore, 'profile snapshots after the expiry');
    assert.ok(run.health().every((entry) => !entry.suspended));
  });

  it('600 requests per sliding minute: a sweep needing 3 windows gets zero 429s; a ledger set above the platform limit gets 429s (no headers) and backs off without losing data', async () => {
    // The window is scaled down (60/min) so the test needs few calls; the policy is the same.
    const options = (requestsPerWindow: number) => ({
      accounts: 2,
      knobs: { tiktok: { rateLimitPerMinute: 60 }, content: { postsPerAccount: 70 } },
      overrides: { 'tiktok.videoQueryBatchSize': 1, 'tiktok.requestsPerWindow': requestsPerWindow },
    });
    harness = await Harness.start(options(60));
    harness.startRun();
    await harness.until(() => harness!.served(200, '/video/query/') >= 140, HOUR);
    assert.equal(harness.served(429), 0, 'no call beyond the window');
    assert.ok(harness.clock.now() - START >= 2 * MINUTE, 'the ledger spread the calls over at least three windows');
    await harness.close();

    harness = await Harness.start(options(600));
    harness.startRun();
    await harness.until(() => harness!.served(200, '/video/query/') >= 140, HOUR);
    assert.ok(harness.served(429) > 0, 'control: the simulator does enforce the limit, without rate-limit headers');
    const posts = new Set(harness.writer.of('social.raw.posts').map((post) => post.envelope.entity_id));
    assert.equal(posts.size, 140, 'throttled calls were retried after backoff: nothing lost');
  });

  it('a repeated cursor stops the walk with CONNECTOR_PAGINATION_LOOP after writing the pages before; the next walk loses nothing', async () => {
    harness = await Harness.start({ accounts: 1 });
    harness.sim.faults.set({ platform: 'tiktok', kind: 'repeat-cursor', endpoint: 'video.list', count: 1 });
    const run = harness.startRun();
    await harness.until(() => run.health().some((entry) => entry.stream === 'videos' && entry.lastFailureCode !== null), HOUR);
    const videos = run.health().find((entry) => entry.stream === 'videos')!;
    assert.equal(videos.lastFailureCode, 'CONNECTOR_PAGINATION_LOOP');
    const beforeRetry = new Set(harness.writer.of('social.raw.posts').map((post) => post.envelope.entity_id));
    assert.ok(beforeRetry.size >= 20, 'the pages before the loop were written');
    await harness.until(() => (run.health().find((entry) => entry.stream === 'videos')!.lastSuccessAt ?? 0) > 0, HOUR);
    const served = new Set(
      harness.sim
        .groundTruth({ platform: 'tiktok' })
        .entities.filter((e) => e.kind === 'video')
        .map((e) => e.id),
    );
    const posts = new Set(harness.writer.of('social.raw.posts').map((post) => post.envelope.entity_id));
    assert.deepEqual(
      [...served].filter((id) => !posts.has(id)),
      [],
    );
    assert.equal(posts.size, 60);
  });

  for (const fault of [
    { kind: 'empty-page', note: 'an empty page that still says has_more' },
    { kind: 'huge-page', note: 'a page far beyond max_count (1000 items, 8 MiB)' },
  ] as const) {
    it(`pagination: ${fault.note} on video/list loses nothing`, async () => {
      harness = await Harness.start({ accounts: 1, overrides: { 'tiktok.videoPageSize': 7 } });
      harness.sim.faults.set({
        platform: 'tiktok',
        kind: fault.kind,
        endpoint: 'video.list',
        count: 1,
        ...(fault.kind === 'huge-page' ? { items: 1000, bytes: 8 * 1024 * 1024 } : {}),
      });
      const run = harness.startRun();
      await harness.until(() => (run.health().find((entry) => entry.stream === 'videos')?.lastSuccessAt ?? null) !== null, HOUR);
      const served = new Set(
        harness.sim
          .groundTruth({ platform: 'tiktok' })
          .entities.filter((e) => e.kind === 'video')
          .map((e) => e.id),
      );
      const posts = new Set(harness.writer.of('social.raw.posts').map((post) => post.envelope.entity_id));
      assert.equal(posts.size, 60, 'short pages of 7 and the pathological page: every video');
      assert.deepEqual(
        [...served].filter((id) => !posts.has(id)),
        [],
      );
      assert.equal(run.health().find((entry) => entry.stream === 'videos')!.lastFailureCode, null);
    });
  }

  it('backfill mode walks the video list back to its start at backfill priority, beyond the incremental window', async () => {
    harness = await Harness.start({
      accounts: 1,
      overrides: { 'tiktok.metricsTrackingWindowMs': DAY, 'tiktok.videosLookbackMs': HOUR },
    });
    const run = harness.startRun({ backfillStartAt: START - 40 * DAY });
    await harness.until(() => run.health().some((entry) => entry.stream === 'videos.backfill' && entry.backfill?.done === true), DAY);
    const posts = harness.writer.of('social.raw.posts');
    const ids = new Set(posts.map((post) => post.envelope.entity_id));
    assert.equal(ids.size, 60, 'every video of the 28-day history, though the incremental walk reaches back one day');
    const polled = new Set(
      posts
        .filter((post) => (post.envelope as unknown as { lineage: { method: string } }).lineage.method === 'POLL')
        .map((post) => post.envelope.entity_id),
    );
    assert.ok(polled.size < 10, `the incremental walk alone saw only the last day (${polled.size})`);
  });

  it('video/query partial answer: the ids it lacks are counted and logged, the rest land', async () => {
    harness = await Harness.start({ accounts: 1 });
    const [openId] = harness.openIds;
    const run = harness.startRun();
    await harness.runFor(10 * MINUTE);
    const real = harness.writer.of('social.raw.posts')[0]!.envelope.entity_id;
    const snapshotsOfReal = () => harness!.writer.of('social.raw.post-metrics').filter((s) => s.envelope.entity_id === real).length;
    const before = snapshotsOfReal();
    run.refresh('videos', openId!, { id: real, publishedAt: harness.clock.now() - MINUTE });
    run.refresh('videos', openId!, { id: '7000000000000000001', publishedAt: harness.clock.now() - MINUTE });
    run.refresh('videos', openId!, { id: '7000000000000000003', publishedAt: harness.clock.now() - MINUTE });
    await harness.until(() => harness!.logLines.some((line) => line.includes('absent from /v2/video/query/')), HOUR);
    await harness.runFor(MINUTE);
    assert.equal(await harness.counter('tributary_source_tiktok_videos_missing_total'), 2);
    assert.ok(snapshotsOfReal() > before, 'the rest of the batch landed');
    const ids = new Set(harness.writer.of('social.raw.post-metrics').map((snapshot) => snapshot.envelope.entity_id));
    assert.ok(!ids.has('7000000000000000001'));
  });

  it('circuit breaker: repeated 5xx on video/query opens the circuit, a trial call half-opens it, success closes it', async () => {
    harness = await Harness.start({
      accounts: 1,
      service: {
        breaker: { consecutiveFailures: 3, halfOpenAfterMs: 5 * MINUTE },
        retry: { maxAttempts: 2, initialDelayMs: 100, maxDelayMs: 200 },
      },
    });
    const states: string[] = [];
    const sample = () => {
      const circuit = harness!.requester.health().circuits.find((entry) => entry.key.startsWith('video.query|'));
      if (circuit && states.at(-1) !== circuit.state) states.push(circuit.state);
    };
    harness.agent.onDispatch = (path) => {
      if (path.endsWith('/video/query/')) sample();
    };
    const fault = harness.sim.faults.set({ platform: 'tiktok', kind: 'server-error', endpoint: 'video.query', status: 503 });
    const run = harness.startRun();
    await harness.until(() => {
      sample();
      return states.includes('open');
    }, HOUR);
    assert.ok(run.health().some((entry) => entry.stream === 'video_metrics' && entry.lastFailureCode !== null));
    harness.sim.faults.clear({ id: fault.id });
    await harness.until(() => {
      sample();
      return states.at(-1) === 'closed' && states.includes('half-open');
    }, HOUR);
    assert.deepEqual(states.slice(states.indexOf('open')), ['open', 'half-open', 'closed']);
    await harness.runFor(5 * MINUTE);
    assert.ok(harness.writer.of('social.raw.post-metrics').some((snapshot) => snapshot.envelope.observation.startsWith('metrics:')));
  });

  it('bad input: ids above 2^53 sent as bare integers arrive exact; create_time in milliseconds is normalised and counted', async () => {
    harness = await Harness.start({ accounts: 1, knobs: { tiktok: { bigIntIds: true } } });
    harness.sim.faults.set({ platform: 'tiktok', kind: 'millisecond-timestamps', endpoint: 'video.list', count: 1 });
    const run = harness.startRun();
    await harness.until(() => run.health().filter((entry) => entry.lastSuccessAt !== null).length >= 3, HOUR);
    const served = harness.sim.groundTruth({ platform: 'tiktok' }).entities.filter((e) => e.kind === 'video');
    const posts = harness.writer.of('social.raw.posts');
    const ids = new Set(posts.map((post) => post.envelope.entity_id));
    assert.ok(
      served.some((video) => /[02468]$/.test(video.id)),
      'some ids were sent unquoted',
    );
    assert.deepEqual(
      served.map((video) => video.id).filter((id) => !ids.has(id)),
      [],
      'every id exact',
    );
    assert.ok(
      (await harness.counter('tributary_source_data_issues_total', { source: 'source-tiktok', kind: 'timestamp-as-epoch-ms' })) >= 1,
    );
    for (const post of posts) {
      const publishedAt = post.published_at as number;
      assert.ok(publishedAt > START - 40 * DAY && publishedAt <= START, `published_at ${publishedAt} is a plausible epoch ms`);
    }
  });

  for (const kind of ['malformed-json', 'html-200', 'wrong-content-type', 'nan-number'] as const) {
    it(`bad input: ${kind} on user/info is a counted CONNECTOR_RESPONSE_MALFORMED failure, the next run collects`, async () => {
      harness = await Harness.start({ accounts: 1 });
      harness.sim.faults.set({ platform: 'tiktok', kind, endpoint: 'user.info', count: 1 });
      const run = harness.startRun();
      await harness.until(() => (run.health().find((entry) => entry.stream === 'profile')?.lastSuccessAt ?? null) !== null, 2 * HOUR);
      const profile = run.health().find((entry) => entry.stream === 'profile')!;
      assert.equal(profile.lastFailureCode, 'CONNECTOR_RESPONSE_MALFORMED');
      assert.equal(await harness.counter('tributary_source_stream_failures_total', { stream: 'profile' }), 1);
      assert.equal(harness.writer.of('social.raw.account-metrics').length, 1);
    });
  }
});

function startPlus(ms: number): number {
  return START + ms;
}
