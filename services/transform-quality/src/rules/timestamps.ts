// Time. Every judgement is made against the event's own envelope.collected_at (Tributary's clock
// when the data arrived), never the wall clock, so a replay next year judges a record exactly as
// the first pass did (docs/adr/0025).
//
// - collected_at itself must be a plausible epoch-millisecond time of our own clock, else nothing
//   relative to it can be judged (HARD).
// - A timestamp that becomes plausible when read as seconds, microseconds or nanoseconds is a
//   unit bug in a mapper (TikTok's create_time is in seconds; reliability.md §5 "seconds vs
//   milliseconds epochs") — HARD, so the fix can be redriven instead of landing 1970 or year 55000.
// - observed_at orders the time series ("latest" views pick the newest observed_at): a future or
//   pre-platform observed_at would corrupt every latest value of the entity, so it is HARD. Other
//   timestamps (published_at, edited_at, snapshot_bucket, period) only describe the record: WARN.
// - The platform launch dates are general knowledge (not in research/platform-apis.md), taken a
//   little early on purpose: TikTok from musical.ly's launch (its videos moved into TikTok in 2018),
//   Twitch from Justin.tv.
import type { Platform, QualityFlag } from '@tributary/events';
import { finding } from './catalogue.ts';
import { iso, span } from './subject.ts';
import type { AssessedEvent, Rule } from './subject.ts';

export const PLATFORM_LAUNCH_MS: Record<Platform, number> = {
  LINKEDIN: Date.UTC(2003, 4, 5),
  YOUTUBE: Date.UTC(2005, 1, 14),
  X: Date.UTC(2006, 2, 21),
  TWITCH: Date.UTC(2007, 2, 19),
  PINTEREST: Date.UTC(2009, 11, 1),
  INSTAGRAM: Date.UTC(2010, 9, 6),
  TIKTOK: Date.UTC(2014, 3, 1),
  UNKNOWN: Date.UTC(2003, 0, 1),
};

/** No platform we collect predates this: the lower bound for reading a number as a time at all. */
const EARLIEST_PLAUSIBLE_MS = Date.UTC(2003, 0, 1);

/** Tributary's clock: collected_at outside this range is not epoch milliseconds of a real collection. */
const COLLECTED_AT_RANGE: readonly [number, number] = [Date.UTC(2020, 0, 1), Date.UTC(2100, 0, 1)];

export type UnitSuspicion = 'seconds' | 'microseconds' | 'nanoseconds';

/** The unit a timestamp seems to be in when it is not plausible as milliseconds up to `ceiling`. */
export function unitSuspicion(value: number, ceiling: number): UnitSuspicion | undefined {
  const plausible = (ms: number): boolean => ms >= EARLIEST_PLAUSIBLE_MS && ms <= ceiling;
  if (plausible(value)) return undefined;
  if (plausible(value * 1000)) return 'seconds';
  if (plausible(value / 1000)) return 'microseconds';
  if (plausible(value / 1e6)) return 'nanoseconds';
  return undefined;
}

interface TimestampField {
  field: string;
  value: number;
  /** Checked for lying in the future (period.end may: today's aggregate ends tomorrow). */
  checkFuture: boolean;
}

function timestampsOf(subject: AssessedEvent): TimestampField[] {
  const fields: TimestampField[] = [{ field: 'envelope.observed_at', value: subject.event.envelope.observed_at, checkFuture: true }];
  const add = (field: string, value: number | null, checkFuture = true): void => {
    if (value !== null) fields.push({ field, value, checkFuture });
  };
  switch (subject.kind) {
    case 'post':
      add('published_at', subject.event.published_at);
      break;
    case 'comment':
      add('published_at', subject.event.published_at);
      add('edited_at', subject.event.edited_at);
      break;
    case 'post-metrics':
    case 'account-metrics':
      add('snapshot_bucket', subject.event.snapshot_bucket);
      add('period.start', subject.event.period?.start ?? null);
      add('period.end', subject.event.period?.end ?? null, false);
      break;
  }
  return fields;
}

