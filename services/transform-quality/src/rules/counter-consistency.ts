// Counters against each other and against their own past.
//
// Lifetime counters should not fall, but platforms do lower them: spam and fake engagement are
// removed after the fact, Instagram insights are revised for up to 48 h and YouTube Analytics for
// 48-72 h (research/platform-apis.md §1, §2), YouTube rounds subscriberCount to three significant
// figures. So a fall is never HARD: within the tolerance (a fraction of the previous value, or a
// small absolute floor for small counters) it is an INFO note of a revision, beyond it a WARN. The
// fall is read from the deltas transform-enrich computed against the previous snapshot of the same
// series; period aggregates (period set) are not cumulative and are not compared.
//
// Reach counts unique accounts, views (and Instagram's legacy impressions) count every view, so
// reach above views is inconsistent. Kept with a WARN: Meta marks reach as an estimate.
import type { QualityFlag } from '@tributary/events';
import { finding } from './catalogue.ts';
import { show } from './subject.ts';
import type { QualityRuleSettings, Rule } from './subject.ts';

function fallFlag(field: string, current: number | null, delta: number | null, settings: QualityRuleSettings): QualityFlag | undefined {
  if (current === null || delta === null || delta >= 0) return undefined;
  const previous = current - delta;
  const fall = -delta;
  const tolerance = Math.max(settings.counterDecreaseFloor, settings.counterDecreaseRatio * previous);
  const percent = previous > 0 ? ` (-${show((fall / previous) * 100)}%)` : '';
  const detail = `${field} fell from ${show(previous)} to ${show(current)}${percent}; tolerance ${show(tolerance)}`;
  return finding('COUNTER_DECREASED', fall <= tolerance ? 'INFO' : 'WARN', field, detail);
}

export const counterConsistencyRules: Rule = (subject, settings) => {
  const flags: QualityFlag[] = [];
  if (subject.kind === 'post-metrics') {
    const snapshot = subject.event;
    const enrichment = snapshot.enrichment;
    if (enrichment !== null && snapshot.period === null) {
      const pairs: Array<[string, number | null, number | null]> = [
        ['views', snapshot.views, enrichment.views_delta],
        ['likes', snapshot.likes, enrichment.likes_delta],
        ['comments', snapshot.comments, enrichment.comments_delta],
        ['shares', snapshot.shares, enrichment.shares_delta],
      ];
      for (const [field, current, delta] of pairs) {
        const flag = fallFlag(field, current, delta, settings);
        if (flag) flags.push(flag);
      }
    }
    const impressions = snapshot.extensions.instagram?.impressions ?? null;
    for (const [name, total] of [
      ['views', snapshot.views],
      ['extensions.instagram.impressions', impressions],
    ] as const) {
      if (snapshot.reach !== null && total !== null && total >= 0 && snapshot.reach > total) {
        flags.push(finding('REACH_EXCEEDS_VIEWS', 'WARN', 'reach', `reach ${show(snapshot.reach)} exceeds ${name} ${show(total)}`));
      }
    }
  }
  if (subject.kind === 'account-metrics') {
    const snapshot = subject.event;
    if (snapshot.enrichment !== null && snapshot.period === null) {
      const flag = fallFlag('followers', snapshot.followers, snapshot.enrichment.followers_delta, settings);
      if (flag) flags.push(flag);
    }
    if (snapshot.reach !== null && snapshot.views !== null && snapshot.views >= 0 && snapshot.reach > snapshot.views) {
      flags.push(finding('REACH_EXCEEDS_VIEWS', 'WARN', 'reach', `reach ${show(snapshot.reach)} exceeds views ${show(snapshot.views)}`));
    }
  }
  return flags;
};
