// The quality verdict on one enriched event: every rule in catalogue order, then duplicates and
// velocity anomalies; the score; and the HARD codes that send the record to quarantine.
//
// Score: 0.0 when any flag is HARD; otherwise 1.0 minus the catalogue weight of each WARN flag
// (rules/catalogue.ts), floored at 0 and rounded to 4 decimals; INFO flags cost nothing.
import type { QualityAssessment, QualityFlag } from '@tributary/events';
import { judgeVelocity } from './anomaly/velocity-anomaly.ts';
import type { BaselineStore, VelocityVerdict } from './anomaly/velocity-anomaly.ts';
import { RULES, RULESET_VERSION } from './rules/catalogue.ts';
import type { RuleCode } from './rules/catalogue.ts';
import { counterConsistencyRules } from './rules/counter-consistency.ts';
import { createDuplicateMemory } from './rules/duplicates.ts';
import { platformRetentionRules } from './rules/platform-retention.ts';
import { rangeRules } from './rules/ranges.ts';
import { requiredFieldRules } from './rules/required-fields.ts';
import type { AssessedEvent, QualityRuleSettings, Rule } from './rules/subject.ts';
import { timestampRules } from './rules/timestamps.ts';

/** The stateless rules, in the order their flags appear. */
export const STATELESS_RULES: readonly Rule[] = [
  requiredFieldRules,
  rangeRules,
  counterConsistencyRules,
  timestampRules,
  platformRetentionRules,
];

export function qualityScore(flags: readonly QualityFlag[]): number {
  if (flags.some((flag) => flag.severity === 'HARD')) return 0;
  let score = 1;
  for (const flag of flags) if (flag.severity === 'WARN') score -= RULES[flag.code as RuleCode]?.warnWeight ?? 0;
  return Math.max(0, Math.round(score * 1e4) / 1e4);
}

export interface QualityVerdict {
  assessment: QualityAssessment;
  /** Distinct HARD codes in rule order: the quarantine reasons. Empty: the record is curated. */
  hardReasons: string[];
  velocity: VelocityVerdict[];
  /** Applies the record's state changes (velocity samples). Call only when the record is curated. */
  commit(): void;
}

export interface QualityJudge {
  assess(subject: AssessedEvent): QualityVerdict;
  /** Event ids the duplicate rule remembers. */
  readonly rememberedEvents: number;
}

export interface QualityJudgeOptions {
  settings: QualityRuleSettings;
  baselines: BaselineStore;
  /** Time written into VelocityBaseline.updated_at (never used to judge). Default Date.now. */
  now?: () => number;
}

export function createQualityJudge(options: QualityJudgeOptions): QualityJudge {
  const { settings, baselines } = options;
  const now = options.now ?? Date.now;
  const duplicates = createDuplicateMemory(settings.duplicateMemoryEvents);
  return {
    get rememberedEvents() {
      return duplicates.size;
    },
    assess(subject) {
      const flags: QualityFlag[] = [];
      for (const rule of STATELESS_RULES) flags.push(...rule(subject, settings));
      flags.push(...duplicates.check(subject));
      const velocity = judgeVelocity(subject, baselines, settings.anomaly, now);
      flags.push(...velocity.flags);
      const hardReasons = [...new Set(flags.filter((flag) => flag.severity === 'HARD').map((flag) => flag.code))];
      return {
        assessment: { score: qualityScore(flags), flags, ruleset_version: RULESET_VERSION },
        hardReasons,
        velocity: velocity.verdicts,
        commit: velocity.commit,
      };
    },
  };
}
