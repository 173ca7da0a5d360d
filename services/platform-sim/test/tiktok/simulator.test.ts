import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { PlatformSim } from '../../src/index.ts';
import { bearer, call, DAY, HOUR, postForm, postJson, startReceiver, startSim } from '../helpers.ts';

describe('TikTok simulator', () => {
  let sim: PlatformSim;
  let token: string;
  let openId: string;
  const list = (body: unknown, fields = 'id,create_time,view_count,like_count') =>
    postJson(`${sim.baseUrls.tiktok}/v2/video/list/?fields=${fields}`, token, body);

  beforeEach(async () => {
    sim = await startSim();
    const account = sim.credentials().tiktok.accounts[0]!;
    token = account.accessToken;
    openId = account.openId;
  });
  afterEach(() => sim.close());

  it('user/info returns only the requested fields inside the data/error envelope', async () => {
    const answer = await call(`${sim.baseUrls.tiktok}/v2/user/info/?fields=open_id,display_name,follower_count,video_count`, {
      headers: bearer(token),
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.json.data.user).sort(), ['display_name', 'follower_count', 'open_id', 'video_count']);
    assert.equal(answer.json.data.user.open_id, openId);
    assert.equal(answer.json.data.user.video_count, 45);
    assert.equal(answer.json.error.code, 'ok');
    assert.equal(answer.json.error.message, '');
    assert.match(answer.json.error.log_id, /^\d{14}[0-9A-F]{18}$/);
  });

  it('video/list pages newest first with a millisecond cursor until has_more is false', async () => {
    const ids: string[] = [];
    let cursor: number | undefined;
    let previousCreate = Infinity;
    for (let page = 0; page < 20; page++) {
      const answer = await list(cursor === undefined ? { max_count: 20 } : { max_count: 20, cursor });
      assert.equal(answer.status, 200);
      const { videos, has_more } = answer.json.data;
      for (const video of videos) {
        assert.deepEqual(Object.keys(video).sort(), ['create_time', 'id', 'like_count', 'view_count']);
        assert.equal(typeof video.id, 'string');
        assert.ok(BigInt(video.id) > 2n ** 53n, 'TikTok video ids exceed 2^53');
        assert.ok(video.create_time < previousCreate);
        previousCreate = video.create_time;
        ids.push(video.id);
      }
      cursor = answer.json.data.cursor;
      assert.equal(cursor, previousCreate * 1000, 'cursor is the last create_time in ms');
      if (!has_more) break;
    }
    assert.equal(ids.length, 45);
    assert.equal(new Set(ids).size, 45);
  });

  it('video/query returns only known ids (≤ 20) and rejects more', async () => {
    const first = await list({ max_count: 3 });
    const known = first.json.data.videos.map((v: { id: string }) => v.id);
    const answer = await postJson(`${sim.baseUrls.tiktok}/v2/video/query/?fields=id,title,share_url`, token, {
      filters: { video_ids: [...known, '7000000000000000001'] },
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json.data.videos.map((v: { id: string }) => v.id).sort(), [...known].sort());
    assert.match(answer.json.data.videos[0].share_url, /^https:\/\/www\.tiktok\.com\/@/);
    const tooMany = await postJson(`${sim.baseUrls.tiktok}/v2/video/query/?fields=id`, token, {
      filters: { video_ids: Array.from({ length: 21 }, (_, i) => String(i)) },
    });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.json.error.code, 'invalid_params');
  });

  it('answers access_token_invalid, scope_not_authorized and invalid_params with their statuses', async () => {
    const bad = await call(`${sim.baseUrls.tiktok}/v2/user/info/?fields=open_id`, { headers: bearer('act.nope') });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error.code, 'access_token_invalid');
    const basicOnly = sim.issueCredential('tiktok', openId, ['user.info.basic']);
    const scope = await call(`${sim.baseUrls.tiktok}/v2/user/info/?fields=follower_count`, { headers: bearer(basicOnly.accessToken) });
    assert.equal(scope.status, 401);
    assert.equal(scope.json.error.code, 'scope_not_authorized');
    const noVideoScope = await postJson(`${sim.baseUrls.tiktok}/v2/video/list/?fields=id`, basicOnly.accessToken, {});
    assert.equal(noVideoScope.json.error.code, 'scope_not_authorized');
    for (const body of [{ max_count: 21 }, { max_count: 0 }, { cursor: 'x' }]) {
      const answer = await list(body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.json.error.code, 'invalid_params');
    }
    const field = await list({}, 'id,nonsense');
    assert.equal(field.status, 400);
  });

  it('rate-limits each endpoint per sliding minute with 429 rate_limit_exceeded and no headers', async () => {
    sim.setKnobs({ tiktok: { rateLimitPerMinute: 3 } });
    for (let i = 0; i < 3; i++) assert.equal((await list({ max_count: 1 })).status, 200);
    const limited = await list({ max_count: 1 });
    assert.equal(limited.status, 429);
    assert.equal(limited.json.error.code, 'rate_limit_exceeded');
    assert.equal(limited.headers.get('retry-after'), null);
    const other = await call(`${sim.baseUrls.tiktok}/v2/user/info/?fields=open_id`, { headers: bearer(token) });
    assert.equal(other.status, 200, 'the window is per endpoint');
    await sim.advance(61_000);
    assert.equal((await list({ max_count: 1 })).status, 200);
  });

  it('access tokens expire after the lifetime knob; refresh rotates and the old refresh token gets invalid_grant', async () => {
    const credentials = sim.credentials().tiktok;
    const account = credentials.accounts[0]!;
    await sim.advance(2 * HOUR);
    const expired = await list({ max_count: 1 });
    assert.equal(expired.status, 401);
    assert.equal(expired.json.error.code, 'access_token_invalid');
    const form = {
      client_key: credentials.clientKey,
      client_secret: credentials.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: account.refreshToken,
    };
    const refreshed = await postForm(sim.baseUrls.tiktokOAuth, form);
    assert.equal(refreshed.status, 200);
    assert.deepEqual(Object.keys(refreshed.json).sort(), [
      'access_token',
      'expires_in',
      'open_id',
      'refresh_expires_in',
      'refresh_token',
      'scope',
      'token_type',
    ]);
    assert.equal(refreshed.json.expires_in, 7200);
    assert.equal(refreshed.json.refresh_expires_in, 180 * 86_400);
    assert.notEqual(refreshed.json.refresh_token, account.refreshToken);
    token = refreshed.json.access_token;
    assert.equal((await list({ max_count: 1 })).status, 200);
    const reused = await postForm(sim.baseUrls.tiktokOAuth, form);
    assert.equal(reused.status, 400);
    assert.equal(reused.json.error, 'invalid_grant');
    assert.equal(typeof reused.json.error_description, 'string');
    assert.equal(typeof reused.json.log_id, 'string');
  });

  it('new videos appear as simulated time passes, and video.publish.completed is delivered signed', async () => {
    const receiver = await startReceiver();
    try {
      sim.webhooks.setTarget('tiktok', receiver.url);
      await sim.advance(3 * DAY);
      const user = await call(`${sim.baseUrls.tiktok}/v2/user/info/?fields=video_count`, {
        headers: bearer(sim.issueCredential('tiktok', openId).accessToken),
      });
      const added = user.json.data.user.video_count - 45;
      assert.ok(added > 0, 'new videos after three days');
      const events = receiver.received.filter(
        (r) => JSON.parse(r.body).event === 'video.publish.completed' && JSON.parse(r.body).user_openid === openId,
      );
      assert.equal(events.length, added);
      const { clientSecret, clientKey } = sim.credentials().tiktok;
      for (const event of events) {
        const header = String(event.headers['tiktok-signature']);
        const [, t, s] = /^t=(\d+),s=([0-9a-f]{64})$/.exec(header) ?? [];
        assert.equal(s, createHmac('sha256', clientSecret).update(`${t}.${event.body}`).digest('hex'));
        const body = JSON.parse(event.body);
        assert.equal(body.client_key, clientKey);
        assert.equal(typeof body.content, 'string');
        assert.equal(typeof JSON.parse(body.content).video_id, 'string');
      }
    } finally {
      await receiver.close();
    }
  });

  it('authorization.removed revokes the user tokens before it is delivered', async () => {
    const receiver = await startReceiver();
    try {
      sim.webhooks.setTarget('tiktok', receiver.url);
      const attempt = await sim.webhooks.tiktokRemoveAuthorization(openId, 2);
      assert.equal(attempt?.status, 200);
      const body = JSON.parse(receiver.received[0]!.body);
      assert.equal(body.event, 'authorization.removed');
      assert.deepEqual(JSON.parse(body.content), { reason: 2 });
      assert.equal((await list({ max_count: 1 })).status, 401);
      const { clientKey, clientSecret, accounts } = sim.credentials().tiktok;
      const refresh = await postForm(sim.baseUrls.tiktokOAuth, {
        client_key: clientKey,
        client_secret: clientSecret,
        grant_type: 'refresh_token',
        refresh_token: accounts[0]!.refreshToken,
      });
      assert.equal(refresh.json.error, 'invalid_grant');
    } finally {
      await receiver.close();
    }
  });

  it('oauth/revoke kills the user tokens; a wrong client secret is invalid_client', async () => {
    const { clientKey, clientSecret } = sim.credentials().tiktok;
    const wrong = await postForm(`${sim.baseUrls.tiktok}/v2/oauth/token/`, {
      client_key: clientKey,
      client_secret: 'nope',
      grant_type: 'refresh_token',
      refresh_token: 'x',
    });
    assert.equal(wrong.json.error, 'invalid_client');
    const revoke = await postForm(`${sim.baseUrls.tiktok}/v2/oauth/revoke/`, { client_key: clientKey, client_secret: clientSecret, token });
    assert.equal(revoke.status, 200);
    assert.equal((await list({ max_count: 1 })).json.error.code, 'access_token_invalid');
  });

  it('bigIntIds emits some ids as unquoted integers above 2^53', async () => {
    sim.setKnobs({ tiktok: { bigIntIds: true } });
    const answer = await list({ max_count: 20 }, 'id');
    assert.match(answer.text, /"id":\d{19}[,}]/);
    assert.match(answer.text, /"id":"\d{19}"/);
    const parsed = JSON.parse(answer.text).data.videos.map((v: { id: unknown }) => v.id);
    assert.ok(
      parsed.some((id: unknown) => typeof id === 'number' && !Number.isSafeInteger(id)),
      'JSON.parse loses precision on them',
    );
  });
});
