// source-instagram against the platform simulator on one simulated clock: what it collects, and how it behaves when
// Meta throttles, tokens expire, pages come back empty, insights are unavailable or stories expire.
import assert from 'node:assert/strict';
import { REMOVED_METRICS } from '../src/streams/media-insights.ts';
import { DAY, HOUR, Harness, MINUTE } from './harness.ts';

const START = Date.parse('2026-11-20T12:00:00Z');

type Envelope = { entity_id: string; observed_at: number; event_id: string };
const envelopeOf = (value: Record<string, unknown>) => value.envelope as Envelope;
const ids = (values: Array<Record<string, unknown>>) => new Set(values.map((value) => envelopeOf(value).entity_id));

describe('source-instagram against the platform simulator', function () {
  this.timeout(60_000);
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it('collects every media, story, account snapshot and insights snapshot the simulator holds', async () => {
    harness = await Harness.start({ startTime: START, instagram: { mediaPageSize: 10 } });
    // The insights fan-out picks up newly discovered media within its minimum interval (30 min).
    await harness.advance(31 * MINUTE);
    const account = harness.sim.instagram.accounts[0]!;
    const media = account.media.publishedBy(START);
    const live = account.stories.publishedBy(START).filter((story) => story.publishedAt + DAY > START);
    assert.ok(media.length > 20, 'the simulator seeded a history');
    const posts = ids(harness.writer.on('social.raw.posts'));
    for (const item of [...media, ...live]) assert.ok(posts.has(item.id), `post ${item.id} collected`);
    const published =
      account.media.publishedBy(harness.sim.now()).length +
      account.stories.publishedBy(harness.sim.now()).filter((story) => story.publishedAt + DAY > START).length;
    assert.ok(posts.size <= published, 'nothing that does not exist');
    const snapshots = harness.writer.on('social.raw.post-metrics');
    const withInsights = ids(snapshots.filter((value) => value.reach !== null));
    for (const item of [...media, ...live]) assert.ok(withInsights.has(item.id), `insights of ${item.id} collected`);
    const accounts = harness.writer.on('social.raw.account-metrics');
    assert.equal(accounts.length, 1);
    assert.equal(accounts[0]!.followers, harness.sim.groundTruth().metrics.find((m) => m.kind === 'account')!.values.followers_count);
    // Formats follow the schema's mapping.
    const formats = new Set(harness.writer.on('social.raw.posts').map((value) => value.format));
    for (const format of formats) assert.ok(['IMAGE', 'VIDEO', 'CAROUSEL', 'REEL', 'STORY'].includes(format as string), String(format));
    // Comments of young media come with the insights batches: every comment served is a Comment event.
    const servedComments = harness.sim.groundTruth({ platform: 'instagram' }).entities.filter((entity) => entity.kind === 'comment');
    assert.ok(servedComments.length > 0, 'young media had comments');
    const comments = ids(harness.writer.on('social.raw.comments'));
    for (const comment of servedComments) assert.ok(comments.has(comment.id), `comment ${comment.id}`);
    // Deprecated metrics are never requested.
    const insightQueries = harness.sent
      .filter((sent) => sent.endpoint === 'ig.media.insights.batch')
      .map((sent) => String(sent.query.batch));
    assert.ok(insightQueries.length > 0);
    for (const query of insightQueries)
      for (const metric of REMOVED_METRICS) assert.ok(!new RegExp(`[=,]${metric}[,"]`).test(query), metric);
  });

  it('pauses on rising X-App-Usage before Meta refuses: zero throttling errors served, collection goes on', async () => {
    // 400 app calls per rolling hour; a full media walk (13 pages) every 2 minutes uses ~3 % of it each time.
    harness = await Harness.start({
      startTime: START,
      knobs: { instagram: { appCallsPerHour: 400 } },
      instagram: {
        mediaPageSize: 5,
        mediaEveryMs: 2 * MINUTE,
        mediaLookbackMs: 90 * DAY,
        usagePauseAtPercent: 80,
        // Batches carry no usage headers in the simulator (README): after the first sweep, keep them out of this test.
        insightsMinIntervalMs: 2 * DAY,
      },
    });
    const pausedAt: number[] = [];
    for (let step = 0; step < 20; step++) {
      await harness.advance(5 * MINUTE);
      if (harness.requester.health().quotas.some((quota) => quota.scope.endsWith('app-usage') && quota.pausedUntil !== null))
        pausedAt.push(harness.clock.now());
    }
    assert.ok(pausedAt.length > 0, 'the ledger paused on X-App-Usage');
    assert.equal(await harness.attempts('throttled'), 0, 'no call was answered with 4/17/32/613/80002');
    const after = harness.sent.filter((sent) => sent.endpoint === 'ig.media' && sent.at > pausedAt[0]!);
    assert.ok(after.length > 0, 'collection resumed after the pause');
  });

  it('a BUC throttle (80002) pauses the account until estimated_time_to_regain_access, then resumes', async () => {
    harness = await Harness.start({
      startTime: START,
      beforeRun: (sim) =>
        void sim.faults.set({
          platform: 'instagram',
          kind: 'throttle',
          endpoint: 'node',
          code: 80002,
          usageHeaders: true,
          retryAfterSeconds: 20 * 60,
          count: 1,
        }),
    });
    assert.equal(await harness.attempts('throttled'), 1, 'the one throttled answer');
    const calls = () => harness!.sim.stats().requests.instagram ?? 0;
    await harness.advance(MINUTE);
    const during = calls();
    await harness.advance(17 * MINUTE);
    assert.equal(calls(), during, 'no call while the account waits for its regain time');
    await harness.advance(5 * MINUTE);
    assert.ok(calls() > during, 'calls resume after the regain time');
    assert.equal(harness.writer.on('social.raw.account-metrics').length, 1, 'the throttled call was made again and mapped');
    assert.equal(await harness.attempts('throttled'), 1);
  });

  it('refreshes a token days before it expires, once it is 24 h old, with no 190 served', async () => {
    // Tokens live 3 days here: inside the 7-day refresh skew from the start, but too young to refresh for 24 h.
    harness = await Harness.start({
      startTime: START,
      knobs: { instagram: { tokenTtlMs: 3 * DAY } },
      // Fan-outs rarely: this test is about the token, and batches cost the simulator real time.
      instagram: { insightsMinIntervalMs: 2 * DAY, mediaEveryMs: 6 * HOUR },
    });
    assert.equal(harness.sim.stats().tokens.instagram.refreshes, 0, 'a token younger than 24 h is used as is');
    await harness.advance(25 * HOUR);
    assert.equal(harness.sim.stats().tokens.instagram.refreshes, 1, 'refreshed once it was 24 h old');
    await harness.advance(2 * DAY);
    assert.ok(harness.sim.stats().tokens.instagram.refreshes >= 2, 'kept alive past the first token expiry');
    assert.equal(await harness.attempts('auth_expired'), 0, 'no call was refused with 190');
    assert.ok(harness.requester.health().credentials.every((credential) => credential.state === 'active'));
    const latest = Math.max(...harness.writer.on('social.raw.account-metrics').map((value) => envelopeOf(value).observed_at));
    assert.ok(latest > START + 3 * DAY - HOUR, 'still collecting when the seeded token would have expired');
  });

  it('a token that expires mid-run (190/463) cannot be refreshed (Meta refuses expired tokens): that credential only is suspended', async () => {
    harness = await Harness.start({ startTime: START, accounts: 2 });
    const [first, second] = harness.accountIds as [string, string];
    assert.equal(harness.sim.faults.expireTokens('instagram', first), 1);
    const countBefore = harness.of('social.raw.account-metrics', second).length;
    await harness.advance(2 * HOUR);
    assert.ok((await harness.attempts('auth_expired')) >= 1, 'the 190 was seen');
    const credentials = harness.requester.health().credentials;
    assert.equal(credentials.find((credential) => credential.id === first)?.state, 'suspended');
    assert.equal(credentials.find((credential) => credential.id === second)?.state, 'active');
    assert.ok(harness.of('social.raw.account-metrics', second).length > countBefore, 'the other account goes on');
    assert.ok(harness.run.health().some((entry) => entry.scope === first && entry.suspended));
  });

  it('with tokenRefresh off, an expired token suspends that credential only', async () => {
    harness = await Harness.start({ startTime: START, accounts: 2, instagram: { tokenRefresh: false } });
    const [first, second] = harness.accountIds as [string, string];
    harness.sim.faults.expireTokens('instagram', first);
    const countBefore = harness.of('social.raw.account-metrics', second).length;
    await harness.advance(2 * HOUR);
    const credentials = harness.requester.health().credentials;
    assert.equal(credentials.find((credential) => credential.id === first)?.state, 'suspended');
    assert.equal(credentials.find((credential) => credential.id === second)?.state, 'active');
    assert.ok(harness.of('social.raw.account-metrics', second).length > countBefore, 'the other account goes on');
  });

  it('an empty page that still has `next` is followed: nothing is missed', async () => {
    harness = await Harness.start({
      startTime: START,
      instagram: { mediaPageSize: 7 },
      beforeRun: (sim) => void sim.faults.set({ platform: 'instagram', kind: 'empty-page', endpoint: 'media', count: 1 }),
    });
    const account = harness.sim.instagram.accounts[0]!;
    const pages = harness.sent.filter((sent) => sent.endpoint === 'ig.media');
    assert.ok(pages.length >= 2 + Math.ceil(account.media.publishedBy(START).length / 7) - 1, 'the empty first page was followed');
    assert.ok(harness.run.health().every((entry) => entry.lastFailureAt === null));
    const posts = ids(harness.writer.on('social.raw.posts'));
    for (const item of account.media.publishedBy(START)) assert.ok(posts.has(item.id), `post ${item.id} collected`);
  });

  it('short pages (fewer items than `limit`, with `next`) are normal: nothing is missed', async () => {
    harness = await Harness.start({
      startTime: START,
      instagram: { mediaPageSize: 10 },
      knobs: { instagram: { shortPageProbability: 0.7 } },
    });
    const account = harness.sim.instagram.accounts[0]!;
    const pages = harness.sent.filter((sent) => sent.endpoint === 'ig.media').length;
    assert.ok(pages > Math.ceil(account.media.publishedBy(START).length / 10), `short pages were served (${pages} pages)`);
    const posts = ids(harness.writer.on('social.raw.posts'));
    for (const item of account.media.publishedBy(START)) assert.ok(posts.has(item.id), `post ${item.id} collected`);
  });

  it('an empty insights answer maps to null, not 0, and error 10 for one media is reported alone', async () => {
    harness = await Harness.start({
      startTime: START,
      knobs: { instagram: { insightsAvailableAfterMs: 20 * HOUR, minReachForInsights: 200 } },
    });
    await harness.advance(31 * MINUTE);
    const fromInsights = (value: Record<string, unknown>) =>
      (value.envelope as { lineage: { endpoint: string } }).lineage.endpoint === 'GET /{ig-media-id}/insights';
    const account = harness.sim.instagram.accounts[0]!;
    assert.ok(harness.source.issues.count('insights-unavailable') > 0, 'some media were too young for insights');
    assert.ok(harness.source.issues.count('insights-not-enough-viewers') > 0, 'some media had too small an audience (error 10)');
    const young = [...account.media.publishedBy(START), ...account.stories.publishedBy(START)].filter(
      (item) => START - item.publishedAt < 20 * HOUR && item.publishedAt + DAY > START,
    );
    assert.ok(young.length > 0);
    for (const item of young) {
      const snapshots: Array<Record<string, unknown>> = harness.of('social.raw.post-metrics', item.id).filter(fromInsights);
      assert.ok(snapshots.length > 0, `${item.id}: an insights snapshot, even though nothing is available`);
      for (const snapshot of snapshots) {
        assert.equal(snapshot.reach, null, 'unavailable is null, never 0');
        assert.equal(snapshot.views, null);
      }
    }
    // The media with enough reach got their numbers from the same batches.
    const withNumbers = harness.writer
      .on('social.raw.post-metrics')
      .filter((value) => fromInsights(value) && typeof value.views === 'number');
    assert.ok(withNumbers.length > 10, `other media proceed (${withNumbers.length})`);
    assert.ok(
      harness.run.health().every((entry) => entry.lastFailureAt === null),
      'no stream run failed',
    );
  });

  it('stories insights are captured before the 24 h expiry (polled at ephemeral priority, then story_insights)', async () => {
    harness = await Harness.start({ startTime: START, webhooks: true, knobs: { content: { storiesPerDay: 6 } } });
    const account = harness.sim.instagram.accounts[0]!;
    await harness.advance(25 * HOUR);
    // Live at the start or published during the run; all of them expire within the 25 h.
    const stories = account.stories.publishedBy(START + HOUR).filter((story) => story.publishedAt + DAY > START);
    assert.ok(stories.length > 0, 'stories were published during the run');
    for (const story of stories) {
      const expiry = story.publishedAt + DAY;
      const before = harness.of('social.raw.post-metrics', story.id).filter((value) => envelopeOf(value).observed_at < expiry);
      assert.ok(
        before.some((value) => value.reach !== null),
        `story ${story.id} has an insights snapshot from before its expiry`,
      );
    }
    const storyInsights = harness.sent.filter(
      (sent) => sent.endpoint === 'ig.media.insights.batch' && String(sent.query.batch).includes('navigation'),
    );
    assert.ok(
      storyInsights.length > 0 && storyInsights.every((sent) => sent.priority === 'ephemeral'),
      'story insights ran at ephemeral priority',
    );
    // The simulator sends story_insights when a story expires; the route turns it into the story's final snapshot.
    const expired = stories.filter((story) => story.publishedAt + DAY <= START + 25 * HOUR);
    assert.ok(expired.length > 0);
    for (const story of expired) {
      const pushed: Array<Record<string, unknown>> = harness
        .of('social.raw.post-metrics', story.id)
        .filter((value) => (value.envelope as { lineage: { method: string } }).lineage.method === 'WEBHOOK');
      assert.equal(pushed.length, 1, `story ${story.id}: one snapshot from story_insights`);
      assert.equal(typeof pushed[0]!.reach, 'number');
    }
  });

  it('a repeated cursor is refused as a loop after the pages before it landed; the next walk collects the rest', async () => {
    harness = await Harness.start({
      startTime: START,
      instagram: { mediaPageSize: 10 },
      beforeRun: (sim) => void sim.faults.set({ platform: 'instagram', kind: 'repeat-cursor', endpoint: 'media', count: 1 }),
    });
    const media = harness.run.health().find((entry) => entry.stream === 'media')!;
    assert.equal(media.lastFailureCode, 'CONNECTOR_PAGINATION_LOOP');
    assert.ok(harness.writer.on('social.raw.posts').length >= 10, 'the pages before the repeated cursor were delivered');
    await harness.advance(16 * MINUTE);
    const posts = ids(harness.writer.on('social.raw.posts'));
    for (const item of harness.sim.instagram.accounts[0]!.media.publishedBy(START)) assert.ok(posts.has(item.id), `post ${item.id}`);
  });

  it('a huge page (1000 items, padded to 8 MB) is read in full', async () => {
    harness = await Harness.start({
      startTime: START,
      knobs: { content: { postsPerAccount: 1_200 } },
      instagram: { insightsMinIntervalMs: 2 * DAY },
      beforeRun: (sim) => void sim.faults.set({ platform: 'instagram', kind: 'huge-page', endpoint: 'media', items: 1_000, count: 1 }),
    });
    const first = harness.sent.filter((sent) => sent.endpoint === 'ig.media').length;
    const posts = ids(harness.writer.on('social.raw.posts'));
    const published = harness.sim.instagram.accounts[0]!.media.publishedBy(START);
    for (const item of published) assert.ok(posts.has(item.id), `post ${item.id}`);
    assert.ok(first < Math.ceil(published.length / 50), `the huge page saved calls (${first} pages for ${published.length} media)`);
  });

  describe('bad input from the platform on the media list', () => {
    for (const kind of [
      'malformed-json',
      'html-200',
      'wrong-content-type',
      'nan-number',
      'duplicate-keys',
      'millisecond-timestamps',
    ] as const) {
      it(`${kind}: reported or normalised and counted, nothing missed after the next walk`, async () => {
        harness = await Harness.start({
          startTime: START,
          instagram: { mediaPageSize: 25 },
          beforeRun: (sim) => void sim.faults.set({ platform: 'instagram', kind, endpoint: 'media', count: 1 }),
        });
        await harness.advance(16 * MINUTE);
        const media = harness.run.health().find((entry) => entry.stream === 'media')!;
        const malformed = await harness.attempts('malformed', 'ig.media');
        if (kind === 'millisecond-timestamps') {
          assert.ok(harness.source.issues.count('timestamp-as-epoch-ms') > 0, 'normalised and counted');
        } else if (kind === 'duplicate-keys') {
          assert.equal(media.lastFailureAt, null, 'JSON with a repeated key is still JSON (the last value wins)');
        } else {
          assert.ok(malformed >= 1, `counted as malformed (${malformed})`);
          assert.equal(media.lastFailureCode, 'CONNECTOR_RESPONSE_MALFORMED');
        }
        const posts = ids(harness.writer.on('social.raw.posts'));
        for (const item of harness.sim.instagram.accounts[0]!.media.publishedBy(START)) assert.ok(posts.has(item.id), `post ${item.id}`);
        const published = harness.writer.on('social.raw.posts').map((value) => value.published_at);
        assert.ok(
          published.every((at) => typeof at === 'number' && at > START - 60 * DAY && at <= START),
          'times in range, in ms',
        );
      });
    }
  });

  it('the circuit breaker opens after consecutive 5xx, goes half-open, and closes after a good trial (visible in health)', async () => {
    harness = await Harness.start({
      startTime: START,
      beforeRun: (sim) => void sim.faults.set({ platform: 'instagram', kind: 'server-error', endpoint: 'media', status: 503, count: 5 }),
    });
    await harness.advance(40 * MINUTE);
    const states = [...harness.circuitStates].find(([key]) => key.startsWith('ig.media|'))?.[1] ?? [];
    assert.ok(states.includes('open'), `opened: ${states.join(' → ')}`);
    assert.ok(states.includes('half-open'), `half-open: ${states.join(' → ')}`);
    assert.equal(states.at(-1), 'closed', `closed again: ${states.join(' → ')}`);
    const posts = ids(harness.writer.on('social.raw.posts'));
    for (const item of harness.sim.instagram.accounts[0]!.media.publishedBy(START)) assert.ok(posts.has(item.id), `post ${item.id}`);
  });
});