export const timestampRules: Rule = (subject, settings) => {
  const flags: QualityFlag[] = [];
  const { envelope } = subject.event;
  const collectedAt = envelope.collected_at;
  if (!(collectedAt >= COLLECTED_AT_RANGE[0] && collectedAt < COLLECTED_AT_RANGE[1])) {
    const unit = unitSuspicion(collectedAt, COLLECTED_AT_RANGE[1]);
    const reading = unit ? ` (looks like ${unit})` : '';
    flags.push(
      finding(
        'COLLECTED_AT_IMPLAUSIBLE',
        'HARD',
        'envelope.collected_at',
        `collected_at ${collectedAt}${reading} is not a time Tributary could have collected at; other times were not judged`,
      ),
    );
    return flags;
  }

  const ceiling = collectedAt + settings.futureSkewMs;
  const launch = PLATFORM_LAUNCH_MS[envelope.platform] ?? EARLIEST_PLAUSIBLE_MS;
  const sane = new Set<string>();
  for (const { field, value, checkFuture } of timestampsOf(subject)) {
    const series = field === 'envelope.observed_at';
    const unit = unitSuspicion(value, ceiling);
    if (unit) {
      flags.push(finding('TIMESTAMP_UNIT_SUSPECT', 'HARD', field, `${field} ${value} looks like ${unit}, not milliseconds`));
    } else if (checkFuture && value > ceiling) {
      flags.push(
        finding(
          'TIMESTAMP_IN_FUTURE',
          series || value > collectedAt + settings.futureHardMs ? 'HARD' : 'WARN',
          field,
          `${field} ${iso(value)} is ${span(value - collectedAt)} after collected_at ${iso(collectedAt)}`,
        ),
      );
    } else if (value < launch) {
      flags.push(
        finding(
          'TIMESTAMP_TOO_OLD',
          series ? 'HARD' : 'WARN',
          field,
          `${field} ${iso(value)} is before ${envelope.platform} existed (${iso(launch)})`,
        ),
      );
    } else {
      sane.add(field);
    }
  }

  const observedAt = envelope.observed_at;
  if (sane.has('envelope.observed_at')) {
    const lag = collectedAt - observedAt;
    if (lag > settings.maxObservationLagMs) {
      flags.push(
        finding(
          'OBSERVATION_DELAYED',
          'WARN',
          'envelope.observed_at',
          `observed_at ${iso(observedAt)} is ${span(lag)} before collected_at ${iso(collectedAt)} (limit ${span(settings.maxObservationLagMs)})`,
        ),
      );
    }
    const publishedAt = subject.kind === 'post' || subject.kind === 'comment' ? subject.event.published_at : null;
    if (publishedAt !== null && sane.has('published_at') && publishedAt > observedAt + settings.futureSkewMs) {
      flags.push(
        finding(
          'TIMESTAMP_ORDER',
          'WARN',
          'published_at',
          `published_at ${iso(publishedAt)} is ${span(publishedAt - observedAt)} after observed_at ${iso(observedAt)}`,
        ),
      );
    }
    if ((subject.kind === 'post-metrics' || subject.kind === 'account-metrics') && subject.event.period !== null) {
      const { start } = subject.event.period;
      if (sane.has('period.start') && start > observedAt + settings.futureSkewMs) {
        flags.push(
          finding('TIMESTAMP_ORDER', 'WARN', 'period.start', `period.start ${iso(start)} is after observed_at ${iso(observedAt)}`),
        );
      }
    }
    if (subject.kind === 'post-metrics') {
      const ageHours = subject.event.enrichment?.post_age_hours ?? null;
      if (ageHours !== null && ageHours * 3_600_000 < -settings.futureSkewMs) {
        flags.push(
          finding(
            'TIMESTAMP_ORDER',
            'WARN',
            'enrichment.post_age_hours',
            `the snapshot was observed ${span(-ageHours * 3_600_000)} before the post was published`,
          ),
        );
      }
    }
  }
  if (subject.kind === 'comment') {
    const { published_at: publishedAt, edited_at: editedAt } = subject.event;
    if (publishedAt !== null && editedAt !== null && sane.has('published_at') && sane.has('edited_at') && editedAt < publishedAt) {
      flags.push(finding('TIMESTAMP_ORDER', 'WARN', 'edited_at', `edited_at ${iso(editedAt)} is before published_at ${iso(publishedAt)}`));
    }
  }
  return flags;
};
