import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import type { PlatformSim } from '../../src/index.ts';
import { bearer, call, DAY, postForm, startReceiver, startSim } from '../helpers.ts';

const QUOTA_MESSAGE =
  'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.';

describe('YouTube simulator', () => {
  let sim: PlatformSim;
  let token: string;
  let channelId: string;
  const data = (path: string, headers: Record<string, string> = {}) =>
    call(`${sim.baseUrls.youtube}/${path}`, { headers: bearer(token, headers) });
  const uploads = async () =>
    (await data('channels?part=contentDetails&mine=true')).json.items[0].contentDetails.relatedPlaylists.uploads as string;

  beforeEach(async () => {
    sim = await startSim();
    const account = sim.credentials().youtube.accounts[0]!;
    token = account.accessToken;
    channelId = account.channelId;
  });
  afterEach(() => sim.close());

  it('channels.list serves statistics as strings and the uploads playlist', async () => {
    const answer = await data('channels?part=snippet,statistics,contentDetails&mine=true');
    assert.equal(answer.status, 200);
    assert.equal(answer.json.kind, 'youtube#channelListResponse');
    const channel = answer.json.items[0];
    assert.equal(channel.id, channelId);
    assert.equal(typeof channel.etag, 'string');
    for (const name of ['viewCount', 'subscriberCount', 'videoCount']) assert.match(channel.statistics[name], /^\d+$/);
    assert.equal(channel.statistics.hiddenSubscriberCount, false);
    assert.equal(channel.statistics.videoCount, '45');
    assert.equal(channel.contentDetails.relatedPlaylists.uploads, `UU${channelId.slice(2)}`);
    const byId = await call(`${sim.baseUrls.youtube}/channels?part=id&id=${channelId}&key=${sim.credentials().youtube.apiKey}`);
    assert.equal(byId.json.items[0].id, channelId);
  });

  it('playlistItems.list pages with pageToken, approximate totalResults and a new etag each call', async () => {
    const playlist = await uploads();
    const ids: string[] = [];
    const etags = new Set<string>();
    let pageToken = '';
    let pages = 0;
    do {
      const answer = await data(
        `playlistItems?part=contentDetails&maxResults=20&playlistId=${playlist}${pageToken ? `&pageToken=${pageToken}` : ''}`,
      );
      assert.equal(answer.status, 200);
      etags.add(answer.json.etag);
      assert.ok(Math.abs(answer.json.pageInfo.totalResults - 45) <= 45 * 0.05 + 1, 'totalResults is approximate');
      for (const item of answer.json.items) {
        assert.equal(item.kind, 'youtube#playlistItem');
        assert.match(item.contentDetails.videoPublishedAt, /Z$/);
        ids.push(item.contentDetails.videoId);
      }
      pageToken = answer.json.nextPageToken ?? '';
      pages += 1;
    } while (pageToken);
    assert.equal(pages, 3);
    assert.equal(new Set(ids).size, 45);
    const again = await data(`playlistItems?part=contentDetails&maxResults=20&playlistId=${playlist}`);
    etags.add(again.json.etag);
    assert.equal(etags.size, 4, 'a new etag on every call');
    const bad = await data(`playlistItems?part=contentDetails&playlistId=${playlist}&pageToken=garbage`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.errors[0].reason, 'invalidPageToken');
    const tooBig = await data(`playlistItems?part=contentDetails&playlistId=${playlist}&maxResults=51`);
    assert.equal(tooBig.status, 400);
  });

  it('videos.list: ≤ 50 ids, unknown ids silently missing, statistics as strings, If-None-Match → 304 until metrics move', async () => {
    const playlist = await uploads();
    const items = (await data(`playlistItems?part=contentDetails&maxResults=3&playlistId=${playlist}`)).json.items;
    const ids = items.map((i: { contentDetails: { videoId: string } }) => i.contentDetails.videoId);
    const answer = await data(`videos?part=snippet,contentDetails,statistics&id=${[...ids, 'doesNotExist'].join(',')}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(
      answer.json.items.map((v: { id: string }) => v.id),
      ids,
    );
    const video = answer.json.items[0];
    for (const name of ['viewCount', 'likeCount', 'favoriteCount', 'commentCount']) assert.equal(typeof video.statistics[name], 'string');
    assert.match(video.contentDetails.duration, /^PT/);
    const etag = answer.json.etag;
    const unchanged = await data(`videos?part=snippet,contentDetails,statistics&id=${[...ids, 'doesNotExist'].join(',')}`, {
      'if-none-match': `"${etag}"`,
    });
    assert.equal(unchanged.status, 304);
    assert.equal(unchanged.text, '');
    await sim.advance(3_600_000);
    token = sim.issueCredential('youtube', channelId).accessToken;
    const moved = await data(`videos?part=statistics&id=${ids.join(',')}`, { 'if-none-match': `"${etag}"` });
    assert.equal(moved.status, 200);
    const tooMany = await data(`videos?part=id&id=${Array.from({ length: 51 }, (_, i) => `v${i}`).join(',')}`);
    assert.equal(tooMany.status, 400);
  });

  it('commentThreads.list pages up to 100 per page', async () => {
    const playlist = await uploads();
    const videoIds = (await data(`playlistItems?part=contentDetails&maxResults=50&playlistId=${playlist}`)).json.items.map(
      (i: { contentDetails: { videoId: string } }) => i.contentDetails.videoId,
    );
    const stats = (await data(`videos?part=statistics&id=${videoIds.join(',')}`)).json.items;
    const busy = stats.find((v: { statistics: { commentCount: string } }) => Number(v.statistics.commentCount) > 10);
    const answer = await data(`commentThreads?part=snippet&videoId=${busy.id}&maxResults=5`);
    assert.equal(answer.status, 200);
    assert.equal(answer.json.items.length, 5);
    const top = answer.json.items[0].snippet.topLevelComment;
    assert.equal(top.kind, 'youtube#comment');
    assert.equal(typeof top.snippet.likeCount, 'number');
    assert.ok(answer.json.nextPageToken);
    assert.equal((await data(`commentThreads?part=snippet&videoId=${busy.id}&maxResults=101`)).status, 400);
  });

  it('quota: every call costs ≥ 1 (invalid ones too), exhaustion is 403 quotaExceeded until midnight America/Los_Angeles', async () => {
    sim.setKnobs({ youtube: { dailyQuotaUnits: 5 } });
    assert.equal((await data('videos?part=statistics')).status, 400, 'invalid: missing id');
    assert.equal((await call(`${sim.baseUrls.youtube}/videos?part=id&id=x`)).status, 401, 'no credentials');
    for (let i = 0; i < 3; i++) assert.equal((await data('channels?part=id&mine=true')).status, 200);
    assert.equal(sim.stats().youtubeQuota.used, 5);
    const exhausted = await data('channels?part=id&mine=true');
    assert.equal(exhausted.status, 403);
    assert.deepEqual(exhausted.json, {
      error: { code: 403, message: QUOTA_MESSAGE, errors: [{ message: QUOTA_MESSAGE, domain: 'youtube.quota', reason: 'quotaExceeded' }] },
    });
    // Start is 04:00 PST on 20 Nov 2026; the reset is 08:00 UTC on 21 Nov.
    assert.equal(sim.stats().youtubeQuota.resetsAt, Date.parse('2026-11-21T08:00:00Z'));
    await sim.setTime(Date.parse('2026-11-21T07:59:59Z'));
    token = sim.issueCredential('youtube', channelId).accessToken;
    assert.equal((await data('channels?part=id&mine=true')).status, 403);
    await sim.setTime(Date.parse('2026-11-21T08:00:00Z'));
    assert.equal((await data('channels?part=id&mine=true')).status, 200);
    assert.equal(sim.stats().youtubeQuota.used, 1);
  });

  it('a 304 costs notModifiedCost units', async () => {
    sim.setKnobs({ youtube: { notModifiedCost: 0 } });
    const first = await data('videos?part=id&id=nothing');
    const before = sim.stats().youtubeQuota.used;
    assert.equal((await data('videos?part=id&id=nothing', { 'if-none-match': first.json.etag })).status, 304);
    assert.equal(sim.stats().youtubeQuota.used, before);
  });

  it('rateLimitExceeded knob and 401 authError bodies', async () => {
    sim.setKnobs({ youtube: { rateLimitExceededProbability: 1 } });
    const limited = await data('channels?part=id&mine=true');
    assert.equal(limited.status, 403);
    assert.equal(limited.json.error.errors[0].reason, 'rateLimitExceeded');
    sim.setKnobs({ youtube: { rateLimitExceededProbability: 0 } });
    const bad = await call(`${sim.baseUrls.youtube}/channels?part=id&mine=true`, { headers: bearer('ya29.invalid') });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error.status, 'UNAUTHENTICATED');
    assert.deepEqual(bad.json.error.errors[0], {
      message: 'Invalid Credentials',
      domain: 'global',
      reason: 'authError',
      location: 'Authorization',
      locationType: 'header',
    });
  });

  it('Google OAuth: refresh gives ~3599 s tokens; a revoked grant gets 400 invalid_grant', async () => {
    const { clientId, clientSecret, accounts } = sim.credentials().youtube;
    const form = {
      client_id: clientId,
      client_secret: clientSecret,
      grant_type: 'refresh_token',
      refresh_token: accounts[0]!.refreshToken,
    };
    await sim.advance(3_599_000);
    assert.equal((await data('channels?part=id&mine=true')).status, 401);
    const refreshed = await postForm(sim.baseUrls.googleOAuth, form);
    assert.equal(refreshed.status, 200);
    assert.equal(refreshed.json.expires_in, 3599);
    assert.equal(refreshed.json.token_type, 'Bearer');
    assert.equal(refreshed.json.refresh_token, undefined, 'Google does not rotate');
    assert.equal((await postForm(sim.baseUrls.googleOAuth, form)).status, 200, 'the same refresh token still works');
    sim.youtube.revokeGrant(channelId);
    const dead = await postForm(sim.baseUrls.googleOAuth, form);
    assert.equal(dead.status, 400);
    assert.deepEqual(dead.json, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
  });

  it('Analytics reports mark Shorts through creatorContentType (spelling is a knob) and refuse unsupported queries', async () => {
    const report = (query: string) =>
      call(`${sim.baseUrls.youtubeAnalytics}/v2/reports?ids=channel==MINE&${query}`, { headers: bearer(token) });
    const answer = await report('startDate=2026-11-01&endDate=2026-11-20&metrics=views,engagedViews,likes&dimensions=creatorContentType');
    assert.equal(answer.status, 200);
    assert.equal(answer.json.kind, 'youtubeAnalytics#resultTable');
    assert.deepEqual(answer.json.columnHeaders[0], { name: 'creatorContentType', columnType: 'DIMENSION', dataType: 'STRING' });
    assert.deepEqual(answer.json.columnHeaders[1], { name: 'views', columnType: 'METRIC', dataType: 'INTEGER' });
    const types = answer.json.rows.map((r: unknown[]) => r[0]);
    assert.ok(types.includes('SHORTS') && types.includes('VIDEO_ON_DEMAND'));
    sim.setKnobs({ youtube: { creatorContentTypeSpelling: 'camelCase' } });
    const camel = await report('startDate=2026-11-01&endDate=2026-11-20&metrics=views&dimensions=creatorContentType');
    assert.ok(camel.json.rows.some((r: unknown[]) => r[0] === 'shorts'));
    const daily = await report('startDate=2026-11-10&endDate=2026-11-20&metrics=views&dimensions=day');
    assert.equal(daily.json.rows.at(-1)[0], '2026-11-18', 'data ends analyticsLagDays before today');
    const unsupported = await report('startDate=2026-11-01&endDate=2026-11-20&metrics=views&dimensions=country');
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.json.error.message, 'The query is not supported.');
  });

  it('WebSub: intent verification, then signed Atom pushes for uploads, title changes and deletions', async () => {
    const receiver = await startReceiver();
    try {
      const topic = `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${channelId}`;
      const subscribe = await postForm(sim.baseUrls.youtubeWebSubHub, {
        'hub.mode': 'subscribe',
        'hub.callback': receiver.url,
        'hub.topic': topic,
        'hub.lease_seconds': '864000',
        'hub.secret': 's3cret',
      });
      assert.equal(subscribe.status, 202);
      await sim.idle();
      const verification = new URL(receiver.received[0]!.url, 'http://x');
      assert.equal(verification.searchParams.get('hub.mode'), 'subscribe');
      assert.equal(verification.searchParams.get('hub.topic'), topic);
      assert.equal(verification.searchParams.get('hub.lease_seconds'), '864000');
      assert.equal(sim.webhooks.youtubeSubscriptions().length, 1);

      await sim.advance(2 * DAY);
      const pushes = receiver.received.filter((r) => r.method === 'POST');
      assert.ok(pushes.length > 0, 'new uploads pushed');
      const parser = new XMLParser({ ignoreAttributes: false });
      for (const push of pushes) {
        assert.equal(push.headers['x-hub-signature'], `sha1=${createHmac('sha1', 's3cret').update(push.body).digest('hex')}`);
        assert.match(String(push.headers['content-type']), /atom\+xml/);
      }
      const feed = parser.parse(pushes[0]!.body).feed;
      assert.equal(feed.entry['yt:channelId'], channelId);
      const videoId = feed.entry['yt:videoId'];
      assert.equal(feed.entry.id, `yt:video:${videoId}`);
      await sim.webhooks.youtubeChangeTitle(videoId, 'New title <&>');
      assert.equal(parser.parse(receiver.received.at(-1)!.body).feed.entry.title, 'New title <&>');
      await sim.webhooks.youtubeDeleteVideo(videoId);
      const deleted = parser.parse(receiver.received.at(-1)!.body).feed['at:deleted-entry'];
      assert.equal(deleted['@_ref'], `yt:video:${videoId}`);
      token = sim.issueCredential('youtube', channelId).accessToken;
      assert.equal((await data(`videos?part=id&id=${videoId}`)).json.items.length, 0, 'deleted videos leave the API');

      receiver.onGet = () => [404, 'nope'];
      const sync = await postForm(sim.baseUrls.youtubeWebSubHub, {
        'hub.mode': 'subscribe',
        'hub.callback': receiver.url,
        'hub.topic': topic,
        'hub.verify': 'sync',
      });
      assert.equal(sync.status, 409, 'a callback that does not echo the challenge is not subscribed');
    } finally {
      await receiver.close();
    }
  });
});
