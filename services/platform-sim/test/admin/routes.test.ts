import assert from 'node:assert/strict';
import type { PlatformSim } from '../../src/index.ts';
import { call, HOUR, START, startReceiver, startSim } from '../helpers.ts';

describe('admin routes (/_sim)', () => {
  let sim: PlatformSim;
  const post = (path: string, body: unknown) =>
    call(`${sim.baseUrls.admin}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeEach(async () => {
    sim = await startSim();
  });
  afterEach(() => sim.close());

  it('moves the clock', async () => {
    assert.equal((await call(`${sim.baseUrls.admin}/clock`)).json.now, START);
    assert.equal((await post('clock', { advanceMs: HOUR })).json.now, START + HOUR);
    assert.equal((await post('clock', { time: START })).json.now, START);
    assert.equal((await post('clock', {})).status, 400);
  });

  it('hands out the seeded credentials and issues new ones', async () => {
    const credentials = await call(`${sim.baseUrls.admin}/credentials`);
    assert.deepEqual(credentials.json, sim.credentials());
    const openId = credentials.json.tiktok.accounts[0]!.openId;
    const issued = await post('credentials', { platform: 'tiktok', account: openId, scopes: ['user.info.basic'] });
    assert.equal(issued.json.openId, openId);
    assert.deepEqual(issued.json.scopes, ['user.info.basic']);
    assert.equal((await post('credentials', { platform: 'tiktok', account: 'nobody' })).status, 400);
  });

  it('serves ground truth, knobs, stats and triggers events', async () => {
    const { igUserId, accessToken } = sim.credentials().instagram.accounts[0]!;
    await call(`${sim.baseUrls.instagram}/v25.0/${igUserId}?fields=id,followers_count&access_token=${accessToken}`);
    const truth = await call(`${sim.baseUrls.admin}/ground-truth?platform=instagram`);
    assert.deepEqual(
      truth.json.entities.map((e: { id: string }) => e.id),
      [igUserId],
    );
    const knobs = await post('knobs', { instagram: { emptyPageEvery: 2 } });
    assert.equal(knobs.json.instagram.emptyPageEvery, 2);
    assert.equal(sim.knobs.instagram.emptyPageEvery, 2);
    assert.equal((await post('knobs', { instagram: { noSuchKnob: 1 } })).status, 400);
    const stats = await call(`${sim.baseUrls.admin}/stats`);
    assert.equal(stats.json.requests.instagram, 1);
    const receiver = await startReceiver();
    try {
      sim.webhooks.setTarget('instagram', receiver.url);
      const media = sim.instagram.accounts[0]!.media.publishedBy(sim.now()).at(-1)!;
      const event = await post('events', { type: 'instagram.mention', mediaId: media.id });
      assert.equal(event.json.result.status, 200);
      const attempts = await call(`${sim.baseUrls.admin}/webhooks/attempts?platform=instagram`);
      assert.equal(attempts.json.attempts.length, 1);
      assert.equal(JSON.parse(receiver.received[0]!.body).entry[0].changes[0].field, 'mentions');
    } finally {
      await receiver.close();
    }
  });
});
