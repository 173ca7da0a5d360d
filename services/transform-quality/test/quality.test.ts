// The ProcessRecord of transform-quality without Kafka: routes, quarantine headers, pass-through
// deletions, what reaches the baselines, and the metrics.
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { isTributaryError } from '@tributary/errors';
import { avroType } from '@tributary/events';
import type { EventSchemaName, VelocityBaseline } from '@tributary/events';
import { readQuarantineHeaders } from '@tributary/kafka';
import type { ProcessContext } from '@tributary/processor-kit';
import { DEFAULT_RULE_SETTINGS, RULESET_VERSION, createQualityProcessor } from '../src/index.ts';
import type { QualityRuleSettings } from '../src/index.ts';
import { buildRecord, readInput } from './golden-cases.ts';

function context(topic: string, schema: EventSchemaName, offset = '7'): ProcessContext {
  return { topic, partition: 2, offset, key: 'k', headers: {}, timestamp: 1795428009999, schema };
}

function harness(settings: QualityRuleSettings = DEFAULT_RULE_SETTINGS) {
  const baselines = new Map<string, VelocityBaseline>();
  const registry = new Registry();
  const process = createQualityProcessor({
    settings,
    baselines: {
      get: (key) => baselines.get(key),
      set: (key, value) => void (value === null ? baselines.delete(key) : baselines.set(key, value)),
    },
    registry,
    topicOverrides: ['social.enriched.post-metrics=test.enriched-post-metrics'],
    now: () => 1,
  });
  return { process, baselines, registry };
}

const METRICS_IN = context('social.enriched.post-metrics', 'io.tributary.social.PostMetricsSnapshot');

async function counter(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = (metric?.values as Array<{ labels: Record<string, string>; value: number }> | undefined)?.find((v) =>
    Object.entries(labels).every(([key, label]) => v.labels[key] === label),
  );
  return value?.value ?? 0;
}

