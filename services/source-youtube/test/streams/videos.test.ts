// Golden mapping of recorded simulator payloads, determinism, schema fit, and the platform's bad input
// (statistics strings that are not numbers, counts beyond 2^53, epoch timestamps, Unicode, missing ids).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { topicValueType } from '@tributary/events';
import type { AvroTopicName } from '@tributary/events';
import { createDataQuality } from '../../src/records.ts';
import { formatOf } from '../../src/streams/videos.ts';
import { goldenContext, goldenResponse, mapGolden } from '../fixtures/golden.ts';
import { mapVideos } from '../../src/streams/videos.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8'));
const videosList = fixture('videos-list') as { items: Array<{ id: string; snippet: { channelId: string } }> };
const channelId = videosList.items[0]!.snippet.channelId;
const requestedIds = [...videosList.items.map((item) => item.id), 'unknownVid01'];

function video(overrides: {
  id?: string;
  snippet?: object;
  statistics?: object;
  contentDetails?: object;
  status?: object;
  liveStreamingDetails?: object;
}) {
  return {
    kind: 'youtube#video',
    id: overrides.id ?? 'vid00000001',
    snippet: {
      publishedAt: '2026-11-19T10:00:00Z',
      channelId: 'UCchannel',
      title: 't',
      description: 'd',
      channelTitle: 'c',
      ...overrides.snippet,
    },
    contentDetails: { duration: 'PT1M5S', definition: 'hd', ...overrides.contentDetails },
    statistics: { viewCount: '10', likeCount: '2', commentCount: '1', ...overrides.statistics },
    status: { privacyStatus: 'public', madeForKids: false, ...overrides.status },
    ...(overrides.liveStreamingDetails ? { liveStreamingDetails: overrides.liveStreamingDetails } : {}),
  };
}

function mapOne(item: object, quality = createDataQuality(), contentTypes?: Map<string, string>) {
  const id = (item as { id: string }).id;
  const events = mapVideos(goldenResponse({ items: [item] }), [{ id, publishedAt: 0 }], goldenContext('UCchannel'), {
    quality,
    ...(contentTypes ? { contentTypes } : {}),
  });
  return {
    post: events.find((e) => e.topic === 'social.raw.posts')?.value as Record<string, unknown>,
    metrics: events.find((e) => e.topic === 'social.raw.post-metrics')?.value as Record<string, unknown>,
    events,
  };
}

