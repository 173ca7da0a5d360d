import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, TributaryError } from '@tributary/errors';
import type { Post } from '@tributary/events';
import { compileTransform, compileTransforms, readTransformDeclarations } from '../src/user-transforms.ts';
import { enrichedExamples } from '../src/golden-examples.ts';
import { DEFAULT_LANGUAGE_OPTIONS } from '../src/language.ts';

const OPTIONS = { historyDepth: 16, language: DEFAULT_LANGUAGE_OPTIONS, now: () => 0 };
const LIMITS = { timeoutMs: 50, maxDepth: 100, maxSequence: 10_000 };
const post = (): Post => enrichedExamples('social.enriched.posts', OPTIONS).find((e) => e.name.endsWith('tiktok-video'))!.event as Post;

async function rejection(promise: Promise<unknown>): Promise<TributaryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TributaryError, `not a TributaryError: ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

function thrown(run: () => unknown): TributaryError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof TributaryError);
    return error;
  }
  assert.fail('expected an error');
}

describe('user transforms', () => {
  it('gives the expression $topic, $key and a $millis() that is the event’s collected_at', async () => {
    const transform = compileTransform(
      'social.enriched.posts',
      '$ ~> | $ | { "title": $topic & "|" & $key & "|" & $string($millis()) } |',
      LIMITS,
    );
    const out = (await transform.apply(post(), 'TIKTOK:7301234567890123456')) as Post;
    assert.equal(out.title, `social.enriched.posts|TIKTOK:7301234567890123456|${post().envelope.collected_at}`);
  });

  it('refuses a compile error at boot with the topic and the position', () => {
    const error = thrown(() => compileTransform('social.enriched.posts', '$ ~> | $ | { "a": ', LIMITS));
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'ENRICH_TRANSFORM_COMPILE');
    assert.match(error.message, /social\.enriched\.posts/);
    assert.match(error.message, /position \d+/);
  });

  it('refuses unknown topics and deletions', () => {
    assert.equal(thrown(() => compileTransform('social.raw.posts', '$', LIMITS)).code, 'ENRICH_TRANSFORM_TOPIC_UNKNOWN');
    assert.equal(thrown(() => compileTransform('social.enriched.deletions', '$', LIMITS)).code, 'ENRICH_TRANSFORM_TOPIC_UNKNOWN');
  });

  it('stops runaway expressions: endless tail recursion by time, deep recursion by depth, huge ranges by size', async () => {
    const endless = compileTransform('social.enriched.posts', '($f := function($n){ $f($n + 1) }; $f(0))', { ...LIMITS, timeoutMs: 20 });
    const timeout = await rejection(endless.apply(post(), null));
    assert.equal(timeout.code, 'ENRICH_TRANSFORM_FAILED');
    assert.equal(timeout.failureType, 'data');
    assert.match(timeout.message, /D1012/);

    const deep = compileTransform('social.enriched.posts', '($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))', LIMITS);
    assert.match((await rejection(deep.apply(post(), null))).message, /D1011/);

    const huge = compileTransform('social.enriched.posts', '$count([1..1000000])', LIMITS);
    assert.match((await rejection(huge.apply(post(), null))).message, /D2015/);
  });

  it('rejects results that are not events of the topic', async () => {
    for (const source of ['"text"', '[$]', '$.nothing', '$ ~> | $ | { "account_id": 42 } |', '$ ~> | envelope | { "observed_at": 1 } |']) {
      const error = await rejection(compileTransform('social.enriched.posts', source, LIMITS).apply(post(), null));
      assert.equal(error.code, 'ENRICH_TRANSFORM_INVALID', source);
      assert.equal(error.failureType, 'data', source);
    }
  });

  it('reads a YAML file and an inline JSON map, and refuses a topic declared twice', () => {
    const dir = mkdtempSync(join(tmpdir(), 'enrich-transforms-'));
    const file = join(dir, 'transforms.yaml');
    writeFileSync(file, 'social.enriched.posts: |\n  $ ~> | $ | { "title": $uppercase(title) } |\n');
    const declared = readTransformDeclarations(file, '{"social.enriched.comments": "$"}');
    assert.deepEqual(Object.keys(declared), ['social.enriched.posts', 'social.enriched.comments']);
    assert.match(declared['social.enriched.posts']!, /\$uppercase/);
    assert.equal(thrown(() => readTransformDeclarations(file, '{"social.enriched.posts": "$"}')).code, 'ENRICH_TRANSFORMS_INVALID');
    assert.equal(thrown(() => readTransformDeclarations(join(dir, 'missing.yaml'), '')).code, 'ENRICH_TRANSFORMS_UNREADABLE');
    assert.equal(thrown(() => readTransformDeclarations('', '{"social.enriched.posts": 3}')).code, 'ENRICH_TRANSFORMS_INVALID');
    assert.equal(thrown(() => readTransformDeclarations('', '[1]')).code, 'ENRICH_TRANSFORMS_INVALID');
    assert.deepEqual(readTransformDeclarations('', ''), {});
  });

  it('dry-runs every expression on the golden examples at boot', async () => {
    const examples = (topic: Parameters<typeof enrichedExamples>[0]) => enrichedExamples(topic, OPTIONS);
    const ok = await compileTransforms({ 'social.enriched.comments': '$' }, LIMITS, examples);
    assert.deepEqual([...ok.keys()], ['social.enriched.comments']);
    // Fine on the Instagram comment, broken on the YouTube reply (its author has no username).
    const error = await rejection(
      compileTransforms({ 'social.enriched.comments': '$ ~> | $ | { "text": $uppercase(author.username) } |' }, LIMITS, examples),
    );
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'ENRICH_TRANSFORM_DRY_RUN');
    assert.match(error.message, /social\.enriched\.comments.*youtube-reply/);
  });
});
