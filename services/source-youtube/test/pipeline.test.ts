// The source's declarations through the real request pipeline against the simulator: etag 304s,
// partial batches, pagination pathologies, bad bodies, and the circuit breaker in requester health.
import assert from 'node:assert/strict';
import { isTributaryError } from '@tributary/errors';
import type { ApiResponse, FanOutStreamDeclaration, ListPage, ListStreamDeclaration, StreamContext } from '@tributary/connector-kit';
import { Harness } from './harness.ts';
import type { PlaylistItem } from '../src/streams/uploads.ts';

const START = Date.parse('2026-11-20T12:00:00Z');

describe('source-youtube: declarations through the request pipeline', function () {
  this.timeout(30_000);
  let harness: Harness;
  let channelId: string;
  let uploads: ListStreamDeclaration<PlaylistItem>;
  let videos: FanOutStreamDeclaration;
  const context = (stream: string): StreamContext => ({
    source: 'source-youtube',
    platform: 'YOUTUBE',
    stream,
    scope: channelId,
    credential: channelId,
    priority: 'fresh',
    method: 'poll',
    snapshotBucket: START,
    traceparent: null,
  });

  beforeEach(async () => {
    harness = await Harness.start({
      startTime: START,
      run: false,
      knobs: { content: { postsPerAccount: 57 } },
      youtube: { uploadsPageSize: 10 },
    });
    channelId = harness.channelIds[0]!;
    uploads = harness.source.declaration.streams.find((s) => s.name === 'uploads') as ListStreamDeclaration<PlaylistItem>;
    videos = harness.source.declaration.streams.find((s) => s.name === 'videos') as FanOutStreamDeclaration;
  });
  afterEach(() => harness.stop());

  async function walk(): Promise<Array<ListPage<PlaylistItem>>> {
    const pages: Array<ListPage<PlaylistItem>> = [];
    for await (const page of uploads.paginate(harness.requester, uploads.request(context('uploads'), null), null)) pages.push(page);
    return pages;
  }
  const videoIds = (pages: Array<ListPage<PlaylistItem>>) =>
    pages.flatMap((page) => page.items.map((item) => (item.contentDetails as { videoId: string }).videoId));

  async function someVideoIds(count: number): Promise<string[]> {
    return videoIds(await walk()).slice(0, count);
  }

  it('videos.list is conditional: the same batch again is a 304 (source not-modified) and maps to the same Post', async () => {
    const ids = (await someVideoIds(5)).map((id) => ({ id, publishedAt: START }));
    const request = videos.request(context('videos'), ids);
    assert.equal(request.conditional, true);
    const first = await harness.requester.request(request);
    const second = await harness.requester.request(request);
    assert.equal(first.source, 'network');
    assert.equal(second.source, 'not-modified');
    assert.equal(harness.requester.health().cache.notModified, 1);
    const postIds = (response: ApiResponse) =>
      videos
        .map(response, ids, context('videos'))
        .filter((e) => e.topic === 'social.raw.posts')
        .map((e) => (e.value.envelope as { event_id: string }).event_id);
    assert.deepEqual(postIds(second), postIds(first));
    assert.equal(
      uploads.request(context('uploads'), null).conditional,
      undefined,
      'playlistItems.list changes its etag on every call: never conditional',
    );
  });

  it('a deleted video missing from its batch becomes a Deletion while the rest of the batch lands', async () => {
    const ids = await someVideoIds(5);
    await harness.sim.youtube.deleteVideo(ids[2]!);
    const entities = ids.map((id) => ({ id, publishedAt: START }));
    const response = await harness.requester.request(videos.request(context('videos'), entities));
    const events = videos.map(response, entities, context('videos'));
    assert.equal(events.filter((e) => e.topic === 'social.raw.posts').length, 4);
    const deletions = events.filter((e) => e.topic === 'social.raw.deletions');
    assert.deepEqual(
      deletions.map((e) => (e.value.envelope as { entity_id: string }).entity_id),
      [ids[2]],
    );
    assert.equal(harness.quality.count('video-missing-from-batch'), 1);
  });

  it('pagination: short last page, an empty page that still has a next token, and a huge page all yield every upload once', async () => {
    const all = videoIds(await walk());
    assert.ok(all.length > 10 && all.length % 10 !== 0, 'the last page is short');
    assert.equal(new Set(all).size, all.length);
    harness.sim.faults.set({ platform: 'youtube', kind: 'empty-page', endpoint: 'playlistItems.list', count: 1 });
    assert.deepEqual(videoIds(await walk()), all);
    harness.sim.faults.set({ platform: 'youtube', kind: 'huge-page', endpoint: 'playlistItems.list', count: 1, bytes: 4 * 1024 * 1024 });
    const huge = await walk();
    assert.equal(huge.length, 1, 'one page held everything');
    assert.deepEqual(videoIds(huge), all);
  });

  it('pagination: a repeated page token is refused as a loop after the pages before it were yielded', async () => {
    harness.sim.faults.set({ platform: 'youtube', kind: 'repeat-cursor', endpoint: 'playlistItems.list', count: 1 });
    const pages: Array<ListPage<PlaylistItem>> = [];
    await assert.rejects(
      async () => {
        for await (const page of uploads.paginate(harness.requester, uploads.request(context('uploads'), null), null)) pages.push(page);
      },
      (error: unknown) => isTributaryError(error) && error.code === 'CONNECTOR_PAGINATION_LOOP',
    );
    assert.ok(pages.length >= 2, 'the pages before the loop were yielded');
  });

  for (const kind of ['malformed-json', 'html-200', 'wrong-content-type', 'nan-number'] as const) {
    it(`a ${kind} body is a clear non-retryable error, counted as malformed; the next call is fine`, async () => {
      const entities = (await someVideoIds(3)).map((id) => ({ id, publishedAt: START }));
      harness.sim.faults.set({ platform: 'youtube', kind, endpoint: 'videos.list', count: 1 });
      await assert.rejects(harness.requester.request(videos.request(context('videos'), entities)), (error: unknown) => {
        assert.ok(isTributaryError(error));
        assert.equal(error.retryable, false);
        assert.equal(error.failureType, 'data');
        return true;
      });
      assert.equal(await harness.attempts('malformed', 'videos.list'), 1);
      const response = await harness.requester.request(videos.request(context('videos'), entities));
      assert.equal(videos.map(response, entities, context('videos')).filter((e) => e.topic === 'social.raw.post-metrics').length, 3);
    });
  }

  it('a duplicated key in a statistics object: JSON.parse keeps the last value (documented weakness: not detected)', async () => {
    const entities = (await someVideoIds(1)).map((id) => ({ id, publishedAt: START }));
    harness.sim.faults.set({ platform: 'youtube', kind: 'duplicate-keys', endpoint: 'videos.list', count: 1 });
    const response = await harness.requester.request(videos.request(context('videos'), entities));
    const [metrics] = videos.map(response, entities, context('videos')).filter((e) => e.topic === 'social.raw.post-metrics');
    assert.equal(typeof metrics!.value.views, 'number');
  });

  it('server errors open the circuit (visible in requester health), which half-opens and closes again', async () => {
    const entities = (await someVideoIds(2)).map((id) => ({ id, publishedAt: START }));
    harness.sim.faults.set({ platform: 'youtube', kind: 'server-error', endpoint: 'videos.list', status: 503 });
    const circuit = () => harness.requester.health().circuits.find((c) => c.key.startsWith('videos.list'))?.state;
    for (let attempt = 0; attempt < 3 && circuit() !== 'open'; attempt++) {
      const call = harness.requester.request(videos.request(context('videos'), entities)).catch((error: unknown) => error);
      await harness.advance(60_000);
      assert.ok(isTributaryError(await call));
    }
    assert.equal(circuit(), 'open');
    harness.sim.faults.clear({ platform: 'youtube' });
    await harness.advance(30_000);
    harness.sim.faults.set({ platform: 'youtube', kind: 'delay', endpoint: 'videos.list', delayMs: 300, count: 1 });
    const trial = harness.requester.request(videos.request(context('videos'), entities));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the trial call is on the wire
    assert.equal(circuit(), 'half-open', 'one trial call goes through after the open period');
    assert.equal((await trial).status, 200);
    assert.equal(circuit(), 'closed');
  });

  it('403 rateLimitExceeded with Retry-After: the scope waits that long, then the call succeeds; exactly one throttled answer', async () => {
    const entities = (await someVideoIds(2)).map((id) => ({ id, publishedAt: START }));
    harness.sim.faults.set({ platform: 'youtube', kind: 'throttle', endpoint: 'videos.list', count: 1, retryAfterSeconds: 120 });
    const started = harness.clock.now();
    const call = harness.requester.request(videos.request(context('videos'), entities));
    await harness.advance(119_000);
    assert.equal(await harness.attempts('ok', 'videos.list'), 0, 'nothing sent before Retry-After elapsed');
    await harness.advance(1_000);
    const response = await call;
    assert.equal(response.status, 200);
    assert.ok(response.receivedAt - started >= 120_000);
    assert.equal(await harness.attempts('throttled', 'videos.list'), 1);
  });
});
