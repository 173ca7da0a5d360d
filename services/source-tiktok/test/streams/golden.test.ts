// Golden mapping of the three streams: recorded simulator payloads (with ids above 2^53 sent as bare
// integers and Unicode edge cases in captions and handles) → the reviewed canonical records.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { topicValueType } from '@tributary/events';
import { Registry } from 'prom-client';
import { createTikTokMetrics } from '../../src/metrics.ts';
import { FIXTURES, goldenEvents } from '../golden.ts';

function expected(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`expected/${name}.json`, FIXTURES), 'utf8'));
}

describe('source-tiktok streams: golden mapping', () => {
  const events = goldenEvents();

  for (const name of ['video-list', 'video-query', 'user-info']) {
    it(`${name}: recorded payload → the reviewed canonical records`, () => {
      assert.deepEqual(JSON.parse(JSON.stringify(events[name])), expected(name));
    });

    it(`${name}: every record fits its topic's Avro schema`, () => {
      for (const event of events[name]!) {
        const paths: string[] = [];
        const valid = topicValueType(event.topic as never).isValid(event.value, { errorHook: (path) => paths.push(path.join('.')) });
        assert.ok(valid, `${event.topic} ${event.key}: ${paths.join(', ')}`);
      }
    });
  }

  it('mapping is deterministic: the same payload gives the same event ids', () => {
    const ids = (all: typeof events) =>
      Object.values(all).flatMap((list) => list.map((event) => (event.value.envelope as { event_id: string }).event_id));
    assert.deepEqual(ids(goldenEvents()), ids(events));
    for (const list of Object.values(events)) {
      const within = list.map((event) => (event.value.envelope as { event_id: string }).event_id);
      assert.equal(new Set(within).size, within.length, 'no two records of one answer share an id');
    }
    // Across streams the same video's counters in the same slot are the same observation (docs/adr/0013):
    // the list page's snapshot and the video/query snapshot of one bucket share the id, and the sink keeps one.
    const listMetrics = events['video-list']!.filter((event) => event.topic === 'social.raw.post-metrics');
    const queryIds = new Set(events['video-query']!.map((event) => (event.value.envelope as { event_id: string }).event_id));
    assert.equal(listMetrics.filter((event) => queryIds.has((event.value.envelope as { event_id: string }).event_id)).length, 2);
  });

  it('ids above 2^53 sent as bare integers keep every digit', () => {
    const raw = readFileSync(new URL('video-list.json', FIXTURES), 'utf8');
    const bare = [...(JSON.parse(raw) as { body: string }).body.matchAll(/"id":(\d{17,})/g)].map((match) => match[1]!);
    assert.ok(bare.length >= 1, 'the fixture holds unquoted ids');
    const keys = events['video-list']!.map((event) => event.key);
    for (const id of bare) assert.ok(keys.includes(`TIKTOK:${id}`), `${id} exact`);
  });

  it('video/query ids missing from the answer are counted, not dropped silently', async () => {
    const metrics = createTikTokMetrics();
    const registry = new Registry();
    metrics.registerOn(registry);
    const mapped = goldenEvents(metrics)['video-query']!;
    assert.equal(mapped.length, 2);
    assert.equal((await metrics.videosMissing.get()).values[0]?.value, 1);
  });
});
