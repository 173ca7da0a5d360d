// Quarantined events (social.quarantine.*): list, inspect, release. A quarantine record is the
// event itself with its `quality` verdict, under the original key, with the original headers
// plus tributary-quarantine-* headers (@tributary/kafka quarantine-headers.ts). A release is the
// operator overriding the verdict: the value goes unchanged to the curated topic named in its
// headers, with the quarantine headers replaced by `tributary-quarantine-released-by` (the
// operator) and `tributary-quarantine-release-action` (the audit action id). Nothing is removed
// from the quarantine topic; the event keeps its event_id, so releasing twice lands it once.
import { TOPICS } from '@tributary/events';
import { QUARANTINE_HEADER_PREFIX, readQuarantineHeaders } from '@tributary/kafka';
import type { ProducedRecord, RecordHeaders } from '@tributary/kafka';
import { createValueDecoder } from './decode.ts';
import type { DecodedValue } from './decode.ts';
import { plannedTopics, reproduce, splitReproducible } from './reproduce.ts';
import type { ReproducedTopic } from './reproduce.ts';
import { headersAsText } from './selection.ts';
import type { RecordCoordinates } from './selection.ts';
import { existingTopics, scanTopics, withAdmin } from './targets.ts';
import type { OperatorTargets, ScannedRecord } from './targets.ts';

export const QUARANTINE_PREFIX = 'social.quarantine.';
export const CATALOGUE_QUARANTINE_TOPICS: readonly string[] = Object.keys(TOPICS).filter((name) => name.startsWith(QUARANTINE_PREFIX));
export const RELEASED_BY_HEADER = 'tributary-quarantine-released-by';
export const RELEASE_ACTION_HEADER = 'tributary-quarantine-release-action';

export interface QuarantineFilter {
  topics?: string[];
  /** A hard rule code: selects records with it among their reasons. */
  reason?: string;
  /** Platform name, case-insensitive (TIKTOK, tiktok). */
  platform?: string;
  /** Epoch ms bounds on the quarantined-at header: since inclusive, until exclusive. */
  since?: number;
  until?: number;
  at?: RecordCoordinates;
  limit?: number;
}

export interface QuarantineRow {
  topic: string;
  partition: number;
  offset: string;
  quarantinedAt: string | null;
  reasons: string[];
  platform: string | null;
  key: string | null;
  eventId: string | null;
  score: number | null;
  curatedTopic: string | null;
  ruleset: string | null;
}

export interface QuarantinedEvent {
  row: QuarantineRow;
  record: ScannedRecord;
  value: DecodedValue;
}

export interface QuarantineView extends QuarantineRow {
  headers: Record<string, string>;
  /** The quality verdict (score, flags, ruleset_version) when the value could be decoded. */
  quality: unknown;
  value: DecodedValue;
}

function field(value: unknown, ...path: string[]): unknown {
  let at = value;
  for (const name of path) at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[name] : undefined;
  return at;
}

/** The row of a quarantine record; platform, event id and score need the decoded value (the platform falls back to the key). */
export function quarantineRow(record: ScannedRecord, value?: DecodedValue): QuarantineRow {
  const context = readQuarantineHeaders(record.headers);
  const event = value?.decoded ? value.value : undefined;
  const platform = field(event, 'envelope', 'platform');
  const eventId = field(event, 'envelope', 'event_id');
  const score = field(event, 'quality', 'score');
  // Keys are `<PLATFORM>:<entity id>`: the platform is readable even when the value is not.
  const keyPlatform = record.key?.includes(':') ? record.key.slice(0, record.key.indexOf(':')) : null;
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    quarantinedAt: context?.quarantinedAt ?? null,
    reasons: context?.reasons ? context.reasons.split(',').filter((reason) => reason !== '') : [],
    platform: typeof platform === 'string' ? platform : keyPlatform,
    key: record.key,
    eventId: typeof eventId === 'string' ? eventId : null,
    score: typeof score === 'number' ? score : null,
    curatedTopic: context?.curatedTopic ?? null,
    ruleset: context?.ruleset ?? null,
  };
}

