// Ranges. A negative count, watch time or duration, or a period that ends before it starts, is
// impossible rather than unlikely: the mapper or the platform sent garbage (reliability.md §5,
// "negative follower counts"), so the record is quarantined. Values that are possible but not
// believable (beyond any platform's records, an engagement rate above the bound) are kept, flagged.
import type { QualityFlag } from '@tributary/events';
import { finding } from './catalogue.ts';
import { measuredValues } from './counters.ts';
import { iso, show, span } from './subject.ts';
import type { Rule } from './subject.ts';

/** Formats whose media has a length: a zero duration means the platform did not report it. */
const TIMED_FORMATS = new Set(['VIDEO', 'SHORT', 'REEL']);

/**
 * YouTube Analytics reports estimatedMinutesWatched in whole minutes (mapped × 60000) and
 * averageViewDuration in seconds, so the total may round below one average view by up to a minute.
 */
const WATCH_TIME_ROUNDING_MS = 60_000;

export const rangeRules: Rule = (subject, settings) => {
  const flags: QualityFlag[] = [];
  const measured = measuredValues(subject);
  for (const { field, value } of measured) {
    if (value < 0) flags.push(finding('NEGATIVE_VALUE', 'HARD', field, `${field} is ${show(value)}`));
  }
  if (subject.kind === 'post' && subject.event.duration_ms !== null && subject.event.duration_ms < 0) {
    flags.push(finding('NEGATIVE_VALUE', 'HARD', 'duration_ms', `duration_ms is ${show(subject.event.duration_ms)}`));
  }

  if (subject.kind === 'post-metrics' || subject.kind === 'account-metrics') {
    const { period } = subject.event;
    if (period !== null && period.end <= period.start) {
      flags.push(finding('PERIOD_INVALID', 'HARD', 'period', `period ends ${iso(period.end)}, not after its start ${iso(period.start)}`));
    }
  }

  for (const { field, value, unit } of measured) {
    if (unit !== 'count' || value < 0) continue;
    if (value > settings.maxPlausibleCounter || !Number.isSafeInteger(value)) {
      flags.push(
        finding(
          'COUNTER_IMPLAUSIBLE',
          'WARN',
          field,
          `${field} is ${show(value)}, above the plausible ${show(settings.maxPlausibleCounter)}`,
        ),
      );
    }
  }

  if (subject.kind === 'post-metrics') {
    const rate = subject.event.enrichment?.engagement_rate ?? null;
    if (rate !== null && (!Number.isFinite(rate) || rate < 0 || rate > settings.maxEngagementRate)) {
      flags.push(
        finding(
          'ENGAGEMENT_RATE_OUT_OF_RANGE',
          'WARN',
          'enrichment.engagement_rate',
          `engagement_rate ${show(rate)} is outside [0, ${show(settings.maxEngagementRate)}]`,
        ),
      );
    }
    const { watch_time_total_ms: total, average_watch_time_ms: average } = subject.event;
    if (total !== null && average !== null && total >= 0 && average > total + WATCH_TIME_ROUNDING_MS) {
      flags.push(
        finding(
          'WATCH_TIME_INCONSISTENT',
          'WARN',
          'average_watch_time_ms',
          `average_watch_time_ms ${show(average)} exceeds watch_time_total_ms ${show(total)}`,
        ),
      );
    }
  }

  if (subject.kind === 'post') {
    const post = subject.event;
    const format = post.enrichment && post.enrichment.content_format !== 'UNKNOWN' ? post.enrichment.content_format : post.format;
    if (post.duration_ms !== null && post.duration_ms > settings.maxDurationMs) {
      flags.push(
        finding(
          'DURATION_IMPLAUSIBLE',
          'WARN',
          'duration_ms',
          `duration_ms ${show(post.duration_ms)} (${span(post.duration_ms)}) exceeds ${span(settings.maxDurationMs)}`,
        ),
      );
    } else if (post.duration_ms === 0 && TIMED_FORMATS.has(format)) {
      flags.push(finding('DURATION_IMPLAUSIBLE', 'WARN', 'duration_ms', `duration_ms is 0 on a ${format}`));
    }
    for (const field of ['width', 'height'] as const) {
      const value = post[field];
      if (value !== null && value <= 0) flags.push(finding('DIMENSION_INVALID', 'WARN', field, `${field} is ${show(value)}`));
    }
  }
  return flags;
};
