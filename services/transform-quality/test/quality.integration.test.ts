// transform-quality on the running stack, every topic redirected to unique ones
// (processor.topicOverrides): clean records are curated with score 1, a HARD failure is
// quarantined with its headers, a velocity spike is curated with VELOCITY_ANOMALY, a deletion
// passes through, an undecodable record is dead-lettered while the partition keeps flowing, and
// the velocity baseline written by one instance is what the next one judges with.
import assert from 'node:assert/strict';
import { EVENT_SCHEMAS, TOPICS, avroType } from '@tributary/events';
import type { EventSchemaName, PostMetricsSnapshot, VelocityBaseline } from '@tributary/events';
import { createProducer, createSerde, readDeadLetterHeaders, readQuarantineHeaders, readTopicToEnd } from '@tributary/kafka';
import type { Producer, Serde, TopicRecord } from '@tributary/kafka';
import { startProcessor } from '@tributary/processor-kit';
import type { ProcessorHandle } from '@tributary/processor-kit';
import { createLogger } from '@tributary/telemetry';
import { createIsolatedTopics, uniqueName, useTestStack } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { QUALITY, QUALITY_ROUTES, QUALITY_STATE_TOPIC, RULESET_VERSION, loadQualitySettings } from '../src/index.ts';
import type { QualitySettings } from '../src/index.ts';
import { buildRecord, readInput } from './golden-cases.ts';

const logger = createLogger({ serviceName: 'transform-quality-test', level: 'error' });
const ACCOUNT = '-000abcDEFghiJKLmnoPQRstuVWXyz01';

/** TikTok post metrics of post n of the account, observed (and collected) n minutes after the base snapshot, views_per_hour `value`. */
function metrics(n: number, value: number, patch: Record<string, unknown> = {}): PostMetricsSnapshot {
  const base = buildRecord({ input: 'tiktok-post-metrics' }).event;
  return buildRecord({
    input: 'tiktok-post-metrics',
    patch: {
      envelope: {
        entity_id: `7311${String(n).padStart(4, '0')}`,
        observed_at: base.envelope.observed_at + n * 60_000,
        collected_at: base.envelope.collected_at + n * 60_000,
      },
      enrichment: { views_per_hour: value, engagements_per_hour: null },
      ...patch,
    },
    recomputeEventId: true,
  }).event as PostMetricsSnapshot;
}

function keyOf(event: { envelope: { platform: string; entity_id: string } }): string {
  return `${event.envelope.platform}:${event.envelope.entity_id}`;
}

