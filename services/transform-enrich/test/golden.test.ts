// Runs every golden case under test/golden: each file is a sequence of raw events (a golden example
// of schemas/avro/examples plus a patch) fed, in order, through the real ProcessRecord with one
// in-memory state, and the expectations written by hand next to each step (see test/golden/README.md).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTributaryError } from '@tributary/errors';
import { avroType } from '@tributary/events';
import type { EntityHistory } from '@tributary/events';
import type { KeyedState, ProcessContext } from '@tributary/processor-kit';
import { ENRICH_ROUTES, compileTransform, createEnrichRecord, rawExamples } from '../src/index.ts';
import type { EnrichInputTopic, UserTransform } from '../src/index.ts';

interface GoldenStep {
  note?: string;
  topic: EnrichInputTopic;
  /** `<example dir>/<name>` of schemas/avro/examples, e.g. social/post/tiktok-video. */
  example: string;
  /** Deep-merged over the example (objects merge, anything else replaces). */
  patch?: Record<string, unknown>;
  /** Dotted paths into the emitted event → expected value (numbers with a fraction compare to 1e-9). */
  expect?: Record<string, unknown>;
  /** The emitted event equals the input. */
  expectUnchanged?: boolean;
  /** The record is rejected with this error code (it would be dead-lettered). */
  expectError?: string;
  /** State keys → expected number of snapshots, or null for absent (forgotten). */
  expectState?: Record<string, number | null>;
}

interface GoldenFile {
  description: string;
  historyDepth?: number;
  transforms?: Record<string, string>;
  steps: GoldenStep[];
}

const GOLDEN_DIR = fileURLToPath(new URL('./golden', import.meta.url));

function merge(base: unknown, patch: unknown): unknown {
  if (
    patch === null ||
    typeof patch !== 'object' ||
    Array.isArray(patch) ||
    base === null ||
    typeof base !== 'object' ||
    Array.isArray(base)
  )
    return patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [name, value] of Object.entries(patch)) out[name] = merge(out[name], value);
  return out;
}

function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, name) => (node as Record<string, unknown> | null)?.[name], value);
}

function assertClose(actual: unknown, expected: unknown, message: string): void {
  if (typeof expected === 'number' && !Number.isInteger(expected) && typeof actual === 'number') {
    assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${message}: ${actual} ≉ ${expected}`);
  } else {
    assert.deepEqual(actual, expected, message);
  }
}

function memoryState(): KeyedState<EntityHistory> {
  const map = new Map<string, EntityHistory>();
  return {
    get: (key) => map.get(key),
    set: (key, value) => void (value === null ? map.delete(key) : map.set(key, value)),
    get size() {
      return map.size;
    },
  };
}

const examples = new Map<string, unknown>();
for (const topic of Object.keys(ENRICH_ROUTES) as EnrichInputTopic[])
  for (const { name, event } of rawExamples(topic)) examples.set(name, event);

describe('transform-enrich golden records (test/golden)', () => {
  const files = readdirSync(GOLDEN_DIR).filter((file) => file.endsWith('.json'));
  it('has golden files', () => assert.ok(files.length >= 8, `only ${files.length} golden files`));

  for (const file of files.sort()) {
    const golden = JSON.parse(readFileSync(join(GOLDEN_DIR, file), 'utf8')) as GoldenFile;
    it(`${file}: ${golden.description}`, async () => {
      const state = memoryState();
      const transforms = new Map<string, UserTransform>(
        Object.entries(golden.transforms ?? {}).map(([topic, source]) => [topic, compileTransform(topic, source)]),
      );
      const process = createEnrichRecord({
        options: { historyDepth: golden.historyDepth ?? 16, language: { minGraphemes: 20, ambiguityMargin: 0.1 }, now: () => 0 },
        transforms,
        state,
      });
      for (const [index, step] of golden.steps.entries()) {
        const label = `${file} step ${index}${step.note ? ` (${step.note})` : ''}`;
        const base = examples.get(step.example);
        assert.ok(base !== undefined, `${label}: no example ${step.example}`);
        const schema = ENRICH_ROUTES[step.topic].schema;
        const patched = merge(structuredClone(base), step.patch ?? {});
        assert.ok(avroType(schema).isValid(patched), `${label}: the patched input is not a valid ${schema}`);
        // Through the binary encoding, so the input is what the consumer decodes (avsc records), not plain objects.
        const input: unknown = avroType(schema).fromBuffer(avroType(schema).toBuffer(patched));
        const context: ProcessContext = {
          topic: step.topic,
          partition: 0,
          offset: String(index),
          key: null,
          headers: {},
          timestamp: 0,
          schema,
        };
        let outputs;
        try {
          outputs = await process(input, context);
        } catch (error) {
          assert.ok(step.expectError !== undefined, `${label}: unexpected ${(error as Error).message}`);
          assert.ok(isTributaryError(error) && error.failureType === 'data', `${label}: not a data error`);
          assert.equal(error.code, step.expectError, label);
          continue;
        }
        assert.equal(step.expectError, undefined, `${label}: expected ${step.expectError}, got an output`);
        assert.equal(outputs.length, 1, label);
        const [output] = outputs;
        assert.equal(output!.topic, ENRICH_ROUTES[step.topic].output, label);
        assert.ok(avroType(schema).isValid(output!.value), `${label}: the output is not a valid ${schema}`);
        if (step.expectUnchanged) assert.deepEqual(output!.value, input, `${label}: changed`);
        for (const [path, expected] of Object.entries(step.expect ?? {}))
          assertClose(at(output!.value, path), expected, `${label}: ${path}`);
        for (const [key, snapshots] of Object.entries(step.expectState ?? {})) {
          const history = state.get(key);
          if (snapshots === null) assert.equal(history, undefined, `${label}: state ${key} should be forgotten`);
          else assert.equal(history?.snapshots.length, snapshots, `${label}: snapshots in ${key}`);
        }
      }
    });
  }
});
