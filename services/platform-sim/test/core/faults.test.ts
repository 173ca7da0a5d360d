// Every fault knob produces its documented bad response, on each platform where it applies.
import assert from 'node:assert/strict';
import type { PlatformSim } from '../../src/index.ts';
import { bearer, call, postJson, startSim } from '../helpers.ts';

describe('fault knobs', () => {
  let sim: PlatformSim;
  let tiktokToken: string;
  let igToken: string;
  let igUser: string;
  let ytToken: string;
  const videoList = (body: unknown = { max_count: 5 }) =>
    postJson(`${sim.baseUrls.tiktok}/v2/video/list/?fields=id,create_time,view_count`, tiktokToken, body);
  const igMedia = (query = 'fields=id,timestamp,like_count&limit=5') =>
    call(`${sim.baseUrls.instagram}/v25.0/${igUser}/media?${query}&access_token=${igToken}`);
  const ytChannels = () => call(`${sim.baseUrls.youtube}/channels?part=statistics&mine=true`, { headers: bearer(ytToken) });

  beforeEach(async () => {
    sim = await startSim();
    const credentials = sim.credentials();
    tiktokToken = credentials.tiktok.accounts[0]!.accessToken;
    igToken = credentials.instagram.accounts[0]!.accessToken;
    igUser = credentials.instagram.accounts[0]!.igUserId;
    ytToken = credentials.youtube.accounts[0]!.accessToken;
  });
  afterEach(() => sim.close());

  it('throttle: a burst of N in each platform shape, with and without Retry-After and usage headers', async () => {
    sim.faults.set({ platform: 'tiktok', kind: 'throttle', endpoint: 'video.list', count: 2, retryAfterSeconds: 30 });
    for (let i = 0; i < 2; i++) {
      const answer = await videoList();
      assert.equal(answer.status, 429);
      assert.equal(answer.json.error.code, 'rate_limit_exceeded');
      assert.equal(answer.headers.get('retry-after'), '30');
    }
    assert.equal((await videoList()).status, 200, 'the burst is over');

    sim.faults.set({ platform: 'instagram', kind: 'throttle', count: 1, code: 17, usageHeaders: true });
    const ig = await igMedia();
    assert.equal(ig.json.error.code, 17);
    assert.equal(JSON.parse(ig.headers.get('x-app-usage')!).call_count, 100);
    assert.equal(JSON.parse(ig.headers.get('x-business-use-case-usage')!)[igUser][0].call_count, 100);
    sim.faults.set({ platform: 'instagram', kind: 'throttle', count: 1, code: 613 });
    const bare = await igMedia();
    assert.equal(bare.json.error.code, 613);
    assert.equal(bare.headers.get('x-app-usage'), null);
    assert.equal(bare.headers.get('retry-after'), null);

    sim.faults.set({ platform: 'youtube', kind: 'throttle', count: 1, status: 429, retryAfterSeconds: 5 });
    const yt = await ytChannels();
    assert.equal(yt.status, 429);
    assert.equal(yt.json.error.errors[0].reason, 'rateLimitExceeded');
    assert.equal(yt.headers.get('retry-after'), '5');
  });

  it('server-error: a 5xx burst of N, then normal answers', async () => {
    sim.faults.set({ platform: 'youtube', kind: 'server-error', count: 3, status: 503 });
    for (let i = 0; i < 3; i++) {
      const answer = await ytChannels();
      assert.equal(answer.status, 503);
      assert.equal(answer.json.error.errors[0].reason, 'backendError');
    }
    assert.equal((await ytChannels()).status, 200);
    sim.faults.set({ platform: 'tiktok', kind: 'server-error', count: 1 });
    const tiktok = await videoList();
    assert.equal(tiktok.status, 500);
    assert.equal(tiktok.json.error.code, 'internal_error');
    sim.faults.set({ platform: 'instagram', kind: 'server-error', count: 1 });
    assert.equal((await igMedia()).json.error.code, 2);
  });

  it('hang never answers; delay answers late', async () => {
    sim.faults.set({ platform: 'tiktok', kind: 'hang', count: 1 });
    await assert.rejects(
      fetch(`${sim.baseUrls.tiktok}/v2/video/list/?fields=id`, {
        method: 'POST',
        headers: bearer(tiktokToken),
        body: '{}',
        signal: AbortSignal.timeout(200),
      }),
      (error: Error) => error.name === 'TimeoutError',
    );
    assert.equal((await videoList()).status, 200, 'only one request hangs');
    sim.faults.set({ platform: 'tiktok', kind: 'delay', count: 1, delayMs: 300 });
    await assert.rejects(
      fetch(`${sim.baseUrls.tiktok}/v2/video/list/?fields=id`, {
        method: 'POST',
        headers: bearer(tiktokToken),
        body: '{}',
        signal: AbortSignal.timeout(50),
      }),
      (error: Error) => error.name === 'TimeoutError',
    );
    sim.faults.set({ platform: 'tiktok', kind: 'delay', count: 1, delayMs: 20 });
    assert.equal((await videoList()).status, 200, 'a patient client gets the answer');
  });

  it('expire-token expires credentials mid-run with each platform error', async () => {
    assert.equal(sim.faults.expireTokens('tiktok'), 2);
    assert.equal((await videoList()).json.error.code, 'access_token_invalid');
    sim.faults.set({ platform: 'instagram', kind: 'expire-token', account: igUser });
    const ig = await igMedia();
    assert.equal(ig.json.error.code, 190);
    assert.equal(ig.json.error.error_subcode, 463);
    sim.faults.expireTokens('youtube');
    assert.equal((await ytChannels()).json.error.errors[0].reason, 'authError');
  });

  it('repeat-cursor: the next page points at the cursor just used', async () => {
    const first = await videoList();
    const cursor = first.json.data.cursor;
    sim.faults.set({ platform: 'tiktok', kind: 'repeat-cursor', count: 1 });
    const second = await videoList({ max_count: 5, cursor });
    assert.equal(second.json.data.cursor, cursor);

    const igFirst = await igMedia();
    const after = igFirst.json.paging.cursors.after;
    sim.faults.set({ platform: 'instagram', kind: 'repeat-cursor', count: 1 });
    const igSecond = await call(igFirst.json.paging.next);
    assert.equal(new URL(igSecond.json.paging.next).searchParams.get('after'), after);

    const playlist = `UU${sim.credentials().youtube.accounts[0]!.channelId.slice(2)}`;
    const ytFirst = await call(`${sim.baseUrls.youtube}/playlistItems?part=id&maxResults=5&playlistId=${playlist}`, {
      headers: bearer(ytToken),
    });
    sim.faults.set({ platform: 'youtube', kind: 'repeat-cursor', count: 1 });
    const token = ytFirst.json.nextPageToken;
    const ytSecond = await call(`${sim.baseUrls.youtube}/playlistItems?part=id&maxResults=5&playlistId=${playlist}&pageToken=${token}`, {
      headers: bearer(ytToken),
    });
    assert.equal(ytSecond.json.nextPageToken, token);
  });

  it('empty-page: no items but a way on', async () => {
    sim.faults.set({ platform: 'tiktok', kind: 'empty-page', count: 1 });
    const tiktok = await videoList();
    assert.deepEqual(tiktok.json.data.videos, []);
    assert.equal(tiktok.json.data.has_more, true);
    sim.faults.set({ platform: 'instagram', kind: 'empty-page', count: 1 });
    const ig = await igMedia();
    assert.deepEqual(ig.json.data, []);
    const next = await call(ig.json.paging.next);
    assert.equal(next.json.data.length, 5, 'the next link continues from the same position');
    sim.faults.set({ platform: 'youtube', kind: 'empty-page', count: 1 });
    const playlist = `UU${sim.credentials().youtube.accounts[0]!.channelId.slice(2)}`;
    const yt = await call(`${sim.baseUrls.youtube}/playlistItems?part=id&maxResults=5&playlistId=${playlist}`, {
      headers: bearer(ytToken),
    });
    assert.deepEqual(yt.json.items, []);
    assert.ok(yt.json.nextPageToken);
  });

  it('huge-page: the limit is ignored and the body is padded to the asked size (still valid JSON)', async () => {
    sim.faults.set({ platform: 'instagram', kind: 'huge-page', count: 1, items: 40, bytes: 3_000_000 });
    const ig = await igMedia();
    assert.equal(ig.json.data.length, 40);
    assert.ok(Buffer.byteLength(ig.text) >= 3_000_000);
    sim.faults.set({ platform: 'tiktok', kind: 'huge-page', count: 1, items: 30, bytes: 1_000 });
    assert.equal((await videoList()).json.data.videos.length, 30);
  });

  it('malformed-json, html-200 and wrong-content-type', async () => {
    sim.faults.set({ platform: 'tiktok', kind: 'malformed-json', count: 1 });
    const broken = await videoList();
    assert.equal(broken.status, 200);
    assert.throws(() => JSON.parse(broken.text));
    sim.faults.set({ platform: 'youtube', kind: 'html-200', count: 1 });
    const html = await ytChannels();
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type')!, /^text\/html/);
    assert.match(html.text, /^<!DOCTYPE html>/);
    sim.faults.set({ platform: 'instagram', kind: 'wrong-content-type', count: 1 });
    const wrong = await igMedia();
    assert.match(wrong.headers.get('content-type')!, /^text\/html/);
    assert.equal(wrong.json.data.length, 5, 'the body itself is intact');
  });

  it('nan-number and duplicate-keys corrupt a count field in the text', async () => {
    sim.faults.set({ platform: 'tiktok', kind: 'nan-number', count: 1 });
    const nan = await videoList();
    assert.match(nan.text, /"view_count":NaN/);
    assert.throws(() => JSON.parse(nan.text));
    sim.faults.set({ platform: 'youtube', kind: 'nan-number', count: 1 });
    assert.match((await ytChannels()).text, /"(viewCount|subscriberCount|videoCount)":NaN/);
    sim.faults.set({ platform: 'instagram', kind: 'duplicate-keys', count: 1 });
    const duplicate = await igMedia();
    const match = /"like_count":(\d+),"like_count":(\d+)/.exec(duplicate.text);
    assert.ok(match, duplicate.text.slice(0, 200));
    assert.notEqual(match[1], match[2]);
  });

  it('millisecond-timestamps: seconds become milliseconds, ISO strings become epoch ms', async () => {
    const normal = await videoList();
    sim.faults.set({ platform: 'tiktok', kind: 'millisecond-timestamps', count: 1 });
    const ms = await videoList();
    assert.equal(ms.json.data.videos[0].create_time, normal.json.data.videos[0].create_time * 1000);
    const igNormal = await igMedia();
    sim.faults.set({ platform: 'instagram', kind: 'millisecond-timestamps', count: 1 });
    const ig = await igMedia();
    assert.equal(ig.json.data[0].timestamp, Date.parse(igNormal.json.data[0].timestamp.replace('+0000', 'Z')));
  });

  it('future-timestamps: every documented timestamp moves 400 days ahead in its own format', async () => {
    const normal = await videoList();
    sim.faults.set({ platform: 'tiktok', kind: 'future-timestamps', count: 1 });
    const future = await videoList();
    assert.equal(future.json.data.videos[0].create_time, normal.json.data.videos[0].create_time + 400 * 86_400);
    const igNormal = await igMedia();
    sim.faults.set({ platform: 'instagram', kind: 'future-timestamps', count: 1 });
    const ig = await igMedia();
    assert.match(ig.json.data[0].timestamp, /\+0000$/, 'the ISO format is kept');
    assert.equal(
      Date.parse(ig.json.data[0].timestamp.replace('+0000', 'Z')) - Date.parse(igNormal.json.data[0].timestamp.replace('+0000', 'Z')),
      400 * 86_400_000,
    );
  });

  it('faults target one endpoint, can be listed and cleared, and can be set over HTTP', async () => {
    sim.faults.set({ platform: 'tiktok', kind: 'server-error', endpoint: 'user.info' });
    assert.equal((await videoList()).status, 200, 'another endpoint is unaffected');
    assert.equal(sim.faults.list().length, 1);
    assert.equal(sim.faults.clear({ platform: 'tiktok' }), 1);
    const set = await call(`${sim.baseUrls.admin}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'tiktok', kind: 'server-error', count: 1, status: 502 }),
    });
    assert.equal(set.status, 200);
    assert.equal(set.json.fault.kind, 'server-error');
    assert.equal((await videoList()).status, 502);
    const unknown = await call(`${sim.baseUrls.admin}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'tiktok', kind: 'nonsense' }),
    });
    assert.equal(unknown.status, 400);
  });
});
