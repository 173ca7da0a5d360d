// The score and the catalogue's contract with the flags.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTributaryError } from '@tributary/errors';
import { RULES, RULESET_VERSION, finding, qualityScore } from '../src/index.ts';
import type { RuleCode } from '../src/index.ts';

const README_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');

describe('quality score', () => {
  it('is 1 without findings and unchanged by INFO flags', () => {
    assert.equal(qualityScore([]), 1);
    assert.equal(
      qualityScore([finding('PERIOD_NOT_FINAL', 'INFO', 'period.end', 'x'), finding('COUNTER_DECREASED', 'INFO', 'views', 'x')]),
      1,
    );
  });

  it('takes each WARN flag’s weight off, exactly to 4 decimals', () => {
    const flags = [
      finding('COUNTER_DECREASED', 'WARN', 'views', 'x'),
      finding('VELOCITY_ANOMALY', 'WARN', 'enrichment.views_per_hour', 'x'),
      finding('DURATION_IMPLAUSIBLE', 'WARN', 'duration_ms', 'x'),
    ];
    assert.equal(qualityScore(flags), 0.65);
  });

  it('never goes below 0 however many WARN flags there are', () => {
    assert.equal(qualityScore(Array.from({ length: 5 }, () => finding('COUNTER_IMPLAUSIBLE', 'WARN', 'likes', 'x'))), 0);
  });

  it('is 0 with any HARD flag', () => {
    assert.equal(qualityScore([finding('NEGATIVE_VALUE', 'HARD', 'views', 'x')]), 0);
  });
});

describe('rule catalogue', () => {
  it('refuses a severity the code is not declared with', () => {
    assert.throws(
      () => finding('NEGATIVE_VALUE', 'WARN', 'views', 'x'),
      (error: unknown) => isTributaryError(error) && error.code === 'QUALITY_RULE_UNDECLARED',
    );
  });

  it('weighs every WARN code and no other', () => {
    for (const [code, rule] of Object.entries(RULES)) {
      if ((rule.severities as readonly string[]).includes('WARN')) assert.ok(rule.warnWeight > 0 && rule.warnWeight <= 1, code);
      else assert.equal(rule.warnWeight, 0, code);
    }
  });

  it('is documented in the README: a row per code with its severities and weight, and the ruleset version', () => {
    const README = readFileSync(README_PATH, 'utf8');
    for (const code of Object.keys(RULES) as RuleCode[]) {
      const row = README.split('\n').find((line) => line.startsWith(`| \`${code}\``));
      assert.ok(row, `README has a row for ${code}`);
      for (const severity of RULES[code].severities) assert.ok(row.includes(severity), `${code} row names ${severity}`);
      if (RULES[code].warnWeight > 0) assert.ok(row.includes(String(RULES[code].warnWeight)), `${code} row names its weight`);
    }
    assert.ok(README.includes(RULESET_VERSION));
  });
});
