// Collection end to end (issue 4): the platform simulators → the three source processes (their
// main.ts, configured by environment like any deployment) → Kafka → sink-clickhouse → ClickHouse,
// compared with the simulators' ground truth: every entity and metric snapshot the simulators
// served is in the final tables, once; webhook deliveries (an Instagram comment, a TikTok
// revocation) arrive through the signed receivers as canonical rows.
import assert from 'node:assert/strict';
import { startPlatformSim } from '@tributary/platform-sim';
import type { PlatformSim } from '@tributary/platform-sim';
import type { Sink } from '@tributary/sink-clickhouse';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { errorLines, freePort, isolatedRun, servedKeys, simulatorEnvironment, spawnSource, startRunSink } from './collection-fixture.ts';
import type { IsolatedRun, SourceName, SourceProcess } from './collection-fixture.ts';
import { delay, waitFor } from './kafka-runtime-fixture.ts';

describe('collection end to end: simulators → three sources → Kafka → sink → ClickHouse (integration)', function () {
  this.timeout(300_000);
  let stack: TestStack;
  let run: IsolatedRun;
  let sim: PlatformSim;
  let sink: Sink | undefined;
  const sources: SourceProcess[] = [];

  before(async () => {
    stack = await useTestStack();
    run = await isolatedRun(stack, 'collect');
    sim = await startPlatformSim({
      seed: uniqueName('collection-e2e'),
      clock: { startTime: Date.now(), speed: 1 }, // the sources run on the system clock
      accounts: { tiktok: 1, instagram: 1, youtube: 1 },
      knobs: { content: { postsPerAccount: 25 } },
    });
  });

  after(async () => {
    for (const source of sources)
      if (source.process.exitCode === null && source.process.signalCode === null) source.process.kill('SIGKILL');
    await sink?.stop().catch(() => undefined);
    await sim?.close();
    await run?.drop();
  });

  async function rows(query: string): Promise<Array<Record<string, string>>> {
    return (await (await run.clickhouse.query({ query, format: 'JSONEachRow' })).json()) as Array<Record<string, string>>;
  }
  async function keys(query: string): Promise<Set<string>> {
    return new Set((await rows(query)).map((row) => `${row.platform}:${row.id}`));
  }

  it('lands everything the simulators served, once, and the webhook deliveries as canonical rows', async () => {
    const credentials = sim.credentials();
    const youtubeWebhookPort = await freePort();
    const env: Record<SourceName, Record<string, string>> = {
      tiktok: simulatorEnvironment(sim, 'tiktok'),
      instagram: simulatorEnvironment(sim, 'instagram'),
      youtube: {
        ...simulatorEnvironment(sim, 'youtube'),
        TRIBUTARY_SOURCE_YOUTUBE_WEBSUB_SECRET: 'collection-e2e-websub-secret',
        TRIBUTARY_SOURCE_YOUTUBE_WEBHOOK_PORT: String(youtubeWebhookPort),
        TRIBUTARY_SOURCE_YOUTUBE_WEBSUB_CALLBACK_URL: `http://127.0.0.1:${youtubeWebhookPort}/webhooks/youtube`,
      },
    };
    for (const name of ['tiktok', 'instagram', 'youtube'] as const) sources.push(spawnSource(stack, run, name, env[name]));
    const [tiktok, instagram] = await Promise.all(sources.map((source) => source.running));
    sim.webhooks.setTarget('tiktok', `${tiktok!.webhooks}/webhooks/tiktok`);
    sim.webhooks.setTarget('instagram', `${instagram!.webhooks}/webhooks/instagram`);
    sink = await startRunSink(stack, run);

    // Collection runs until everything served so far has landed (the simulators serve more as they are polled).
    const landed = async (): Promise<string[]> => {
      const want = servedKeys(sim);
      const posts = await keys('SELECT platform, post_id AS id FROM posts FINAL');
      const withMetrics = await keys('SELECT DISTINCT platform, post_id AS id FROM post_metrics');
      const accounts = await keys('SELECT DISTINCT platform, account_id AS id FROM account_metrics');
      const missing = [
        ...[...want.posts].filter((key) => !posts.has(key)).map((key) => `post ${key}`),
        ...[...want.postsWithMetrics].filter((key) => !withMetrics.has(key)).map((key) => `metrics of ${key}`),
        ...[...want.accounts].filter((key) => !accounts.has(key)).map((key) => `account ${key}`),
      ];
      return want.posts.size === 0 ? ['nothing served yet'] : missing;
    };
    let missing: string[] = [];
    await waitFor('the served entities to land', async () => (missing = await landed()).length === 0, 150_000).catch(() => undefined);
    assert.deepEqual(missing.slice(0, 20), [], `${missing.length} served items not in ClickHouse`);

    // Webhooks: a comment pushed by Instagram, a revocation pushed by TikTok.
    const media = [...servedKeys(sim).posts].find((key) => key.startsWith('INSTAGRAM:'))!.split(':')[1]!;
    const comment = await sim.webhooks.instagramComment(media);
    assert.equal(comment.status, 200, 'the Instagram delivery was acknowledged after persisting');
    const openId = credentials.tiktok.accounts[0]!.openId;
    const revoked = await sim.webhooks.tiktokRemoveAuthorization(openId, 1);
    assert.equal(revoked?.status, 200);
    await waitFor(
      'the revocation row',
      async () => (await rows(`SELECT event_id FROM deletions WHERE platform = 'TIKTOK'`)).length > 0,
      60_000,
    );

    // Stop the sources gracefully; the sink drains what they wrote.
    for (const source of sources) source.process.kill('SIGTERM');
    const exits = await Promise.all(sources.map((source) => source.exit));
    assert.deepEqual(
      exits.map((exit) => exit.code),
      [0, 0, 0],
      'each source stopped cleanly on SIGTERM',
    );
    await delay(3_000);

    const final = await landed();
    assert.deepEqual(final.slice(0, 20), [], `${final.length} served items not in ClickHouse after the stop`);
    const want = servedKeys(sim);
    const comments = await keys('SELECT platform, comment_id AS id FROM comments FINAL');
    const missingComments = [...want.comments].filter((key) => !comments.has(key));
    assert.deepEqual(missingComments.slice(0, 10), [], `${missingComments.length} served comments not in ClickHouse`);

    // Once: the final tables hold one row per event (duplicates from re-collection collapse on event_id).
    for (const table of ['posts', 'post_metrics', 'account_metrics', 'comments']) {
      const [counts] = await rows(`SELECT count() AS n, uniqExact(event_id) AS events FROM ${table} FINAL`);
      assert.equal(counts!.n, counts!.events, `${table}: one row per event_id`);
    }
    const [posts] = await rows('SELECT count() AS n, uniqExact(platform, post_id) AS entities FROM posts FINAL');
    assert.equal(posts!.n, posts!.entities, 'posts: one row per post');
    const platforms = await rows('SELECT platform, count() AS n FROM posts FINAL GROUP BY platform ORDER BY platform');
    assert.deepEqual(
      platforms.map((row) => row.platform),
      ['INSTAGRAM', 'TIKTOK', 'YOUTUBE'],
    );
    // Stories: insights captured while they were live (before the 24 h expiry).
    const stories = await rows(
      `SELECT p.post_id AS id, toString(p.published_at) AS published, toString(m.first) AS first, m.post_id AS measured
       FROM posts AS p FINAL
       LEFT JOIN (SELECT post_id, min(observed_at) AS first FROM post_metrics WHERE platform = 'INSTAGRAM' GROUP BY post_id) AS m
         ON p.post_id = m.post_id
       WHERE p.platform = 'INSTAGRAM' AND p.format = 'STORY'`,
    );
    assert.ok(stories.length > 0, 'the simulator served live stories');
    const utc = (text: string): number => Date.parse(`${text.replace(' ', 'T')}Z`);
    for (const story of stories) {
      assert.equal(story.measured, story.id, `story ${story.id} has insights`);
      assert.ok(utc(story.first!) < utc(story.published!) + 86_400_000, `story ${story.id} measured before it expired`);
    }
    for (const source of sources) {
      const fatal = source.lines.filter((line) => line.level === 'fatal');
      assert.deepEqual(fatal, [], `source-${source.name} logged no fatal line`);
      if (errorLines(source).length > 0)
        process.stdout.write(`      source-${source.name} error lines: ${JSON.stringify(errorLines(source).slice(0, 3))}\n`);
    }
  });
});
