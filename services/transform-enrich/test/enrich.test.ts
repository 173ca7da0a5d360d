// The processor definition without Kafka: create() with fake dependencies (state, metrics).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { TributaryError } from '@tributary/errors';
import type { EntityHistory, Post } from '@tributary/events';
import type { KeyedState, ProcessContext } from '@tributary/processor-kit';
import { createLogger } from '@tributary/telemetry';
import { ENRICH_INPUTS, ENRICH_STATE_TOPIC, createEnrichDefinition, loadEnrichSettings, rawExamples } from '../src/index.ts';
import type { EnrichSettings } from '../src/index.ts';

const logger = createLogger({ serviceName: 'transform-enrich-test', level: 'silent' });

function memoryState(): KeyedState<EntityHistory> & { writes: string[] } {
  const map = new Map<string, EntityHistory>();
  const writes: string[] = [];
  return {
    writes,
    get: (key) => map.get(key),
    set(key, value) {
      writes.push(key);
      if (value === null) map.delete(key);
      else map.set(key, value);
    },
    get size() {
      return map.size;
    },
  };
}

function context(topic: string): ProcessContext {
  return {
    topic,
    partition: 0,
    offset: '0',
    key: 'TIKTOK:7301234567890123456',
    headers: {},
    timestamp: 0,
    schema: 'io.tributary.social.Post',
  };
}

async function create(settings: EnrichSettings) {
  const state = memoryState();
  const metrics = new Registry();
  const definition = createEnrichDefinition({ now: () => 42 });
  const process = await definition.create({
    settings,
    logger,
    metrics,
    state: <V>(topic: string) => {
      assert.equal(topic, ENRICH_STATE_TOPIC);
      return state as unknown as KeyedState<V>;
    },
  });
  return { process, state, metrics };
}

describe('transform-enrich processor definition', () => {
  it('reads the five raw topics and keeps its state in tributary.enrich-state', () => {
    const definition = createEnrichDefinition();
    assert.equal(definition.service, 'transform-enrich');
    assert.deepEqual([...definition.inputs].sort(), [
      'social.raw.account-metrics',
      'social.raw.comments',
      'social.raw.deletions',
      'social.raw.post-metrics',
      'social.raw.posts',
    ]);
    assert.deepEqual(definition.states, [ENRICH_STATE_TOPIC]);
    assert.equal(ENRICH_INPUTS.length, 5);
  });

  it('emits the enriched event to the enriched topic and counts languages and state', async () => {
    const { process, state, metrics } = await create(loadEnrichSettings({ env: {} }));
    const raw = rawExamples('social.raw.posts').find((example) => example.name.endsWith('tiktok-video'))!.event as Post;
    const [output, ...rest] = await process(raw, context('social.raw.posts'));
    assert.equal(rest.length, 0);
    assert.equal(output!.topic, 'social.enriched.posts');
    assert.equal(output!.schema, 'io.tributary.social.Post');
    assert.equal(output!.key, undefined); // the input key is kept
    const post = output!.value as Post;
    assert.equal(post.envelope.event_id, raw.envelope.event_id);
    assert.deepEqual(post.enrichment?.text.hashtags, ['running', 'morning']);
    assert.equal(state.get('TIKTOK:POST:7301234567890123456:LIFETIME')?.updated_at, 42);
    // The content version is remembered with the facts it was enriched with (replays reuse them).
    assert.deepEqual(
      state.get('TIKTOK:POST:7301234567890123456:CONTENT')?.snapshots.map((point) => point.event_id),
      [raw.envelope.event_id],
    );
    const text = await metrics.metrics();
    assert.match(text, /tributary_transform_enrich_language_total\{topic="social.raw.posts",method="UNDETERMINED"\} 1/);
    assert.match(text, /tributary_transform_enrich_state_entities 2/);
  });

  it('refuses to start on a transform that fails its dry run, and dead-letters records whose transform throws', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'enrich-def-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ 'social.enriched.posts': '$error("no")' }));
    await assert.rejects(create(loadEnrichSettings({ env: { TRIBUTARY_ENRICH_TRANSFORMS_FILE: bad } })), (error: unknown) => {
      return (error as TributaryError).code === 'ENRICH_TRANSFORM_DRY_RUN' && /social\.enriched\.posts/.test((error as Error).message);
    });

    const picky = join(dir, 'picky.yaml');
    writeFileSync(picky, 'social.enriched.posts: \'title = "poison" ? $error("poisoned") : $\'\n');
    const { process, state, metrics } = await create(loadEnrichSettings({ env: { TRIBUTARY_ENRICH_TRANSFORMS_FILE: picky } }));
    const raw = rawExamples('social.raw.posts').find((example) => example.name.endsWith('tiktok-video'))!.event as Post;
    await assert.rejects(Promise.resolve(process({ ...raw, title: 'poison' }, context('social.raw.posts'))), (error: unknown) => {
      return error instanceof TributaryError && error.code === 'ENRICH_TRANSFORM_FAILED' && error.failureType === 'data';
    });
    assert.deepEqual(state.writes, [], 'a rejected record leaves state untouched');
    assert.match(
      await metrics.metrics(),
      /tributary_transform_enrich_user_transform_failures_total\{topic="social.enriched.posts",error_code="ENRICH_TRANSFORM_FAILED"\} 1/,
    );
    assert.equal((await process(raw, context('social.raw.posts'))).length, 1);
  });

  it('dead-letters a record that breaks a rule instead of stopping', async () => {
    const { process, state } = await create(loadEnrichSettings({ env: {} }));
    const raw = rawExamples('social.raw.posts').find((example) => example.name.endsWith('tiktok-video'))!.event as Post;
    const broken = { ...raw, envelope: null } as unknown as Post;
    await assert.rejects(Promise.resolve(process(broken, context('social.raw.posts'))), (error: unknown) => {
      return error instanceof TributaryError && error.code === 'ENRICH_RECORD_FAILED' && error.failureType === 'data';
    });
    assert.deepEqual(state.writes, []);
  });

  it('runs the README’s example transforms through the boot dry run', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(yaml, 'README has a yaml example');
    const file = join(mkdtempSync(join(tmpdir(), 'enrich-readme-')), 'transforms.yaml');
    writeFileSync(file, yaml);
    const { process } = await create(loadEnrichSettings({ env: { TRIBUTARY_ENRICH_TRANSFORMS_FILE: file } }));
    const raw = rawExamples('social.raw.posts').find((example) => example.name.endsWith('tiktok-video'))!.event as Post;
    const [output] = await process({ ...raw, title: '  Morning run  ' }, context('social.raw.posts'));
    assert.equal((output!.value as Post).title, 'Morning run');
  });

  it('refuses a topic it does not read', async () => {
    const { process } = await create(loadEnrichSettings({ env: {} }));
    await assert.rejects(
      Promise.resolve(process({}, context('social.curated.posts'))),
      (error: unknown) => (error as TributaryError).code === 'ENRICH_TOPIC_UNEXPECTED',
    );
  });
});