describe('transform-quality processor', () => {
  it('curates a clean record: same event, quality set, score 1, encodable with its schema', async () => {
    const { process } = harness();
    const input = buildRecord({ input: 'tiktok-post-metrics' }).event;
    const outputs = await process(input, METRICS_IN);
    assert.equal(outputs.length, 1);
    const [output] = outputs;
    assert.equal(output!.topic, 'social.curated.post-metrics');
    assert.equal(output!.schema, 'io.tributary.social.PostMetricsSnapshot');
    assert.equal(output!.headers, undefined);
    assert.deepEqual(output!.value, { ...input, quality: { score: 1, flags: [], ruleset_version: RULESET_VERSION } });
    assert.ok(avroType('io.tributary.social.PostMetricsSnapshot').isValid(output!.value));
  });

  it('quarantines a HARD failure with its verdict and the quarantine headers', async () => {
    const { process } = harness();
    const input = buildRecord({ input: 'tiktok-post-metrics', patch: { views: -5, likes: -1 } }).event;
    const [output] = await process(input, METRICS_IN);
    assert.equal(output!.topic, 'social.quarantine.post-metrics');
    const value = output!.value as typeof input;
    assert.equal(value.quality!.score, 0);
    assert.deepEqual(
      value.quality!.flags.map((flag) => [flag.code, flag.field]),
      [
        ['NEGATIVE_VALUE', 'views'],
        ['NEGATIVE_VALUE', 'likes'],
      ],
    );
    assert.ok(avroType('io.tributary.social.PostMetricsSnapshot').isValid(value));
    const headers = readQuarantineHeaders(Object.fromEntries(Object.entries(output!.headers!).map(([k, v]) => [k, Buffer.from(v)])));
    assert.deepEqual(headers, {
      reasons: 'NEGATIVE_VALUE',
      ruleset: RULESET_VERSION,
      service: 'transform-quality',
      quarantinedAt: new Date(input.envelope.collected_at).toISOString(),
      originTopic: 'test.enriched-post-metrics',
      originPartition: '2',
      originOffset: '7',
      originTimestamp: '1795428009999',
      curatedTopic: 'social.curated.post-metrics',
    });
  });

  it('lists distinct HARD codes in rule order as reasons, and dates an implausible collected_at by the origin record', async () => {
    const { process } = harness();
    const input = buildRecord({
      input: 'tiktok-post',
      patch: { account_id: '', envelope: { collected_at: 1795428002 } },
    }).event;
    const [output] = await process(input, context('social.enriched.posts', 'io.tributary.social.Post'));
    assert.equal(output!.topic, 'social.quarantine.posts');
    assert.equal(output!.headers!['tributary-quarantine-reasons'], 'REQUIRED_FIELD_MISSING,COLLECTED_AT_IMPLAUSIBLE');
    assert.equal(output!.headers!['tributary-quarantine-at'], new Date(1795428009999).toISOString());
    assert.equal(output!.headers!['tributary-quarantine-origin-topic'], 'social.enriched.posts', 'no override for posts');
  });

  it('passes deletions through unchanged to social.curated.deletions', async () => {
    const { process, registry } = harness();
    const deletion = readInput('tiktok-deletion');
    const outputs = await process(deletion, context('social.enriched.deletions', 'io.tributary.social.Deletion'));
    assert.deepEqual(outputs, [{ topic: 'social.curated.deletions', schema: 'io.tributary.social.Deletion', value: deletion }]);
    assert.equal(await counter(registry, 'tributary_quality_records_total', { topic: 'social.enriched.deletions', outcome: 'passed' }), 1);
  });

  it('adds the velocities of curated records to the baselines, never those of quarantined ones', async () => {
    const { process, baselines } = harness();
    await process(buildRecord({ input: 'tiktok-post-metrics', patch: { views: -5 } }).event, METRICS_IN);
    assert.equal(baselines.size, 0);
    await process(buildRecord({ input: 'tiktok-post-metrics' }).event, METRICS_IN);
    assert.deepEqual([...baselines.keys()].sort(), [
      'TIKTOK:-000abcDEFghiJKLmnoPQRstuVWXyz01:engagements_per_hour',
      'TIKTOK:-000abcDEFghiJKLmnoPQRstuVWXyz01:views_per_hour',
    ]);
    assert.equal(baselines.get('TIKTOK:-000abcDEFghiJKLmnoPQRstuVWXyz01:views_per_hour')!.updated_at, 1);
  });

  it('counts flags by code, severity and platform, outcomes, quarantine reasons and anomalies', async () => {
    const { process, registry } = harness({ ...DEFAULT_RULE_SETTINGS, anomaly: { windowSamples: 64, threshold: 3.5, minSamples: 3 } });
    for (let n = 0; n < 4; n += 1) {
      const value = n === 3 ? 5000 : 100 + n;
      const record = buildRecord({
        input: 'tiktok-post-metrics',
        patch: { envelope: { entity_id: `7300${n}`, observed_at: 1795428002120 + n * 60_000 }, enrichment: { views_per_hour: value } },
        recomputeEventId: true,
      });
      await process(record.event, METRICS_IN);
    }
    await process(buildRecord({ input: 'tiktok-post-metrics', patch: { views: -5 } }).event, METRICS_IN);
    await process(buildRecord({ input: 'tiktok-post-metrics', patch: { enrichment: { views_delta: -100 } } }).event, METRICS_IN);
    const topic = 'social.enriched.post-metrics';
    assert.equal(
      await counter(registry, 'tributary_quality_flags_total', { code: 'VELOCITY_ANOMALY', severity: 'WARN', platform: 'TIKTOK' }),
      1,
    );
    assert.equal(
      await counter(registry, 'tributary_quality_flags_total', { code: 'NEGATIVE_VALUE', severity: 'HARD', platform: 'TIKTOK' }),
      1,
    );
    assert.equal(
      await counter(registry, 'tributary_quality_flags_total', { code: 'COUNTER_DECREASED', severity: 'INFO', platform: 'TIKTOK' }),
      1,
    );
    assert.equal(await counter(registry, 'tributary_quality_records_total', { topic, outcome: 'curated' }), 5);
    assert.equal(await counter(registry, 'tributary_quality_records_total', { topic, outcome: 'quarantined' }), 1);
    assert.equal(await counter(registry, 'tributary_quality_quarantined_total', { topic, reason: 'NEGATIVE_VALUE' }), 1);
    assert.equal(await counter(registry, 'tributary_quality_anomalies_total', { metric: 'views_per_hour', platform: 'TIKTOK' }), 1);
    // The first three, and the last two (observed no later than the first: no sample lies before them).
    const velocity = (verdict: string) =>
      counter(registry, 'tributary_quality_velocity_samples_total', { metric: 'views_per_hour', verdict });
    assert.equal(await velocity('warming-up'), 5);
    assert.equal(await velocity('anomalous'), 1);
  });

  it('refuses a topic it has no route for as a system error, and invalid settings as a config error', () => {
    const { process } = harness();
    assert.throws(
      () => process({}, context('social.raw.posts', 'io.tributary.social.Post')),
      (error: unknown) => isTributaryError(error) && error.code === 'QUALITY_TOPIC_UNKNOWN' && error.failureType === 'system',
    );
    assert.throws(
      () => harness({ ...DEFAULT_RULE_SETTINGS, anomaly: { windowSamples: 4, threshold: 3.5, minSamples: 8 } }),
      (error: unknown) => isTributaryError(error) && error.failureType === 'config',
    );
  });
});
