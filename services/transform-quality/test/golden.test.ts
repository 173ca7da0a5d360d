// Runs every golden case (test/golden/cases/*.json) through a fresh quality judge and compares the
// verdict — route, score, every flag with its field and detail — with the expectation; checks
// that the inputs are valid records of their schemas and that every rule code, with every
// severity it is declared with, has a golden case.
import assert from 'node:assert/strict';
import { avroType } from '@tributary/events';
import type { EventSchemaName, VelocityBaseline } from '@tributary/events';
import { DEFAULT_RULE_SETTINGS, RULES, createQualityJudge } from '../src/index.ts';
import type { AssessedKind, QualityRuleSettings, RuleCode } from '../src/index.ts';
import { buildRecord, readGoldenFiles, seedBaselines } from './golden-cases.ts';
import type { GoldenCase } from './golden-cases.ts';

const SCHEMA_OF: Record<AssessedKind, EventSchemaName> = {
  post: 'io.tributary.social.Post',
  'post-metrics': 'io.tributary.social.PostMetricsSnapshot',
  'account-metrics': 'io.tributary.social.AccountMetricsSnapshot',
  comment: 'io.tributary.social.Comment',
};

function settingsOf(golden: GoldenCase): QualityRuleSettings {
  return {
    ...DEFAULT_RULE_SETTINGS,
    ...golden.settings,
    anomaly: { ...DEFAULT_RULE_SETTINGS.anomaly, ...golden.settings?.anomaly },
  };
}

function run(golden: GoldenCase) {
  const subject = buildRecord(golden);
  const baselines = seedBaselines(subject, golden.baseline ?? []);
  const judge = createQualityJudge({
    settings: settingsOf(golden),
    baselines: {
      get: (key) => baselines.get(key),
      set: (key, value: VelocityBaseline | null) => void (value === null ? baselines.delete(key) : baselines.set(key, value)),
    },
    now: () => 0,
  });
  for (const before of golden.before ?? []) {
    const verdict = judge.assess(buildRecord(before));
    if (verdict.hardReasons.length === 0) verdict.commit();
  }
  return { subject, verdict: judge.assess(subject) };
}

const files = readGoldenFiles();

describe('transform-quality golden cases', () => {
  for (const file of files) {
    describe(file.file, () => {
      for (const golden of file.cases) {
        it(golden.name, () => {
          const { subject, verdict } = run(golden);
          assert.ok(
            avroType(SCHEMA_OF[subject.kind]).isValid(subject.event),
            `the input of "${golden.name}" is not a valid ${SCHEMA_OF[subject.kind]}`,
          );
          for (const flag of golden.expect.flags) {
            assert.ok('field' in flag && 'detail' in flag, `every expected flag states its field and detail (${flag.code})`);
          }
          assert.deepEqual(
            {
              route: verdict.hardReasons.length > 0 ? 'quarantine' : 'curated',
              score: verdict.assessment.score,
              flags: verdict.assessment.flags,
            },
            golden.expect,
          );
        });
      }
    });
  }

  it('covers every rule code with every severity it is declared with', () => {
    const covered = new Set(
      files.flatMap((file) => file.cases.flatMap((golden) => golden.expect.flags.map((f) => `${f.code}/${f.severity}`))),
    );
    const declared = (Object.keys(RULES) as RuleCode[]).flatMap((code) => RULES[code].severities.map((severity) => `${code}/${severity}`));
    assert.deepEqual(
      declared.filter((pair) => !covered.has(pair)),
      [],
    );
    assert.ok(files.length >= 6 && files.every((file) => file.cases.length > 0));
  });

  it('covers TikTok, Instagram and YouTube records of every event type', () => {
    const seen = new Set(
      files.flatMap((file) => file.cases.map((golden) => buildRecord(golden))).map((s) => `${s.event.envelope.platform}/${s.kind}`),
    );
    for (const platform of ['TIKTOK', 'INSTAGRAM', 'YOUTUBE']) {
      for (const kind of ['post', 'post-metrics'] as const) assert.ok(seen.has(`${platform}/${kind}`), `${platform}/${kind}`);
    }
    for (const pair of ['TIKTOK/account-metrics', 'INSTAGRAM/account-metrics', 'INSTAGRAM/comment', 'YOUTUBE/comment'])
      assert.ok(seen.has(pair), pair);
  });
});