export function matchesQuarantine(row: QuarantineRow, filter: QuarantineFilter): boolean {
  if (filter.at && (row.topic !== filter.at.topic || row.partition !== filter.at.partition || row.offset !== filter.at.offset))
    return false;
  if (filter.reason !== undefined && !row.reasons.includes(filter.reason)) return false;
  if (filter.platform !== undefined && row.platform?.toUpperCase() !== filter.platform.toUpperCase()) return false;
  if (filter.since !== undefined || filter.until !== undefined) {
    const at = row.quarantinedAt === null ? Number.NaN : Date.parse(row.quarantinedAt);
    if (Number.isNaN(at)) return false;
    if (filter.since !== undefined && at < filter.since) return false;
    if (filter.until !== undefined && at >= filter.until) return false;
  }
  return true;
}

/** The quarantined events the filter selects (values decoded), in topic, partition, offset order, at most `limit`. */
export async function findQuarantined(targets: OperatorTargets, filter: QuarantineFilter): Promise<QuarantinedEvent[]> {
  const explicit = filter.at ? [filter.at.topic] : (filter.topics ?? []);
  const topics = await withAdmin(targets, (admin) => existingTopics(admin, explicit, CATALOGUE_QUARANTINE_TOPICS));
  // Cheap header filters while scanning; the platform (in the value) after decoding.
  const candidates = await scanTopics(targets, topics, (record) => {
    const { platform: _decodedLater, ...headerFilter } = filter;
    return matchesQuarantine(quarantineRow(record), headerFilter);
  });
  const decoder = createValueDecoder(targets.registry);
  const selected: QuarantinedEvent[] = [];
  for (const record of candidates) {
    if (filter.limit !== undefined && selected.length >= filter.limit) break;
    const value = await decoder.decode(record.value);
    const row = quarantineRow(record, value);
    if (matchesQuarantine(row, filter)) selected.push({ row, record, value });
  }
  return selected;
}

export function quarantineView(event: QuarantinedEvent): QuarantineView {
  return {
    ...event.row,
    headers: headersAsText(event.record.headers),
    quality: event.value.decoded ? (field(event.value.value, 'quality') ?? null) : null,
    value: event.value,
  };
}

/** The record a release produces: the value as it is, to the curated topic, quarantine headers removed. */
export function releaseRecord(record: ScannedRecord): ProducedRecord | undefined {
  const context = readQuarantineHeaders(record.headers);
  if (!context?.curatedTopic) return undefined;
  const headers: RecordHeaders = {};
  for (const [name, value] of Object.entries(record.headers)) if (!name.startsWith(QUARANTINE_HEADER_PREFIX)) headers[name] = value;
  return { topic: context.curatedTopic, key: record.key, value: record.value, headers };
}

export interface ReleaseResult {
  dryRun: boolean;
  actionId: string | null;
  selected: number;
  released: number;
  skipped: Array<{ topic: string; partition: number; offset: string }>;
  targets: ReproducedTopic[];
}

export async function releaseQuarantined(
  targets: OperatorTargets,
  events: readonly QuarantinedEvent[],
  options: { dryRun: boolean; selection: string },
): Promise<ReleaseResult> {
  const { sources, outgoing, skipped } = splitReproducible(
    events.map(({ record }) => record),
    releaseRecord,
  );
  const planned = plannedTopics(outgoing);
  if (options.dryRun || outgoing.length === 0)
    return { dryRun: options.dryRun, actionId: null, selected: events.length, released: 0, skipped, targets: planned };
  const done = await reproduce(targets, 'QUARANTINE_RELEASE', sources, outgoing, options.selection, (actionId, actor) => ({
    [RELEASED_BY_HEADER]: actor,
    [RELEASE_ACTION_HEADER]: actionId,
  }));
  return { dryRun: false, actionId: done.actionId, selected: events.length, released: outgoing.length, skipped, targets: done.targets };
}
