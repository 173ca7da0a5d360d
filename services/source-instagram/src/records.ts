// What every Instagram mapper shares beyond the kit's records (createDataIssues, recordReaders,
// polledEnvelope): the kinds of data issue it counts, and hashtags and mentions of a caption. Graph
// sends ids as strings (a number above 2^53 reaches us as its exact decimal string, http-json.ts),
// counters as numbers, times as ISO 8601 with `+0000`. An item without a readable id is counted and
// skipped (it cannot be keyed).
import { createDataIssues } from '@tributary/connector-kit';
import type { DataIssues as KitDataIssues, ReaderIssue } from '@tributary/connector-kit';
import { SERVICE } from './spec.ts';

export type DataIssue =
  | ReaderIssue
  | 'item-without-id'
  | 'insights-unavailable'
  | 'insights-not-enough-viewers'
  | 'batch-item-failed'
  | 'webhook-change-unreadable'
  | 'mention-of-foreign-media';

export type DataIssues = KitDataIssues<DataIssue>;

export function createInstagramDataIssues(): DataIssues {
  return createDataIssues<DataIssue>({ source: SERVICE });
}

/** Hashtags and @mentions in order of appearance, without the sign, as written. */
export function hashtagsAndMentions(text: string | null): { hashtags: string[]; mentions: string[] } {
  if (text === null) return { hashtags: [], mentions: [] };
  const hashtags = [...text.matchAll(/#([\p{L}\p{M}\p{N}_]+)/gu)].map((match) => match[1]!);
  const mentions = [...text.matchAll(/(?<![\w.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)/g)].map((match) => match[1]!);
  return { hashtags, mentions };
}
