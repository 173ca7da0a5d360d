// transform-enrich against the running stack, on its own topics (processor.topicOverrides):
// real events of each type come out enriched on the enriched topics; deltas survive a restart of
// the processor (state in the compacted state topic); an undecodable record and a record whose
// user transform throws are dead-lettered while later records flow.
import assert from 'node:assert/strict';
import { EVENT_SCHEMAS, avroType, computeEventId } from '@tributary/events';
import type { AccountMetricsSnapshot, Comment, Deletion, EventSchemaName, Post, PostMetricsSnapshot } from '@tributary/events';
import { createProducer, createSerde, readDeadLetterHeaders, readTopicToEnd } from '@tributary/kafka';
import type { Producer, Serde, TopicRecord } from '@tributary/kafka';
import { startProcessor } from '@tributary/processor-kit';
import type { ProcessorHandle } from '@tributary/processor-kit';
import { createLogger } from '@tributary/telemetry';
import { createIsolatedTopics, uniqueName, useTestStack } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { ENRICH, ENRICH_ROUTES, ENRICH_STATE_TOPIC, loadEnrichSettings, rawExamples } from '../src/index.ts';
import type { EnrichInputTopic, EnrichSettings } from '../src/index.ts';

const logger = createLogger({ serviceName: 'transform-enrich-test', level: 'error' });

function example<T>(topic: EnrichInputTopic, name: string): T {
  const found = rawExamples(topic).find((entry) => entry.name.endsWith(name));
  assert.ok(found, `no example ${name}`);
  return structuredClone(found.event) as T;
}

/** A new observation of the TikTok example post's metrics. */
function tiktokSnapshot(observedAt: number, views: number, likes: number): PostMetricsSnapshot {
  const snapshot = example<PostMetricsSnapshot>('social.raw.post-metrics', 'tiktok-video');
  const envelope = { ...snapshot.envelope, observed_at: observedAt, observation: `metrics:${observedAt}` };
  return { ...snapshot, views, likes, snapshot_bucket: observedAt, envelope: { ...envelope, event_id: computeEventId(envelope) } };
}

