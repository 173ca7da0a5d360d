// Golden cases of transform-quality: test/golden/cases/*.json, each case an enriched input (a
// base record of test/golden/inputs patched), optional earlier records and a seeded velocity
// baseline, and the verdict expected: route, score and every flag with its detail. Updating an
// expectation is a reviewed diff.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeEventId } from '@tributary/events';
import type { Envelope, QualityFlag, VelocityBaseline } from '@tributary/events';
import type { AssessedEvent, AssessedKind, QualityRuleSettings } from '../src/index.ts';

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden');

export interface RecordSpec {
  /** File name (without .json) under golden/inputs. */
  input: string;
  /** Deep-merged into the input: objects merge, anything else replaces; {"$replace": v} replaces an object. */
  patch?: Record<string, unknown>;
  /** Recompute envelope.event_id after patching (the patch changed the identity on purpose). */
  recomputeEventId?: boolean;
}

export interface BaselineSeed {
  metric: string;
  values: number[];
  /** Seeded samples lie this many hours apart, ending one step before (or, with after, starting one step after) the record. */
  spacingHours?: number;
  after?: boolean;
}

export interface GoldenCase extends RecordSpec {
  name: string;
  settings?: Partial<QualityRuleSettings>;
  before?: RecordSpec[];
  baseline?: BaselineSeed[];
  expect: { route: 'curated' | 'quarantine'; score: number; flags: Array<Partial<QualityFlag> & Pick<QualityFlag, 'code' | 'severity'>> };
}

export interface GoldenFile {
  file: string;
  description: string;
  cases: GoldenCase[];
}

export function readGoldenFiles(): GoldenFile[] {
  const dir = join(GOLDEN_DIR, 'cases');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Omit<GoldenFile, 'file'>) }));
}

export function readInput(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, 'inputs', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function deepMerge(base: unknown, patch: unknown): unknown {
  if (isPlainObject(patch) && '$replace' in patch) return patch.$replace;
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) out[key] = deepMerge(base[key], value);
  return out;
}

export function kindOfInput(name: string): AssessedKind | 'deletion' {
  if (name.endsWith('post-metrics')) return 'post-metrics';
  if (name.endsWith('account-metrics')) return 'account-metrics';
  if (name.endsWith('comment')) return 'comment';
  if (name.endsWith('deletion')) return 'deletion';
  return 'post';
}

export function buildRecord(spec: RecordSpec): AssessedEvent {
  const event = deepMerge(readInput(spec.input), spec.patch ?? {}) as { envelope: Envelope };
  if (spec.recomputeEventId) event.envelope.event_id = computeEventId(event.envelope);
  const kind = kindOfInput(spec.input);
  if (kind === 'deletion') throw new Error(`${spec.input} is a deletion: it is never assessed`);
  return { kind, event } as AssessedEvent;
}

/** Baselines for the seeds, keyed like tributary.quality-state, with samples around `subject`'s observed_at. */
export function seedBaselines(subject: AssessedEvent, seeds: readonly BaselineSeed[]): Map<string, VelocityBaseline> {
  const { envelope } = subject.event;
  const account =
    subject.kind === 'post-metrics' ? subject.event.account_id : subject.kind === 'account-metrics' ? envelope.entity_id : 'none';
  const baselines = new Map<string, VelocityBaseline>();
  for (const seed of seeds) {
    const step = (seed.spacingHours ?? 1) * 3_600_000;
    const count = seed.values.length;
    baselines.set(`${envelope.platform}:${account}:${seed.metric}`, {
      platform: envelope.platform,
      account_id: account,
      metric: seed.metric,
      samples: seed.values.map((value, i) => ({
        event_id: `seed-${seed.metric}-${i}`,
        entity_id: `seed-post-${i}`,
        observed_at: seed.after ? envelope.observed_at + (i + 1) * step : envelope.observed_at - (count - i) * step,
        value,
      })),
      updated_at: envelope.collected_at,
    });
  }
  return baselines;
}
