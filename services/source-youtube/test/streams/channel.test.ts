import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { topicValueType } from '@tributary/events';
import { createDataQuality } from '../../src/records.ts';
import { mapChannels } from '../../src/streams/channel.ts';
import { goldenContext, goldenResponse, mapGolden } from '../fixtures/golden.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8'));

describe('source-youtube channel mapping', () => {
  it('maps the recorded channels.list payload to the reviewed AccountMetricsSnapshot (golden), which fits the schema', () => {
    const body = fixture('channels-list') as { items: Array<{ id: string }> };
    const mapped = mapGolden('channel', body, goldenContext(body.items[0]!.id, 'channel'));
    assert.deepEqual(JSON.parse(JSON.stringify(mapped)), fixture('channels-list.expected'));
    assert.ok(topicValueType('social.raw.account-metrics').isValid(mapped[0]!.value));
  });

  it('statistics strings become numbers; a hidden subscriber count gives followers null (not the rounded placeholder)', () => {
    const body = {
      items: [
        {
          id: 'UChidden',
          snippet: { title: 'Hidden', customUrl: '@hidden.one' },
          statistics: { viewCount: '123456', subscriberCount: '0', hiddenSubscriberCount: true, videoCount: '12' },
        },
      ],
    };
    const [event] = mapChannels(goldenResponse(body), goldenContext('UChidden', 'channel'), createDataQuality());
    assert.equal(event!.value.followers, null);
    assert.equal(event!.value.views, 123_456);
    assert.equal(event!.value.posts, 12);
    assert.equal(event!.value.username, 'hidden.one');
    assert.deepEqual((event!.value.extensions as { youtube: unknown }).youtube, { hidden_subscriber_count: true, engaged_views: null });
  });

  it('an item without an id is counted, not mapped', () => {
    const quality = createDataQuality();
    assert.deepEqual(mapChannels(goldenResponse({ items: [{ statistics: {} }] }), goldenContext('UCx', 'channel'), quality), []);
    assert.equal(quality.count('item-without-id'), 1);
  });
});
