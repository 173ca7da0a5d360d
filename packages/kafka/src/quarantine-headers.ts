// Quarantine records: an event that failed a hard quality rule goes to `social.quarantine.<type>`
// as the event itself (same schema, its `quality` verdict set) under the original key, with the
// original headers plus these, so tools and the ClickHouse quarantine table can say where it came
// from and why without decoding it. A release (`tributary quarantine release`) re-produces the
// value to the curated topic named in `curatedTopic`.
import { headerText } from './records.ts';
import type { RecordHeaders } from './records.ts';

export const QUARANTINE_HEADER_PREFIX = 'tributary-quarantine-';

export const QUARANTINE_HEADERS = {
  /** The hard rule codes that quarantined the record, comma-separated, in rule order. */
  reasons: 'tributary-quarantine-reasons',
  /** Version of the rule set that judged it. */
  ruleset: 'tributary-quarantine-ruleset',
  /** The service that quarantined it (transform-quality). */
  service: 'tributary-quarantine-service',
  /** ISO 8601 UTC. */
  quarantinedAt: 'tributary-quarantine-at',
  /** The record the verdict is about (the enriched record). */
  originTopic: 'tributary-quarantine-origin-topic',
  originPartition: 'tributary-quarantine-origin-partition',
  originOffset: 'tributary-quarantine-origin-offset',
  /** Epoch ms of the origin record. */
  originTimestamp: 'tributary-quarantine-origin-timestamp',
  /** Where the record would have gone had it passed: the target of a release. */
  curatedTopic: 'tributary-quarantine-curated-topic',
} as const;

export type QuarantineHeaderName = keyof typeof QUARANTINE_HEADERS;

/** Reads a quarantine record's context back; undefined when it has none. */
export function readQuarantineHeaders(headers: RecordHeaders): Record<QuarantineHeaderName, string> | undefined {
  const out: Partial<Record<QuarantineHeaderName, string>> = {};
  for (const [name, header] of Object.entries(QUARANTINE_HEADERS) as Array<[QuarantineHeaderName, string]>) {
    const value = headerText(headers, header);
    if (value === undefined) return undefined;
    out[name] = value;
  }
  return out as Record<QuarantineHeaderName, string>;
}