describe('transform-enrich (integration)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let producer: Producer;
  let serde: Serde;
  const handles: ProcessorHandle[] = [];

  before(async () => {
    stack = await useTestStack();
    producer = await createProducer({ kafka: stack.kafka, logger, clientName: 'transform-enrich-test' });
    serde = createSerde(stack.registry);
  });
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((handle) => handle.stop()));
  });
  after(async () => {
    await producer?.close();
  });

  /** Unique raw, enriched, dead-letter and state topics, created here, and settings pointing at them. */
  async function isolated(env: Record<string, string> = {}): Promise<{ settings: EnrichSettings; topics: Record<string, string> }> {
    const { topics, overrides } = await createIsolatedTopics(
      stack,
      'enrich',
      [
        ...Object.keys(ENRICH_ROUTES),
        ...Object.values(ENRICH_ROUTES).map((route) => route.output),
        'dlq.transform-enrich',
        ENRICH_STATE_TOPIC,
      ],
      { partitions: (name) => (name.startsWith('social.raw.') ? 2 : 1), compacted: [ENRICH_STATE_TOPIC] },
    );
    const defaults = loadEnrichSettings({ env: { TRIBUTARY_ENRICH_HTTP_PORT: '0', ...env } });
    const settings: EnrichSettings = {
      ...defaults,
      processor: {
        ...defaults.processor,
        groupId: uniqueName('enrich-group'),
        topicOverrides: overrides,
        maxBatchRecords: 50,
        shutdownDeadlineMs: 5_000,
      },
      kafka: stack.kafka,
      registry: stack.registry,
      telemetry: { ...defaults.telemetry, logLevel: 'error' },
    };
    return { settings, topics };
  }

  async function produce(topics: Record<string, string>, topic: EnrichInputTopic, events: unknown[]): Promise<void> {
    const schema = ENRICH_ROUTES[topic].schema;
    const encoder = await serde.encoder(`${topic}-value`, { schema: EVENT_SCHEMAS[schema].schema });
    await producer.send(
      events.map((event) => {
        const { envelope } = event as Post;
        return { topic: topics[topic]!, key: `${envelope.platform}:${envelope.entity_id}`, value: encoder.encode(event) };
      }),
    );
  }

  async function readAll(topic: string, atLeast: number): Promise<TopicRecord[]> {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const records: TopicRecord[] = [];
      await readTopicToEnd({
        kafka: stack.kafka,
        logger,
        clientName: 'transform-enrich-test-read',
        topic,
        onRecord: (record) => void records.push(record),
      });
      if (records.length >= atLeast || Date.now() > deadline) return records;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function decodeAll<T>(records: TopicRecord[], schema: EventSchemaName): Promise<{ record: TopicRecord; value: T }[]> {
    const decoder = serde.decoder<T>(avroType(schema));
    return Promise.all(records.map(async (record) => ({ record, value: (await decoder.decode(record.value)).value })));
  }

  async function start(settings: EnrichSettings): Promise<ProcessorHandle> {
    const handle = await startProcessor(ENRICH, settings, { logger });
    handles.push(handle);
    return handle;
  }

  it('enriches real events of every type onto the enriched topics, same key and event_id', async () => {
    const { settings, topics } = await isolated();
    await start(settings);
    // The account first, so the post and its metrics see its follower count.
    await produce(topics, 'social.raw.account-metrics', [example<AccountMetricsSnapshot>('social.raw.account-metrics', 'tiktok-lifetime')]);
    const [account] = await decodeAll<AccountMetricsSnapshot>(
      await readAll(topics['social.enriched.account-metrics']!, 1),
      'io.tributary.social.AccountMetricsSnapshot',
    );
    assert.equal(account?.value.enrichment?.creator_tier, 'MICRO');
    assert.equal(account?.record.key, 'TIKTOK:-000abcDEFghiJKLmnoPQRstuVWXyz01');

    const post = example<Post>('social.raw.posts', 'tiktok-video');
    const metrics = example<PostMetricsSnapshot>('social.raw.post-metrics', 'tiktok-video');
    const comment = example<Comment>('social.raw.comments', 'youtube-reply');
    const deletion = example<Deletion>('social.raw.deletions', 'youtube-video-gone');
    await produce(topics, 'social.raw.posts', [post]);
    await produce(topics, 'social.raw.post-metrics', [metrics]);
    await produce(topics, 'social.raw.comments', [comment]);
    await produce(topics, 'social.raw.deletions', [deletion]);

    const [posts] = await decodeAll<Post>(await readAll(topics['social.enriched.posts']!, 1), 'io.tributary.social.Post');
    assert.equal(posts?.record.key, 'TIKTOK:7301234567890123456');
    assert.equal(posts?.value.envelope.event_id, post.envelope.event_id);
    assert.deepEqual(posts?.value.enrichment?.text.hashtags, ['running', 'morning']);
    assert.equal(posts?.value.enrichment?.content_format, 'VIDEO');
    assert.equal(posts?.value.enrichment?.creator_tier, 'MICRO');
    assert.equal(posts?.value.quality, null);

    const [snapshot] = await decodeAll<PostMetricsSnapshot>(
      await readAll(topics['social.enriched.post-metrics']!, 1),
      'io.tributary.social.PostMetricsSnapshot',
    );
    assert.equal(snapshot?.value.enrichment?.engagements, 1203 + 88 + 41);
    assert.equal(snapshot?.value.enrichment?.creator_tier, 'MICRO');

    const [reply] = await decodeAll<Comment>(await readAll(topics['social.enriched.comments']!, 1), 'io.tributary.social.Comment');
    assert.equal(reply?.value.envelope.event_id, comment.envelope.event_id);
    assert.equal(reply?.value.enrichment?.text.text_graphemes, 29);

    const [gone] = await decodeAll<Deletion>(await readAll(topics['social.enriched.deletions']!, 1), 'io.tributary.social.Deletion');
    assert.deepEqual(JSON.parse(JSON.stringify(gone?.value)), JSON.parse(JSON.stringify(deletion)));
    assert.equal((await readAll(topics['dlq.transform-enrich']!, 0)).length, 0);
  });

  it('computes the delta against the snapshot seen before a restart', async () => {
    const { settings, topics } = await isolated();
    const first = tiktokSnapshot(1_795_428_000_000, 1000, 100);
    await produce(topics, 'social.raw.post-metrics', [first]);
    const before = await start(settings);
    await readAll(topics['social.enriched.post-metrics']!, 1);
    await before.stop();
    handles.splice(handles.indexOf(before), 1);

    await produce(topics, 'social.raw.post-metrics', [tiktokSnapshot(1_795_428_000_000 + 1_800_000, 1600, 130)]);
    const after = await start(settings);
    assert.equal(after.stats().stateKeys[ENRICH_STATE_TOPIC], 1, 'the new instance loaded the state topic');
    const out = await decodeAll<PostMetricsSnapshot>(
      await readAll(topics['social.enriched.post-metrics']!, 2),
      'io.tributary.social.PostMetricsSnapshot',
    );
    assert.equal(out.length, 2);
    const second = out.find(({ value }) => value.envelope.event_id !== first.envelope.event_id)!.value.enrichment!;
    assert.equal(second.previous_event_id, first.envelope.event_id);
    assert.equal(second.views_delta, 600);
    assert.equal(second.likes_delta, 30);
    assert.equal(second.views_per_hour, 1200);
  });

  it('dead-letters an undecodable record and a record whose transform throws, and later records flow', async () => {
    const { settings, topics } = await isolated({
      TRIBUTARY_ENRICH_TRANSFORMS: JSON.stringify({ 'social.enriched.posts': 'title = "poison" ? $error("poisoned post") : $' }),
    });
    await start(settings);
    const good = example<Post>('social.raw.posts', 'tiktok-video');
    await producer.send([{ topic: topics['social.raw.posts']!, key: 'TIKTOK:7301234567890123456', value: Buffer.from('not avro') }]);
    await produce(topics, 'social.raw.posts', [{ ...good, title: 'poison' }, good]);

    const out = await decodeAll<Post>(await readAll(topics['social.enriched.posts']!, 1), 'io.tributary.social.Post');
    assert.deepEqual(
      out.map(({ value }) => value.title),
      ['Morning run'],
    );
    const dead = await readAll(topics['dlq.transform-enrich']!, 2);
    assert.deepEqual(dead.map((record) => readDeadLetterHeaders(record.headers)?.errorCode).sort(), [
      'ENRICH_TRANSFORM_FAILED',
      'SERDE_BAD_MAGIC',
    ]);
  });
});
