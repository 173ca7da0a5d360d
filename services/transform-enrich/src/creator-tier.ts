// Creator size tier by followers (PostEnrichment / AccountMetricsEnrichment.creator_tier), and the
// time zone a record's source expressed its timestamps in (source_time_zone).
import type { MetricPeriod, Platform } from '@tributary/events';

export type CreatorTier = 'NANO' | 'MICRO' | 'MID' | 'MACRO' | 'MEGA' | 'UNKNOWN';

/** NANO < 10k ≤ MICRO < 100k ≤ MID < 500k ≤ MACRO < 1M ≤ MEGA; UNKNOWN for null. */
export function creatorTierOf(followers: number | null | undefined): CreatorTier {
  if (followers === null || followers === undefined) return 'UNKNOWN';
  if (followers < 10_000) return 'NANO';
  if (followers < 100_000) return 'MICRO';
  if (followers < 500_000) return 'MID';
  if (followers < 1_000_000) return 'MACRO';
  return 'MEGA';
}

/** YouTube Analytics reports days in Pacific time (America/Los_Angeles); API timestamps (ISO 8601
 *  with offset, epoch seconds) are UTC instants. So: YouTube period aggregates → America/Los_Angeles,
 *  everything else → UTC. */
export function sourceTimeZoneOf(platform: Platform, period: MetricPeriod | null | undefined): string {
  return platform === 'YOUTUBE' && period !== null && period !== undefined ? 'America/Los_Angeles' : 'UTC';
}
