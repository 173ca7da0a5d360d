import assert from 'node:assert/strict';
import { EVENT_SCHEMAS, TOPICS, TOPIC_NAMES, avroType, computeEventId, observation, topicValueType } from '../src/index.ts';
import type { AvroTopicName, EventSchemaName, Post, TopicValues } from '../src/index.ts';

describe('events/avro', () => {
  it('parses every schema once, as avsc types', () => {
    for (const name of Object.keys(EVENT_SCHEMAS) as EventSchemaName[]) {
      assert.equal(avroType(name).name, name);
      assert.equal(avroType(name), avroType(name));
    }
  });

  it('gives each Avro topic its value type and subject', () => {
    for (const [name, topic] of Object.entries(TOPICS)) {
      if (topic.valueSchema === null) {
        assert.match(name, /^dlq\./);
        continue;
      }
      assert.equal(topic.valueSubject, `${name}-value`);
      assert.equal(topicValueType(name as AvroTopicName).name, topic.valueSchema);
    }
    assert.equal(TOPIC_NAMES.socialRawPosts, 'social.raw.posts');
    assert.equal(TOPIC_NAMES.tributaryCanary, 'tributary.canary');
  });

  it('encodes a record written against the generated types', () => {
    const envelope = {
      platform: 'YOUTUBE',
      entity_kind: 'POST',
      entity_id: 'dQw4w9WgXcQ',
      observation: observation.content('v1'),
      observed_at: 1795413600000,
      collected_at: 1795413600100,
      lineage: {
        source: 'source-youtube',
        method: 'POLL',
        endpoint: 'GET /youtube/v3/videos',
        api_version: 'v3',
        request_id: null,
        delivery_id: null,
      },
      traceparent: null,
    } as const;
    const post: TopicValues['social.raw.posts'] = {
      enrichment: null,
      quality: null,
      envelope: { ...envelope, event_id: computeEventId(envelope) },
      account_id: 'UC_x5XG1OV2P6uZZ5FSM9Ttw',
      author: { account_id: null, username: null, display_name: null, profile_url: null, avatar_url: null, is_verified: null },
      format: 'SHORT',
      title: 'Title',
      text: null,
      language: null,
      hashtags: [],
      mentions: [],
      permalink: null,
      thumbnail_url: null,
      duration_ms: 50_000,
      width: null,
      height: null,
      published_at: null,
      extensions: { tiktok: null, instagram: null, youtube: null },
    } satisfies Post;
    const type = topicValueType('social.raw.posts');
    assert.ok(type.isValid(post));
    assert.deepEqual(JSON.parse(JSON.stringify(type.fromBuffer(type.toBuffer(post)))), post);
  });
});
