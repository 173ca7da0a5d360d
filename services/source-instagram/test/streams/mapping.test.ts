// Golden mapping: recorded simulator answers (test/fixtures/graph-answers.json) → the canonical events in
// test/fixtures/canonical-events.json (regenerate with test/fixtures/record.ts and review the diff). Plus the value
// readers on bad input: every normalisation is counted, no record is dropped silently.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { computeEventId, topicValueType } from '@tributary/events';
import type { AvroTopicName } from '@tributary/events';
import type { ApiResponse, ListStreamDeclaration } from '@tributary/connector-kit';
import { postFormat } from '../../src/streams/media.ts';
import { context, createSource, fixturePath, mapFixtures, FIXTURE_TIME } from '../fixtures/golden.ts';
import type { RecordedFixtures } from '../fixtures/golden.ts';

const recorded = JSON.parse(readFileSync(fixturePath('graph-answers.json'), 'utf8')) as RecordedFixtures;
const golden = JSON.parse(readFileSync(fixturePath('canonical-events.json'), 'utf8')) as unknown[];

type Value = Record<string, unknown> & {
  envelope: { event_id: string; platform: 'INSTAGRAM'; entity_kind: 'POST'; entity_id: string; observation: string };
};

describe('source-instagram mapping', () => {
  it('maps the recorded answers to the golden canonical events', () => {
    const { events } = mapFixtures(recorded);
    assert.deepEqual(JSON.parse(JSON.stringify(events)), golden);
  });

  it('every event is a valid Avro record of its topic, with a recomputable event_id', () => {
    const { events } = mapFixtures(recorded);
    assert.ok(events.length > 10);
    for (const event of events) {
      const type = topicValueType(event.topic as AvroTopicName);
      const errors: string[] = [];
      type.isValid(event.value, { errorHook: (path) => errors.push(path.join('.')) });
      assert.deepEqual(errors, [], `${event.topic}: invalid at ${errors.join(', ')}`);
      const { envelope } = event.value as Value;
      assert.equal(envelope.event_id, computeEventId(envelope));
      assert.equal(event.key, `INSTAGRAM:${envelope.entity_id}`);
    }
  });

  it('is deterministic: the same payload gives the same event_ids', () => {
    const ids = (run: ReturnType<typeof mapFixtures>) => run.events.map((event) => (event.value as Value).envelope.event_id);
    assert.deepEqual(ids(mapFixtures(recorded)), ids(mapFixtures(recorded)));
    assert.equal(new Set(ids(mapFixtures(recorded))).size, ids(mapFixtures(recorded)).length, 'no two events share an id');
  });

  it('maps insights by name: views, reach, saved → saves, reels watch times, story navigation and replies', () => {
    const { events } = mapFixtures(recorded);
    const insights = events.filter((event) =>
      (event.value as Value & { envelope: { lineage: { endpoint: string } } }).envelope.lineage.endpoint.includes('insights'),
    );
    assert.equal(insights.length, recorded.insights.entities.length);
    const story = insights.at(-1)!.value as Record<string, unknown> & { extensions: { instagram: Record<string, unknown> } };
    assert.equal(typeof story.views, 'number');
    assert.equal(typeof story.extensions.instagram.replies, 'number');
    assert.deepEqual(Object.keys(story.extensions.instagram.navigation as object), ['total']);
    const storyItem = (recorded.stories.body as { data: Array<{ like_count?: number }> }).data[0]!;
    assert.equal(story.likes, storyItem.like_count ?? null, 'stories have no likes insight: the list counter or null, never 0');
    const reel = recorded.insights.entities.findIndex((entity) => entity.productType === 'REELS');
    if (reel >= 0) {
      const value = insights[reel]!.value as Record<string, unknown>;
      assert.equal(typeof value.average_watch_time_ms, 'number');
      assert.equal(typeof value.watch_time_total_ms, 'number');
    }
  });

  it('maps formats as the schema says: REELS → REEL, STORY → STORY, FEED by media_type', () => {
    assert.equal(postFormat('VIDEO', 'REELS'), 'REEL');
    assert.equal(postFormat('IMAGE', 'STORY'), 'STORY');
    assert.equal(postFormat('IMAGE', 'FEED'), 'IMAGE');
    assert.equal(postFormat('VIDEO', 'FEED'), 'VIDEO');
    assert.equal(postFormat('CAROUSEL_ALBUM', 'FEED'), 'CAROUSEL');
    assert.equal(postFormat('HOLOGRAM', 'FEED'), 'UNKNOWN');
  });

  describe('bad input from the platform', () => {
    const item = (recorded.media.body as { data: Array<Record<string, unknown>> }).data[0]!;
    const response: ApiResponse = { status: 200, body: {}, headers: {}, requestId: 'r', receivedAt: FIXTURE_TIME, source: 'network' };
    const mapOne = (changes: Record<string, unknown>) => {
      const source = createSource();
      const media = source.declaration.streams.find((stream) => stream.name === 'media') as ListStreamDeclaration<Record<string, unknown>>;
      const events = media.map({ ...item, ...changes }, context('media', recorded.account), response);
      return {
        events,
        issues: source.issues,
        post: events[0]?.value as Record<string, unknown> | undefined,
      };
    };

    it('keeps ids above 2^53 exact (they arrive as decimal strings) and counts ids sent as JSON numbers', () => {
      assert.equal((mapOne({ id: '18446744073709551615' }).post!.envelope as { entity_id: string }).entity_id, '18446744073709551615');
      const numeric = mapOne({ id: 17841400000042 });
      assert.equal((numeric.post!.envelope as { entity_id: string }).entity_id, '17841400000042');
      assert.equal(numeric.issues.count('id-as-json-number'), 1);
      assert.deepEqual(mapOne({ id: 17895695668004550 }).events, [], 'an unsafe JSON number (digits already lost) is not an id');
    });

    it('an item without a readable id is skipped and counted, never mapped under a made-up key', () => {
      for (const id of [undefined, null, '', 1.5, { nested: true }]) {
        const { events, issues } = mapOne({ id });
        assert.deepEqual(events, []);
        assert.equal(issues.count('item-without-id'), 1, JSON.stringify(id));
      }
    });

    it('NaN, negative and oversized counters become null and are counted', () => {
      for (const [value, issue] of [
        ['NaN', 'counter-not-a-number'],
        [Number.NaN, 'counter-not-a-number'],
        [-3, 'counter-not-a-number'],
        [12.5, 'counter-not-a-number'],
        ['98765432109876543210', 'counter-above-2^53'],
      ] as const) {
        const source = createSource();
        assert.equal(source.read.count(value, 'm', 'like_count'), null, String(value));
        assert.equal(source.issues.count(issue), 1, String(value));
      }
      assert.equal(createSource().read.count('9007199254740991', 'm', 'views'), Number.MAX_SAFE_INTEGER, 'a safe decimal string is read');
    });

    it('timestamps in epoch seconds or milliseconds are normalised (and counted); unreadable ones are null', () => {
      const iso = mapOne({}).post!.published_at as number;
      const seconds = mapOne({ timestamp: iso / 1000 });
      assert.equal(seconds.post!.published_at, iso);
      assert.equal(seconds.issues.count('timestamp-as-epoch-seconds'), 1);
      const millis = mapOne({ timestamp: iso });
      assert.equal(millis.post!.published_at, iso);
      assert.equal(millis.issues.count('timestamp-as-epoch-ms'), 1);
      const garbage = mapOne({ timestamp: 'yesterday' });
      assert.equal(garbage.post!.published_at, null);
      assert.equal(garbage.issues.count('timestamp-unreadable'), 1);
    });

    it('keeps Unicode captions as written, extracts hashtags and handles, and replaces lone surrogates (counted)', () => {
      const caption = 'Zé 👩‍👩‍👧‍👦 #café #東京 @nord.supply. שלום @a_b';
      const { post } = mapOne({ caption });
      assert.equal(post!.text, caption);
      assert.deepEqual(post!.hashtags, ['café', '東京']);
      assert.deepEqual(post!.mentions, ['nord.supply', 'a_b']);
      const broken = mapOne({ caption: 'bad \ud800 half' });
      assert.equal(broken.post!.text, 'bad \ufffd half');
      assert.equal(broken.issues.count('text-lone-surrogate'), 1);
    });

    it('an edited caption is a new Post event; a re-read is the same one', () => {
      const first = (mapOne({}).post!.envelope as { event_id: string }).event_id;
      assert.equal((mapOne({}).post!.envelope as { event_id: string }).event_id, first);
      assert.notEqual((mapOne({ caption: 'edited' }).post!.envelope as { event_id: string }).event_id, first);
      assert.equal((mapOne({ like_count: 1e6 }).post!.envelope as { event_id: string }).event_id, first, 'counters are not content');
    });
  });
});
