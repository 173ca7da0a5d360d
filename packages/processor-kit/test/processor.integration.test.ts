// The processor runtime against the real stack: outputs are produced under the catalogue
// subject to the overridden topics with the input's key and headers, a data error or an output
// that does not fit its schema dead-letters that record alone, and keyed state written by one
// instance is what the next instance starts from.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tributary/config';
import { TributaryError } from '@tributary/errors';
import { EVENT_SCHEMAS, avroType, computeEventId } from '@tributary/events';
import type { EntityHistory, Post } from '@tributary/events';
import { DLQ_HEADERS, createProducer, createSerde, readDeadLetterHeaders, readTopicToEnd } from '@tributary/kafka';
import type { Producer, Serde, TopicRecord } from '@tributary/kafka';
import { createLogger } from '@tributary/telemetry';
import { createIsolatedTopics, uniqueName, useTestStack } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { startProcessor } from '../src/index.ts';
import type { ProcessorDefinition, ProcessorHandle, ProcessorServiceSettings } from '../src/index.ts';

const logger = createLogger({ serviceName: 'processor-kit-test', level: 'error' });
const STATE = 'tributary.enrich-state';

function examplePost(): Post {
  const hex = readFileSync(join(repoRoot(), 'schemas/avro/examples/social/post/tiktok-video.avro.hex'), 'utf8').replace(/\s+/g, '');
  return avroType('io.tributary.social.Post').fromBuffer(Buffer.from(hex, 'hex')) as Post;
}

function postWithId(id: string, title: string): Post {
  const post = examplePost();
  const envelope = { ...post.envelope, entity_id: id, observation: `content:${title}` };
  return { ...post, title, envelope: { ...envelope, event_id: computeEventId(envelope) } };
}

/** Counts, per post, the distinct events seen — in state, so a restart continues the count. */
const COUNTING: ProcessorDefinition<ProcessorServiceSettings> = {
  service: 'transform-enrich',
  inputs: ['social.raw.posts'],
  states: [STATE],
  create({ state }) {
    const history = state<EntityHistory>(STATE);
    return (value) => {
      const post = value as Post;
      if (post.title === 'poison') throw new TributaryError('TEST_POISON', 'this record is poison', { failureType: 'data' });
      const key = `${post.envelope.platform}:POST:${post.envelope.entity_id}:LIFETIME`;
      const previous = history.get(key);
      const snapshots = (previous?.snapshots ?? []).filter((point) => point.event_id !== post.envelope.event_id);
      snapshots.push({
        event_id: post.envelope.event_id,
        observed_at: post.envelope.observed_at,
        counters: {},
        published_at: null,
        creator_followers: null,
      });
      history.set(key, {
        platform: post.envelope.platform,
        entity_kind: 'POST',
        entity_id: post.envelope.entity_id,
        series: 'LIFETIME',
        account_id: post.account_id,
        published_at: post.published_at,
        snapshots,
        updated_at: post.envelope.collected_at,
      });
      const seen = String(snapshots.length);
      // 'invalid' yields an output that does not fit the Post schema.
      const out = post.title === 'invalid' ? { ...post, account_id: 42 } : post;
      return [{ topic: 'social.enriched.posts', schema: 'io.tributary.social.Post', value: out, headers: { 'x-seen': seen } }];
    };
  },
};