describe('transform-quality on the stack (integration)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let producer: Producer;
  let serde: Serde;
  const handles: ProcessorHandle[] = [];

  before(async () => {
    stack = await useTestStack();
    producer = await createProducer({ kafka: stack.kafka, logger, clientName: 'transform-quality-test' });
    serde = createSerde(stack.registry);
  });
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((handle) => handle.stop()));
  });
  after(async () => {
    await producer?.close();
  });

  /** Every topic the processor touches, redirected to fresh ones. */
  async function isolated(): Promise<{ settings: QualitySettings; topics: Record<string, string> }> {
    const catalogue = new Set<string>([QUALITY_STATE_TOPIC, 'dlq.transform-quality']);
    for (const [input, route] of Object.entries(QUALITY_ROUTES)) {
      catalogue.add(input);
      catalogue.add(route.curated);
      if ('quarantine' in route) catalogue.add(route.quarantine);
    }
    const { topics, overrides } = await createIsolatedTopics(stack, 'quality', catalogue, { compacted: [QUALITY_STATE_TOPIC] });
    const defaults = loadQualitySettings({ env: {}, files: [] });
    return {
      topics,
      settings: {
        ...defaults,
        processor: {
          ...defaults.processor,
          groupId: uniqueName('quality-group'),
          topicOverrides: overrides,
          maxBatchRecords: 50,
          shutdownDeadlineMs: 5_000,
        },
        http: { host: '127.0.0.1', port: 0, maxBodyBytes: 1024 },
        kafka: stack.kafka,
        registry: stack.registry,
        telemetry: { serviceName: 'transform-quality-test', logLevel: 'error', otlpEndpoint: '' },
      },
    };
  }

  async function produce(catalogueTopic: string, physical: string, events: Array<{ envelope: { platform: string; entity_id: string } }>) {
    const schema = (TOPICS as unknown as Record<string, { valueSchema: EventSchemaName }>)[catalogueTopic]!.valueSchema;
    const encoder = await serde.encoder(`${catalogueTopic}-value`, { schema: EVENT_SCHEMAS[schema].schema });
    await producer.send(
      events.map((event) => ({ topic: physical, key: keyOf(event), value: encoder.encode(event), headers: { 'x-test': 'yes' } })),
    );
  }

  async function readAll(topic: string, atLeast: number): Promise<TopicRecord[]> {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const records: TopicRecord[] = [];
      await readTopicToEnd({
        kafka: stack.kafka,
        logger,
        clientName: 'transform-quality-test-read',
        topic,
        onRecord: (r) => void records.push(r),
      });
      if (records.length >= atLeast || Date.now() > deadline) return records;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function decode<T>(schema: EventSchemaName, record: TopicRecord): Promise<T> {
    return (await serde.decoder<T>(avroType(schema)).decode(record.value!)).value;
  }

  it('curates clean records with score 1, quarantines a HARD failure with headers, flags a spike, passes deletions, dead-letters garbage and keeps flowing', async () => {
    const { settings, topics } = await isolated();
    const normal = [100, 110, 90, 105, 95, 100, 102, 98, 101, 99].map((value, n) => metrics(n, value));
    const spike = metrics(10, 2000);
    const broken = metrics(11, 100, { views: -5 });
    const after = metrics(12, 101);
    const enrichedMetrics = topics['social.enriched.post-metrics']!;
    await produce('social.enriched.post-metrics', enrichedMetrics, [...normal, spike, broken]);
    await producer.send([{ topic: enrichedMetrics, key: 'TIKTOK:garbage', value: Buffer.from('not avro at all') }]);
    await produce('social.enriched.post-metrics', enrichedMetrics, [after]);
    const deletion = readInput('tiktok-deletion') as unknown as { envelope: { platform: string; entity_id: string } };
    await produce('social.enriched.deletions', topics['social.enriched.deletions']!, [deletion]);
    await produce('social.enriched.posts', topics['social.enriched.posts']!, [buildRecord({ input: 'tiktok-post' }).event]);

    handles.push(await startProcessor(QUALITY, settings, { logger, shutdownSignals: [] }));

    const curated = await readAll(topics['social.curated.post-metrics']!, 12);
    const snapshots = await Promise.all(curated.map((r) => decode<PostMetricsSnapshot>('io.tributary.social.PostMetricsSnapshot', r)));
    assert.deepEqual(
      snapshots.map((s) => s.envelope.event_id),
      [...normal, spike, after].map((s) => s.envelope.event_id),
      'everything but the broken record, in order, including the one after the garbage',
    );
    for (const [i, snapshot] of snapshots.entries()) {
      assert.equal(curated[i]!.key, keyOf(snapshot));
      assert.equal(curated[i]!.headers['x-test']?.toString(), 'yes', 'input headers are carried over');
      assert.equal(snapshot.quality!.ruleset_version, RULESET_VERSION);
    }
    assert.ok(snapshots.filter((s) => s !== snapshots[10]).every((s) => s.quality!.score === 1 && s.quality!.flags.length === 0));
    assert.deepEqual(
      snapshots[10]!.quality!.flags.map((f) => [f.code, f.severity, f.field]),
      [['VELOCITY_ANOMALY', 'WARN', 'enrichment.views_per_hour']],
    );
    assert.equal(snapshots[10]!.quality!.score, 0.9);

    const quarantined = await readAll(topics['social.quarantine.post-metrics']!, 1);
    assert.equal(quarantined.length, 1);
    const bad = await decode<PostMetricsSnapshot>('io.tributary.social.PostMetricsSnapshot', quarantined[0]!);
    assert.equal(bad.envelope.event_id, broken.envelope.event_id);
    assert.equal(bad.quality!.score, 0);
    assert.deepEqual(
      bad.quality!.flags.map((f) => f.code),
      ['NEGATIVE_VALUE'],
    );
    const headers = readQuarantineHeaders(quarantined[0]!.headers);
    assert.deepEqual(
      { ...headers, originTimestamp: undefined },
      {
        reasons: 'NEGATIVE_VALUE',
        ruleset: RULESET_VERSION,
        service: 'transform-quality',
        quarantinedAt: new Date(broken.envelope.collected_at).toISOString(),
        originTopic: enrichedMetrics,
        originPartition: '0',
        originOffset: '11',
        originTimestamp: undefined,
        curatedTopic: 'social.curated.post-metrics',
      },
    );
    assert.match(headers!.originTimestamp, /^\d{13}$/);
    assert.equal(quarantined[0]!.key, keyOf(broken));

    const dead = await readAll(topics['dlq.transform-quality']!, 1);
    assert.equal(dead.length, 1);
    assert.equal(readDeadLetterHeaders(dead[0]!.headers)?.errorCode, 'SERDE_BAD_MAGIC');
    assert.equal(dead[0]!.value!.toString(), 'not avro at all');

    const deletions = await readAll(topics['social.curated.deletions']!, 1);
    assert.deepEqual(JSON.parse(JSON.stringify(await decode('io.tributary.social.Deletion', deletions[0]!))), deletion, 'unchanged');
    const posts = await readAll(topics['social.curated.posts']!, 1);
    assert.equal((await decode<{ quality: { score: number } }>('io.tributary.social.Post', posts[0]!)).quality.score, 1);
  });

  it('judges with the baseline the previous instance left in tributary.quality-state', async () => {
    const { settings, topics } = await isolated();
    const enrichedMetrics = topics['social.enriched.post-metrics']!;
    const normal = [100, 110, 90, 105, 95, 100, 102, 98, 101, 99].map((value, n) => metrics(n, value));
    await produce('social.enriched.post-metrics', enrichedMetrics, normal);
    const first = await startProcessor(QUALITY, settings, { logger, shutdownSignals: [] });
    handles.push(first);
    await readAll(topics['social.curated.post-metrics']!, normal.length);
    await first.stop();
    handles.splice(handles.indexOf(first), 1);

    const state: TopicRecord[] = await readAll(topics[QUALITY_STATE_TOPIC]!, 1);
    const newest = new Map(state.map((record) => [record.key, record]));
    const key = `TIKTOK:${ACCOUNT}:views_per_hour`;
    assert.ok(newest.has(key), 'the baseline was written to the state topic');
    const baseline = await decode<VelocityBaseline>('io.tributary.system.VelocityBaseline', newest.get(key)!);
    assert.deepEqual(
      baseline.samples.map((s) => s.event_id),
      normal.map((s) => s.envelope.event_id),
    );

    // The second instance resumes after the committed offsets: it judges the spike only with the stored baseline.
    const spike = metrics(10, 2000);
    await produce('social.enriched.post-metrics', enrichedMetrics, [spike]);
    const second = await startProcessor(QUALITY, settings, { logger, shutdownSignals: [] });
    handles.push(second);
    assert.equal(second.stats().stateKeys[QUALITY_STATE_TOPIC], 1);
    const curated = await readAll(topics['social.curated.post-metrics']!, normal.length + 1);
    assert.equal(curated.length, normal.length + 1, 'nothing was processed twice');
    const judged = await decode<PostMetricsSnapshot>('io.tributary.social.PostMetricsSnapshot', curated.at(-1)!);
    assert.equal(judged.envelope.event_id, spike.envelope.event_id);
    assert.deepEqual(
      judged.quality!.flags.map((f) => f.code),
      ['VELOCITY_ANOMALY'],
    );
  });
});
