import assert from 'node:assert/strict';
import type { PlatformSim } from '../../src/index.ts';
import { bearer, call, HOUR, postJson, START, startSim } from '../helpers.ts';

describe('ground truth and determinism', () => {
  let sim: PlatformSim;
  afterEach(() => sim?.close());

  it('lists every entity and metric snapshot served, with the simulated time it was served', async () => {
    sim = await startSim();
    const { accessToken } = sim.credentials().tiktok.accounts[0]!;
    const first = await postJson(`${sim.baseUrls.tiktok}/v2/video/list/?fields=id,view_count,like_count`, accessToken, { max_count: 4 });
    await sim.advance(HOUR);
    const second = await postJson(`${sim.baseUrls.tiktok}/v2/video/query/?fields=id,view_count`, accessToken, {
      filters: { video_ids: [first.json.data.videos[0].id] },
    });
    const truth = sim.groundTruth({ platform: 'tiktok' });
    assert.deepEqual(
      truth.entities.map((e) => e.id),
      first.json.data.videos.map((v: { id: string }) => v.id),
    );
    assert.equal(truth.metrics.length, 5);
    assert.deepEqual(truth.metrics[0], {
      platform: 'tiktok',
      kind: 'video',
      id: first.json.data.videos[0].id,
      endpoint: 'video.list',
      observedAt: START,
      values: { view_count: first.json.data.videos[0].view_count, like_count: first.json.data.videos[0].like_count },
    });
    assert.equal(truth.metrics[4]!.observedAt, START + HOUR);
    assert.equal(truth.metrics[4]!.values.view_count, second.json.data.videos[0].view_count);
    const window = sim.groundTruth({ from: START + 1, to: START + HOUR });
    assert.equal(window.metrics.length, 1);
  });

  it('a capped recorder drops the oldest half and says from when it is complete', async () => {
    const { GroundTruthRecorder, ServedLog } = await import('../../src/core/ground-truth.ts');
    const recorder = new GroundTruthRecorder(10);
    for (let at = 1; at <= 12; at++) {
      const log = new ServedLog('tiktok', 'video.list', at);
      log.entity('video', String(at), 'u');
      recorder.commit(log);
    }
    const truth = recorder.query();
    assert.ok(truth.droppedBefore !== null);
    assert.ok(truth.entities.every((e) => e.servedAt >= truth.droppedBefore!));
    assert.equal(truth.entities.at(-1)!.id, '12');
    assert.equal(new GroundTruthRecorder().query().droppedBefore, null);
  });

  it('does not count responses a fault corrupted or replaced', async () => {
    sim = await startSim();
    const { accessToken, channelId } = sim.credentials().youtube.accounts[0]!;
    sim.faults.set({ platform: 'youtube', kind: 'malformed-json', count: 1 });
    await call(`${sim.baseUrls.youtube}/channels?part=statistics&mine=true`, { headers: bearer(accessToken) });
    sim.faults.set({ platform: 'youtube', kind: 'server-error', count: 1 });
    await call(`${sim.baseUrls.youtube}/channels?part=statistics&mine=true`, { headers: bearer(accessToken) });
    assert.equal(sim.groundTruth().entities.length, 0);
    await call(`${sim.baseUrls.youtube}/channels?part=statistics&mine=true`, { headers: bearer(accessToken) });
    assert.deepEqual(
      sim.groundTruth().entities.map((e) => [e.kind, e.id]),
      [['channel', channelId]],
    );
    assert.match(String(sim.groundTruth().metrics[0]!.values.viewCount), /^\d+$/);
  });

  it('the same seed gives the same data; another seed does not', async () => {
    const snapshot = async (seed: string) => {
      const s = await startSim({ seed });
      const credentials = s.credentials();
      const tiktok = await postJson(
        `${s.baseUrls.tiktok}/v2/video/list/?fields=id,create_time,title,video_description,view_count`,
        credentials.tiktok.accounts[0]!.accessToken,
        { max_count: 20 },
      );
      const ig = await call(
        `${s.baseUrls.instagram}/v25.0/${credentials.instagram.accounts[0]!.igUserId}/media?fields=id,caption,timestamp,like_count&limit=50&access_token=${credentials.instagram.accounts[0]!.accessToken}`,
      );
      const yt = await call(`${s.baseUrls.youtube}/channels?part=snippet,statistics&mine=true`, {
        headers: bearer(credentials.youtube.accounts[0]!.accessToken),
      });
      await s.close();
      return {
        tiktok: tiktok.json.data,
        ig: ig.json.data,
        yt: yt.json.items,
        tokens: credentials.tiktok.accounts.map((a) => a.accessToken),
      };
    };
    const a = await snapshot('alpha');
    const b = await snapshot('alpha');
    const c = await snapshot('beta');
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.tiktok, c.tiktok);
    assert.notDeepEqual(a.ig, c.ig);
  });

  it('captions carry Unicode edge cases', async () => {
    sim = await startSim();
    const captions = sim.instagram.accounts.flatMap((a) => a.media.publishedBy(sim.now()).map((m) => m.caption)).join('\n');
    assert.match(captions, /\u200d/, 'ZWJ sequences');
    assert.match(captions, /[\u0590-\u06ff]/, 'right-to-left scripts');
    assert.match(captions, /\p{M}/u, 'combining marks');
    assert.match(captions, /#\S+/, 'hashtags');
    assert.match(captions, /@\S+/, 'mentions');
  });

  it('metrics grow with decaying velocity and can be revised downwards', async () => {
    sim = await startSim({ knobs: { content: { revisionProbability: 1 } } });
    const { metricAt } = await import('../../src/core/metric-curve.ts');
    const video = sim.tiktok.users[0]!.videos.publishedBy(sim.now()).at(-1)!;
    const revision = video.curve.revisions[0]!;
    assert.ok(revision, 'every post is revised with probability 1');
    assert.ok(
      metricAt(video.curve, 'view_count', revision.at) < metricAt(video.curve, 'view_count', revision.at - 1),
      'a downward revision',
    );

    const steady = sim.tiktok.users[1]!.videos.publishedBy(sim.now()).at(-1)!;
    steady.curve.revisions.length = 0;
    const hourly = Array.from({ length: 48 }, (_, h) => metricAt(steady.curve, 'view_count', steady.publishedAt + h * HOUR));
    assert.equal(hourly[0], 0, 'nothing before publish');
    for (let h = 2; h < hourly.length; h++) {
      assert.ok(hourly[h]! >= hourly[h - 1]!, 'grows');
      assert.ok(hourly[h]! - hourly[h - 1]! <= hourly[h - 1]! - hourly[h - 2]! + 1, 'velocity decays');
    }
    assert.ok(hourly[47]! > hourly[1]!);
  });
});
