// The measured values of an event, named by their dotted path: canonical counters, watch times
// and every number in the platform extension slot (walked generically, so a metric added to an
// extension later is covered without a rule change). Null is "not provided", never zero.
import type { AssessedEvent } from './subject.ts';

export interface MeasuredValue {
  field: string;
  value: number;
  /** 'count' for counters, 'ms' for durations of watch time. */
  unit: 'count' | 'ms';
}

const POST_METRIC_COUNTERS = ['views', 'reach', 'likes', 'comments', 'shares', 'saves'] as const;
const POST_METRIC_DURATIONS = ['watch_time_total_ms', 'average_watch_time_ms'] as const;
const ACCOUNT_COUNTERS = [
  'followers',
  'following',
  'posts',
  'views',
  'reach',
  'likes',
  'interactions',
  'engaged_accounts',
  'followers_gained',
  'followers_lost',
] as const;
const ACCOUNT_DURATIONS = ['watch_time_total_ms'] as const;
const COMMENT_COUNTERS = ['likes', 'replies'] as const;

function pick(record: object, names: readonly string[], unit: MeasuredValue['unit'], out: MeasuredValue[]): void {
  for (const name of names) {
    const value = (record as Record<string, unknown>)[name];
    if (typeof value === 'number') out.push({ field: name, value, unit });
  }
}

/** Numbers in the extension slots, including maps of numbers (Instagram story navigation). */
function walkExtensions(extensions: object, out: MeasuredValue[]): void {
  for (const [platform, slot] of Object.entries(extensions)) {
    if (slot === null || typeof slot !== 'object') continue;
    for (const [name, value] of Object.entries(slot as Record<string, unknown>)) {
      const field = `extensions.${platform}.${name}`;
      if (typeof value === 'number') out.push({ field, value, unit: name.endsWith('_ms') ? 'ms' : 'count' });
      else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [entry, inner] of Object.entries(value as Record<string, unknown>)) {
          if (typeof inner === 'number') out.push({ field: `${field}.${entry}`, value: inner, unit: 'count' });
        }
      }
    }
  }
}

export function measuredValues(subject: AssessedEvent): MeasuredValue[] {
  const out: MeasuredValue[] = [];
  switch (subject.kind) {
    case 'post-metrics':
      pick(subject.event, POST_METRIC_COUNTERS, 'count', out);
      pick(subject.event, POST_METRIC_DURATIONS, 'ms', out);
      walkExtensions(subject.event.extensions, out);
      break;
    case 'account-metrics':
      pick(subject.event, ACCOUNT_COUNTERS, 'count', out);
      pick(subject.event, ACCOUNT_DURATIONS, 'ms', out);
      walkExtensions(subject.event.extensions, out);
      break;
    case 'comment':
      pick(subject.event, COMMENT_COUNTERS, 'count', out);
      break;
    case 'post':
      break;
  }
  return out;
}