describe('source-youtube videos mapping', () => {
  it('maps the recorded videos.list payload to the reviewed canonical records (golden)', () => {
    const mapped = mapGolden('videos', videosList, goldenContext(channelId), requestedIds);
    assert.deepEqual(JSON.parse(JSON.stringify(mapped)), fixture('videos-list.expected'));
  });

  it('is deterministic: the same payload in the same slot gives the same event_ids', () => {
    const ids = (events: ReturnType<typeof mapGolden>) => events.map((e) => (e.value.envelope as { event_id: string }).event_id);
    const first = ids(mapGolden('videos', videosList, goldenContext(channelId), requestedIds));
    const second = ids(mapGolden('videos', structuredClone(videosList), goldenContext(channelId), requestedIds));
    assert.deepEqual(first, second);
    assert.equal(new Set(first).size, first.length, 'no two events share an id');
  });

  it('every mapped record fits its topic schema', () => {
    for (const event of mapGolden('videos', videosList, goldenContext(channelId), requestedIds)) {
      const type = topicValueType(event.topic as AvroTopicName);
      assert.ok(type.isValid(event.value), `${event.topic} ${JSON.stringify(event.value).slice(0, 120)}`);
      assert.ok(type.toBuffer(event.value).length > 0);
    }
  });

  it('an id missing from items (deleted, private, unknown) is counted and becomes a Deletion, not silence', () => {
    const quality = createDataQuality();
    const events = mapGolden('videos', videosList, goldenContext(channelId), requestedIds, quality);
    const deletions = events.filter((e) => e.topic === 'social.raw.deletions');
    assert.equal(deletions.length, 1);
    assert.equal((deletions[0]!.value.envelope as { entity_id: string }).entity_id, 'unknownVid01');
    assert.equal(deletions[0]!.value.action, 'ENTITY_DELETED');
    assert.equal(deletions[0]!.value.platform_reason, 'missing from videos.list');
    assert.equal(quality.count('video-missing-from-batch'), 1);
    assert.equal(events.filter((e) => e.topic === 'social.raw.posts').length, videosList.items.length);
  });

  it('statistics strings become numbers; absent counters (hidden likes, comments off) stay null, never zero', () => {
    const { metrics } = mapOne(video({ statistics: { viewCount: '9007199254740991', likeCount: undefined, commentCount: undefined } }));
    assert.equal(metrics.views, 9_007_199_254_740_991);
    assert.equal(metrics.likes, null);
    assert.equal(metrics.comments, null);
  });

  it('a counter that is NaN, not decimal, or beyond 2^53 is null and counted', () => {
    const quality = createDataQuality();
    const { metrics } = mapOne(
      video({ statistics: { viewCount: 'NaN', likeCount: '18446744073709551615', commentCount: '12abc' } }),
      quality,
    );
    assert.deepEqual([metrics.views, metrics.likes, metrics.comments], [null, null, null]);
    assert.equal(quality.count('counter-not-a-number'), 2);
    assert.equal(quality.count('counter-above-2^53'), 1);
  });

  it('a counter sent as a JSON number is taken when exact, and counted', () => {
    const quality = createDataQuality();
    const { metrics } = mapOne(video({ statistics: { viewCount: 42, likeCount: Number.NaN, commentCount: 2 ** 60 } }), quality);
    assert.equal(metrics.views, 42);
    assert.equal(metrics.likes, null);
    assert.equal(metrics.comments, null);
    assert.equal(quality.count('counter-as-json-number'), 1);
    assert.equal(quality.count('counter-above-2^53'), 1);
    assert.equal(quality.count('counter-not-a-number'), 1);
  });

  it('publishedAt as epoch milliseconds or seconds is normalised and counted; garbage is null and counted', () => {
    const quality = createDataQuality();
    const at = Date.parse('2026-11-19T10:00:00Z');
    assert.equal(mapOne(video({ snippet: { publishedAt: at } }), quality).post.published_at, at);
    assert.equal(mapOne(video({ snippet: { publishedAt: at / 1000 } }), quality).post.published_at, at);
    assert.equal(mapOne(video({ snippet: { publishedAt: 'yesterday' } }), quality).post.published_at, null);
    assert.equal(
      mapOne(video({ snippet: { publishedAt: '2026-11-19T10:00:00.123456789+01:00' } }), quality).post.published_at,
      at - 3_600_000 + 123,
    );
    assert.deepEqual(quality.counts(), { 'timestamp-as-epoch-ms': 1, 'timestamp-as-epoch-seconds': 1, 'timestamp-unreadable': 1 });
  });

  it('durations: ISO 8601 with days, fractions and P0D; an unreadable one is null and counted', () => {
    const quality = createDataQuality();
    const duration = (value: unknown) => mapOne(video({ contentDetails: { duration: value } }), quality).post.duration_ms;
    assert.equal(duration('PT1H2M3S'), 3_723_000);
    assert.equal(duration('P1DT1S'), 86_401_000);
    assert.equal(duration('PT0.5S'), 500);
    assert.equal(duration('P0D'), 0);
    assert.equal(duration('1:05'), null);
    assert.equal(quality.count('duration-unreadable'), 1);
  });

  it('format: SHORT from the Analytics creatorContentType (either spelling), LIVE from liveStreamingDetails, else VIDEO', () => {
    assert.equal(formatOf(video({}), 'SHORTS'), 'SHORT');
    assert.equal(formatOf(video({}), 'shorts'), 'SHORT');
    assert.equal(formatOf(video({}), 'LIVE_STREAM'), 'LIVE');
    assert.equal(formatOf(video({}), 'liveStream'), 'LIVE');
    assert.equal(formatOf(video({ liveStreamingDetails: { actualStartTime: '2026-11-19T10:00:00Z' } }), undefined), 'LIVE');
    assert.equal(formatOf(video({}), 'VIDEO_ON_DEMAND'), 'VIDEO');
    const short = mapOne(video({ id: 'shortVid001' }), createDataQuality(), new Map([['shortVid001', 'SHORTS']])).post;
    assert.equal(short.permalink, 'https://www.youtube.com/shorts/shortVid001');
    assert.equal((short.extensions as { youtube: { creator_content_type: string } }).youtube.creator_content_type, 'SHORTS');
  });

  it('Unicode in titles and descriptions is kept verbatim; hashtags and mentions read across scripts', () => {
    const description = 'Ünïcode e\u0301 👩‍👩‍👧 #日本語 #café_2026 mail@example.com @handle.name x#notatag';
    const { post } = mapOne(video({ snippet: { title: 'שלום 👋🏽', description } }));
    assert.equal(post.title, 'שלום 👋🏽');
    assert.equal(post.text, description);
    assert.deepEqual(post.hashtags, ['日本語', 'café_2026']);
    assert.deepEqual(post.mentions, ['handle.name']);
  });

  it('an edit (new title) is a new Post event; a re-collection of the same content is the same one', () => {
    const a = mapOne(video({})).post.envelope as { event_id: string };
    const again = mapOne(video({ statistics: { viewCount: '999' } })).post.envelope as { event_id: string };
    const edited = mapOne(video({ snippet: { title: 'new title' } })).post.envelope as { event_id: string };
    assert.equal(a.event_id, again.event_id);
    assert.notEqual(a.event_id, edited.event_id);
  });
});