describe('processor-kit: processors on the consumer runtime (integration)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let producer: Producer;
  let serde: Serde;
  const handles: ProcessorHandle[] = [];

  before(async () => {
    stack = await useTestStack();
    producer = await createProducer({ kafka: stack.kafka, logger, clientName: 'processor-kit-test' });
    serde = createSerde(stack.registry);
  });
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((handle) => handle.stop()));
  });
  after(async () => {
    await producer?.close();
  });

  async function isolated(): Promise<{ settings: ProcessorServiceSettings; topics: Record<string, string> }> {
    const { topics, overrides } = await createIsolatedTopics(
      stack,
      'proc',
      ['social.raw.posts', 'social.enriched.posts', 'dlq.transform-enrich', STATE],
      { partitions: (name) => (name === 'social.raw.posts' ? 3 : 1), compacted: [STATE] },
    );
    const defaults = {
      groupId: uniqueName('proc-group'),
      topicOverrides: overrides,
      maxBatchRecords: 100,
      fromBeginning: true,
      shutdownDeadlineMs: 5_000,
    };
    return {
      topics,
      settings: {
        processor: defaults,
        http: { host: '127.0.0.1', port: 0, maxBodyBytes: 1024 },
        kafka: stack.kafka,
        registry: stack.registry,
        telemetry: { serviceName: 'processor-kit-test', logLevel: 'error', otlpEndpoint: '' },
      },
    };
  }

  async function produce(topic: string, posts: Post[]): Promise<void> {
    const encoder = await serde.encoder<Post>('social.raw.posts-value', { schema: EVENT_SCHEMAS['io.tributary.social.Post'].schema });
    await producer.send(
      posts.map((post) => ({
        topic,
        key: `${post.envelope.platform}:${post.envelope.entity_id}`,
        value: encoder.encode(post),
        headers: { 'x-origin': post.title ?? '' },
      })),
    );
  }

  async function readAll(topic: string, atLeast: number): Promise<TopicRecord[]> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const records: TopicRecord[] = [];
      await readTopicToEnd({
        kafka: stack.kafka,
        logger,
        clientName: 'processor-kit-test-read',
        topic,
        onRecord: (record) => void records.push(record),
      });
      if (records.length >= atLeast || Date.now() > deadline) return records;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it('produces outputs with the input key and headers, and dead-letters only the bad records', async () => {
    const { settings, topics } = await isolated();
    await produce(topics['social.raw.posts']!, [
      postWithId('1', 'a'),
      postWithId('2', 'poison'),
      postWithId('3', 'invalid'),
      postWithId('4', 'b'),
    ]);
    // An undecodable record (no Confluent framing) on the same topic.
    await producer.send([{ topic: topics['social.raw.posts']!, key: 'TIKTOK:5', value: Buffer.from('not avro') }]);
    handles.push(await startProcessor(COUNTING, settings, { logger }));

    const out = await readAll(topics['social.enriched.posts']!, 2);
    const decoded = await Promise.all(
      out.map(async (record) => ({
        record,
        post: (await serde.decoder<Post>(avroType('io.tributary.social.Post')).decode(record.value)).value,
      })),
    );
    assert.deepEqual(decoded.map(({ post }) => post.title).sort(), ['a', 'b']);
    for (const { record, post } of decoded) {
      assert.equal(record.key, `TIKTOK:${post.envelope.entity_id}`);
      assert.equal(record.headers['x-origin']?.toString(), post.title);
      assert.equal(record.headers['x-seen']?.toString(), '1');
    }

    const dead = await readAll(topics['dlq.transform-enrich']!, 3);
    const codes = dead.map((record) => readDeadLetterHeaders(record.headers)?.errorCode).sort();
    assert.deepEqual(codes, ['PROCESSOR_OUTPUT_INVALID', 'SERDE_BAD_MAGIC', 'TEST_POISON']);
    assert.ok(dead.every((record) => record.headers[DLQ_HEADERS.originTopic]?.toString() === topics['social.raw.posts']));
  });

  it('starts a new instance from the state the previous one wrote', async () => {
    const { settings, topics } = await isolated();
    await produce(topics['social.raw.posts']!, [postWithId('7', 'first')]);
    const first = await startProcessor(COUNTING, settings, { logger });
    handles.push(first);
    await readAll(topics['social.enriched.posts']!, 1);
    await first.stop();
    handles.splice(handles.indexOf(first), 1);

    // The same post again (a new content version) and the first event repeated: state says 2 distinct events.
    await produce(topics['social.raw.posts']!, [postWithId('7', 'second'), postWithId('7', 'first')]);
    const second = await startProcessor(COUNTING, settings, { logger });
    handles.push(second);
    assert.equal(second.stats().stateKeys[STATE], 1);
    const out = await readAll(topics['social.enriched.posts']!, 3);
    assert.deepEqual(
      out.map((record) => record.headers['x-seen']?.toString()),
      ['1', '2', '2'],
    );
  });
});
