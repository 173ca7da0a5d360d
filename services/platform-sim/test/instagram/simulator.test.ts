import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { PlatformSim } from '../../src/index.ts';
import { call, DAY, HOUR, startReceiver, startSim } from '../helpers.ts';

describe('Instagram simulator', () => {
  let sim: PlatformSim;
  let token: string;
  let userId: string;
  const graph = (path: string, params: Record<string, string> = {}) => {
    const url = new URL(`${sim.baseUrls.instagram}/v25.0/${path}`);
    for (const [name, value] of Object.entries({ access_token: token, ...params })) url.searchParams.set(name, value);
    return call(url.toString());
  };
  const allMedia = async (params: Record<string, string>) => {
    const pages: { data: { id: string }[]; paging?: { next?: string } }[] = [];
    let answer = await graph(`${userId}/media`, params);
    for (;;) {
      assert.equal(answer.status, 200, answer.text);
      pages.push(answer.json);
      const next = answer.json.paging?.next;
      if (!next) break;
      answer = await call(next);
    }
    return pages;
  };

  beforeEach(async () => {
    sim = await startSim();
    const account = sim.credentials().instagram.accounts[0]!;
    token = account.accessToken;
    userId = account.igUserId;
  });
  afterEach(() => sim.close());

  it('serves the IG user with the requested fields', async () => {
    const answer = await graph(userId, { fields: 'id,username,followers_count,follows_count,media_count' });
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.json).sort(), ['followers_count', 'follows_count', 'id', 'media_count', 'username']);
    assert.equal(answer.json.id, userId);
    assert.equal(answer.json.media_count, 45);
    assert.ok(answer.headers.get('x-fb-trace-id'));
    const me = await graph('me', { fields: 'id' });
    assert.equal(me.json.id, userId);
  });

  it('pages /media with cursors; the last page has no next', async () => {
    const pages = await allMedia({
      fields: 'id,caption,media_type,media_product_type,permalink,timestamp,like_count,comments_count',
      limit: '10',
    });
    const media = pages.flatMap((p) => p.data);
    assert.equal(media.length, 45);
    assert.equal(new Set(media.map((m) => m.id)).size, 45);
    assert.equal(pages.length, 5);
    assert.equal(pages.at(-1)!.paging?.next, undefined);
    const first = pages[0]!.data[0] as unknown as Record<string, unknown>;
    assert.match(String(first.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    assert.ok(['FEED', 'REELS'].includes(String(first.media_product_type)));
    assert.ok(['IMAGE', 'VIDEO', 'CAROUSEL_ALBUM'].includes(String(first.media_type)));
    assert.equal(typeof first.like_count, 'number');
    assert.ok(BigInt(String(first.id)) > 2n ** 53n);
  });

  it('short pages and an empty page that still has next lose nothing', async () => {
    sim.setKnobs({ instagram: { shortPageProbability: 0.5, emptyPageEvery: 3 } });
    const pages = await allMedia({ fields: 'id', limit: '10' });
    const media = pages.flatMap((p) => p.data);
    assert.equal(new Set(media.map((m) => m.id)).size, 45);
    assert.equal(media.length, 45);
    const empty = pages.filter((p) => p.data.length === 0);
    assert.ok(empty.length > 0);
    for (const page of empty) assert.ok(page.paging?.next, 'an empty page still links to the next one');
    assert.ok(
      pages.some((p) => p.data.length > 0 && p.data.length < 10 && p.paging?.next),
      'a short page that is not the last',
    );
  });

  it('stories live 24 h: then they leave /stories and their insights fail', async () => {
    const live = await graph(`${userId}/stories`, { fields: 'id,media_product_type,timestamp' });
    assert.equal(live.status, 200);
    assert.ok(live.json.data.length > 0);
    const story = live.json.data[0];
    assert.equal(story.media_product_type, 'STORY');
    const insights = await graph(`${story.id}/insights`, { metric: 'reach,views,replies,navigation' });
    assert.equal(insights.status, 200);
    assert.deepEqual(
      insights.json.data.map((d: { name: string }) => d.name),
      ['reach', 'views', 'replies', 'navigation'],
    );
    await sim.advance(DAY);
    token = sim.issueCredential('instagram', userId).accessToken;
    const after = await graph(`${userId}/stories`, { fields: 'id' });
    assert.ok(!after.json.data.some((s: { id: string }) => s.id === story.id));
    const gone = await graph(`${story.id}/insights`, { metric: 'reach' });
    assert.equal(gone.status, 400);
    assert.equal(gone.json.error.code, 100);
    sim.setKnobs({ instagram: { expiredStoryInsights: 'empty' } });
    assert.deepEqual((await graph(`${story.id}/insights`, { metric: 'reach' })).json, { data: [] });
  });

  it('media insights follow the per-type metric lists; deprecated metrics are an error; unavailable is an empty array', async () => {
    const pages = await allMedia({ fields: 'id,media_product_type', limit: '100' });
    const media = pages.flatMap((p) => p.data) as unknown as { id: string; media_product_type: string }[];
    const reel = media.find((m) => m.media_product_type === 'REELS')!;
    const feed = media.find((m) => m.media_product_type === 'FEED')!;
    const reelInsights = await graph(`${reel.id}/insights`, { metric: 'reach,views,ig_reels_avg_watch_time' });
    assert.equal(reelInsights.status, 200);
    const entry = reelInsights.json.data[0];
    assert.deepEqual(Object.keys(entry).sort(), ['description', 'id', 'name', 'period', 'title', 'values']);
    assert.equal(entry.period, 'lifetime');
    assert.equal(typeof entry.values[0].value, 'number');
    const wrongType = await graph(`${feed.id}/insights`, { metric: 'ig_reels_avg_watch_time' });
    assert.equal(wrongType.json.error.code, 100);
    for (const metric of ['impressions', 'plays', 'video_views']) {
      const deprecated = await graph(`${feed.id}/insights`, { metric });
      assert.equal(deprecated.status, 400);
      assert.equal(deprecated.json.error.code, 100);
      assert.match(deprecated.json.error.message, new RegExp(`${metric} metric is no longer supported`));
      assert.equal(typeof deprecated.json.error.fbtrace_id, 'string');
    }
    sim.setKnobs({ instagram: { insightsAvailableAfterMs: 100 * DAY } });
    assert.deepEqual((await graph(`${feed.id}/insights`, { metric: 'reach' })).json, { data: [] });
    sim.setKnobs({ instagram: { insightsAvailableAfterMs: 0, minReachForInsights: 10_000_000 } });
    const small = await graph(`${feed.id}/insights`, { metric: 'reach' });
    assert.equal(small.json.error.code, 10);
    assert.equal(small.json.error.message, '(#10) Not enough viewers for the media to show insights');
  });

  it('account insights return total_value per metric and refuse impressions', async () => {
    const until = Math.floor(sim.now() / 1000);
    const answer = await graph(`${userId}/insights`, {
      metric: 'reach,views,follower_count',
      period: 'day',
      metric_type: 'total_value',
      since: String(until - 7 * 86_400),
      until: String(until),
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(
      answer.json.data.map((d: { name: string }) => d.name),
      ['reach', 'views', 'follower_count'],
    );
    assert.ok(answer.json.data[1].total_value.value > 0);
    assert.equal((await graph(`${userId}/insights`, { metric: 'impressions' })).json.error.code, 100);
  });

  it('comments page with cursors', async () => {
    const media = (await allMedia({ fields: 'id,comments_count', limit: '100' })).flatMap((p) => p.data) as unknown as {
      id: string;
      comments_count: number;
    }[];
    const busy = media.find((m) => m.comments_count > 30)!;
    const first = await graph(`${busy.id}/comments`, { fields: 'id,text,timestamp,username,like_count', limit: '25' });
    assert.equal(first.status, 200);
    assert.equal(first.json.data.length, 25);
    assert.deepEqual(Object.keys(first.json.data[0]).sort(), ['id', 'like_count', 'text', 'timestamp', 'username']);
    const second = await call(first.json.paging.next);
    assert.ok(second.json.data.length > 0);
    assert.ok(!second.json.data.some((c: { id: string }) => first.json.data.some((d: { id: string }) => d.id === c.id)));
  });

  it('batch runs up to 50 sub-requests, each answered {code, headers, body-as-string}', async () => {
    const batch = JSON.stringify([
      { method: 'GET', relative_url: `v25.0/${userId}?fields=id,username` },
      { method: 'GET', relative_url: `${userId}/media?fields=id&limit=2` },
      { method: 'GET', relative_url: `${userId}/insights?metric=impressions` },
    ]);
    const answer = await call(`${sim.baseUrls.instagram}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ batch, access_token: token, include_headers: 'false' }).toString(),
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.json.length, 3);
    assert.deepEqual(Object.keys(answer.json[0]).sort(), ['body', 'code']);
    assert.equal(typeof answer.json[0].body, 'string');
    assert.equal(JSON.parse(answer.json[0].body).id, userId);
    assert.equal(JSON.parse(answer.json[1].body).data.length, 2);
    assert.equal(answer.json[2].code, 400);
    const tooMany = JSON.stringify(Array.from({ length: 51 }, () => ({ method: 'GET', relative_url: userId })));
    const refused = await call(`${sim.baseUrls.instagram}/v25.0/?batch=${encodeURIComponent(tooMany)}&access_token=${token}`, {
      method: 'POST',
    });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error.message, /Maximum batch size is 50/);
  });

  it('usage headers appear only after enough calls, rise, and end in code 4', async () => {
    sim.setKnobs({ instagram: { appCallsPerHour: 40, bucCallsPerDay: 1000, usageHeaderMinPercent: 10 } });
    const first = await graph(userId, { fields: 'id' });
    assert.equal(first.headers.get('x-app-usage'), null, 'no header at low volume');
    const seen: number[] = [];
    let last = first;
    for (let i = 0; i < 45; i++) {
      last = await graph(userId, { fields: 'id' });
      const header = last.headers.get('x-app-usage');
      if (header && last.status === 200) seen.push(JSON.parse(header).call_count);
    }
    assert.ok(seen.length > 5);
    assert.ok(seen[0]! >= 10);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, 'percentages rise');
    assert.equal(seen.at(-1), 100);
    assert.deepEqual(Object.keys(JSON.parse(last.headers.get('x-app-usage')!)).sort(), ['call_count', 'total_cputime', 'total_time']);
    assert.equal(last.status, 400);
    assert.equal(last.json.error.code, 4);
    await sim.advance(HOUR);
    assert.equal((await graph(userId, { fields: 'id' })).status, 200, 'the rolling hour frees the budget');
  });

  it('the BUC header carries estimated_time_to_regain_access and the BUC code when spent', async () => {
    sim.setKnobs({ instagram: { bucCallsPerDay: 10, usageHeaderMinPercent: 1 } });
    let last = await graph(userId, { fields: 'id' });
    for (let i = 0; i < 10; i++) last = await graph(userId, { fields: 'id' });
    const buc = JSON.parse(last.headers.get('x-business-use-case-usage')!);
    const entry = buc[userId][0];
    assert.deepEqual(Object.keys(entry).sort(), ['call_count', 'estimated_time_to_regain_access', 'total_cputime', 'total_time', 'type']);
    assert.equal(entry.type, 'instagram');
    assert.equal(entry.call_count, 100);
    assert.ok(entry.estimated_time_to_regain_access > 0);
    assert.equal(last.json.error.code, 80002);
  });

  it('an expired token answers 190/463; ig_refresh_token needs a token at least 24 h old', async () => {
    const tooYoung = await call(`${sim.baseUrls.instagram}/refresh_access_token?grant_type=ig_refresh_token&access_token=${token}`);
    assert.equal(tooYoung.status, 400);
    await sim.advance(DAY);
    const refreshed = await call(`${sim.baseUrls.instagram}/refresh_access_token?grant_type=ig_refresh_token&access_token=${token}`);
    assert.equal(refreshed.status, 200);
    assert.deepEqual(Object.keys(refreshed.json).sort(), ['access_token', 'expires_in', 'token_type']);
    assert.equal(refreshed.json.expires_in, 60 * 86_400);
    await sim.advance(60 * DAY);
    const expired = await graph(userId, { fields: 'id' });
    assert.equal(expired.status, 400);
    assert.equal(expired.json.error.code, 190);
    assert.equal(expired.json.error.error_subcode, 463);
    assert.equal(expired.json.error.type, 'OAuthException');
    token = refreshed.json.access_token;
    assert.equal((await graph(userId, { fields: 'id' })).json.error.code, 190, 'the refreshed token had 60 days too');
  });

  it('a revoked session answers 190/460 and a missing token 104', async () => {
    sim.instagram.tokens.revokeAccount(userId);
    const revoked = await graph(userId, { fields: 'id' });
    assert.equal(revoked.json.error.code, 190);
    assert.equal(revoked.json.error.error_subcode, 460);
    const missing = await call(`${sim.baseUrls.instagram}/v25.0/${userId}?fields=id`);
    assert.equal(missing.json.error.code, 104);
  });

  it('new comments on new media are pushed as comments notifications matching the /comments edge', async () => {
    const receiver = await startReceiver();
    try {
      sim.webhooks.setTarget('instagram', receiver.url);
      await sim.advance(3 * DAY);
      token = sim.issueCredential('instagram', userId).accessToken;
      const notified = new Map<string, Set<string>>();
      for (const request of receiver.received) {
        const change = JSON.parse(request.body).entry[0].changes[0];
        if (change.field !== 'comments') continue;
        const set = notified.get(change.value.media.id) ?? new Set<string>();
        set.add(change.value.id);
        notified.set(change.value.media.id, set);
      }
      const newMedia = (await allMedia({ fields: 'id,timestamp,comments_count', limit: '100' }))
        .flatMap((p) => p.data as unknown as { id: string; timestamp: string; comments_count: number }[])
        .filter(
          (m) =>
            Date.parse(m.timestamp.replace('+0000', 'Z')) > Date.parse('2026-11-20T12:00:00Z') &&
            m.comments_count > 0 &&
            m.comments_count <= 200,
        );
      assert.ok(newMedia.length > 0, 'some new media with comments');
      for (const media of newMedia) {
        const edge = new Set<string>();
        let page = await graph(`${media.id}/comments`, { fields: 'id', limit: '100' });
        for (;;) {
          for (const comment of page.json.data) edge.add(comment.id);
          if (!page.json.paging?.next) break;
          page = await call(page.json.paging.next);
        }
        assert.deepEqual([...(notified.get(media.id) ?? [])].sort(), [...edge].sort());
      }
    } finally {
      await receiver.close();
    }
  });

  it('verifies the receiver, then delivers signed comments and story_insights notifications', async () => {
    const receiver = await startReceiver();
    try {
      const { verifyToken, appSecret } = sim.credentials().instagram;
      receiver.onGet = (url) =>
        url.searchParams.get('hub.verify_token') === verifyToken && url.searchParams.get('hub.mode') === 'subscribe'
          ? [200, url.searchParams.get('hub.challenge')!]
          : [403, 'no'];
      assert.equal((await sim.webhooks.instagramVerify(receiver.url)).ok, true);
      assert.equal((await sim.webhooks.instagramVerify(receiver.url, 'wrong')).ok, false);
      sim.webhooks.setTarget('instagram', receiver.url);
      const media = (await graph(`${userId}/media`, { fields: 'id', limit: '1' })).json.data[0];
      await sim.webhooks.instagramComment(media.id);
      await sim.advance(DAY);
      const posts = receiver.received.filter((r) => r.method === 'POST');
      const fields = posts.map((p) => JSON.parse(p.body).entry[0].changes[0].field);
      assert.equal(fields[0], 'comments');
      assert.ok(fields.includes('story_insights'));
      for (const post of posts) {
        assert.equal(post.headers['x-hub-signature-256'], `sha256=${createHmac('sha256', appSecret).update(post.body).digest('hex')}`);
        const body = JSON.parse(post.body);
        assert.equal(body.object, 'instagram');
        assert.equal(typeof body.entry[0].time, 'number');
      }
      const comment = JSON.parse(posts[0]!.body).entry[0].changes[0].value;
      assert.deepEqual(Object.keys(comment).sort(), ['from', 'id', 'media', 'text']);
      assert.equal(comment.media.id, media.id);
    } finally {
      await receiver.close();
    }
  });
});
