// Crash test of the sources (issue 4, reliability.md F1/F2): source-tiktok and source-youtube
// processes are SIGKILLed at random moments while they page through slowed-down simulator
// answers — so most kills land mid-page, between a response and its write, or between the write
// and the checkpoint — and restarted each time, with their credentials in the encrypted store.
// Afterwards every video the simulators served is in ClickHouse with its metrics, and the final
// tables hold each event once however often it was collected again.
//   TRIBUTARY_SOURCE_CRASH_TEST_KILLS (default 12) rounds of kills.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processEnvironment } from '@tributary/config';
import { startPlatformSim } from '@tributary/platform-sim';
import type { PlatformSim } from '@tributary/platform-sim';
import type { Sink } from '@tributary/sink-clickhouse';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { isolatedRun, simulatorEnvironment, spawnSource, startRunSink } from './collection-fixture.ts';
import type { IsolatedRun, SourceName, SourceProcess } from './collection-fixture.ts';
import { delay, waitFor } from './kafka-runtime-fixture.ts';

const KILLS = Number(processEnvironment().TRIBUTARY_SOURCE_CRASH_TEST_KILLS ?? 12);

describe('sources under SIGKILL (crash test, integration)', function () {
  this.timeout(Math.max(300_000, KILLS * 20_000));
  let stack: TestStack;
  let run: IsolatedRun;
  let sim: PlatformSim;
  let sink: Sink | undefined;
  let storeDirectory: string;
  const live = new Set<SourceProcess>();

  before(async () => {
    stack = await useTestStack();
    run = await isolatedRun(stack, 'source_crash');
    storeDirectory = mkdtempSync(join(tmpdir(), 'tributary-source-crash-'));
    sim = await startPlatformSim({
      seed: uniqueName('source-crash'),
      clock: { startTime: Date.now(), speed: 1 },
      accounts: { tiktok: 2, instagram: 0, youtube: 1 },
      knobs: { content: { postsPerAccount: 120, newPostsPerDay: 0 } },
    });
    // Slow pages: a kill is most likely to land while a page is in flight or being written.
    for (const endpoint of ['video.list', 'video.query']) sim.faults.set({ platform: 'tiktok', kind: 'delay', endpoint, delayMs: 150 });
    for (const endpoint of ['playlistItems.list', 'videos.list'])
      sim.faults.set({ platform: 'youtube', kind: 'delay', endpoint, delayMs: 150 });
  });

  after(async () => {
    for (const source of live) source.process.kill('SIGKILL');
    await sink?.stop().catch(() => undefined);
    await sim?.close();
    await run?.drop();
    rmSync(storeDirectory, { recursive: true, force: true });
  });

  function environment(name: SourceName): Record<string, string> {
    const prefix = `TRIBUTARY_SOURCE_${name.toUpperCase()}`;
    return {
      ...simulatorEnvironment(sim, name),
      TRIBUTARY_CREDENTIALS_STORE_PATH: join(storeDirectory, name),
      TRIBUTARY_CREDENTIALS_ENCRYPTION_KEY: encryptionKey,
      [`${prefix}_WEBHOOK_ENABLED`]: 'false',
      ...(name === 'youtube' ? { TRIBUTARY_SOURCE_YOUTUBE_UPLOADS_PAGE_SIZE: '20' } : {}),
    };
  }
  const encryptionKey = randomBytes(32).toString('base64');

  function start(name: SourceName): SourceProcess {
    const source = spawnSource(stack, run, name, environment(name));
    live.add(source);
    void source.exit.then(() => live.delete(source));
    return source;
  }

  async function rows(query: string): Promise<Array<Record<string, string>>> {
    return (await (await run.clickhouse.query({ query, format: 'JSONEachRow' })).json()) as Array<Record<string, string>>;
  }

  it('after repeated SIGKILLs mid-page and restarts, nothing the simulators served is missing and each event is in the final tables once', async () => {
    sink = await startRunSink(stack, run);
    let kills = 0;
    for (let round = 0; round < KILLS; round++) {
      const round$ = (['tiktok', 'youtube'] as const).map(start);
      await delay(400 + Math.floor(Math.random() * 2_600)); // random moments: starting, paging, writing, checkpointing
      for (const source of round$) {
        source.process.kill('SIGKILL');
        const exit = await source.exit;
        if (exit.signal === 'SIGKILL') kills += 1;
        else
          assert.fail(`source-${source.name} exited on its own (${exit.code}) before the kill: ${JSON.stringify(source.lines.slice(-3))}`);
      }
    }
    assert.ok(kills >= KILLS * 2, `${kills} SIGKILLs`);

    // A last, undisturbed run finishes the walks.
    const survivors = (['tiktok', 'youtube'] as const).map(start);
    await Promise.all(survivors.map((source) => source.running));
    const served = (): { videos: Set<string>; withMetrics: Set<string> } => {
      const truth = sim.groundTruth();
      const platform = (name: string): string => (name === 'tiktok' ? 'TIKTOK' : 'YOUTUBE');
      return {
        videos: new Set(truth.entities.filter((e) => e.kind === 'video').map((e) => `${platform(e.platform)}:${e.id}`)),
        withMetrics: new Set(truth.metrics.filter((m) => m.kind === 'video').map((m) => `${platform(m.platform)}:${m.id}`)),
      };
    };
    let missing: string[] = [];
    await waitFor(
      'every served video with its metrics in ClickHouse',
      async () => {
        const want = served();
        const posts = new Set((await rows('SELECT platform, post_id FROM posts FINAL')).map((r) => `${r.platform}:${r.post_id}`));
        const metrics = new Set(
          (await rows('SELECT DISTINCT platform, post_id FROM post_metrics')).map((r) => `${r.platform}:${r.post_id}`),
        );
        missing = [
          ...[...want.videos].filter((key) => !posts.has(key)).map((key) => `post ${key}`),
          ...[...want.withMetrics].filter((key) => !metrics.has(key)).map((key) => `metrics ${key}`),
        ];
        if (want.videos.size < 3 * 120) missing.push(`only ${want.videos.size} of ${3 * 120} videos served yet`);
        return missing.length === 0;
      },
      180_000,
    ).catch(() => undefined);
    for (const source of survivors) source.process.kill('SIGTERM');
    await Promise.all(survivors.map((source) => source.exit));
    assert.deepEqual(missing.slice(0, 20), [], `${missing.length} served items missing after ${kills} kills`);

    // Re-collection after kills writes the same events again; the final tables keep each once.
    for (const table of ['posts', 'post_metrics', 'account_metrics']) {
      const [counts] = await rows(`SELECT count() AS n, uniqExact(event_id) AS events FROM ${table} FINAL`);
      assert.equal(counts!.n, counts!.events, `${table}: one row per event_id`);
    }
    const [posts] = await rows('SELECT count() AS n, uniqExact(platform, post_id) AS entities FROM posts FINAL');
    assert.equal(posts!.n, posts!.entities, 'posts: one row per post');
    const [landing] = await rows('SELECT count() AS n, uniqExact(event_id) AS events FROM landing_posts');
    process.stdout.write(
      `      ${kills} kills; landing_posts ${landing!.n} rows for ${landing!.events} events (re-collected duplicates absorbed by the final tables)\n`,
    );
  });
});
