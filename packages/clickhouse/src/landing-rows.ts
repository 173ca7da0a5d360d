// Canonical events → rows of the landing tables (schemas/clickhouse/migrations/0001). The column
// contract between the Avro events and ClickHouse, kept next to the migrations that define it:
// - envelope fields keep their names, except entity_id, named after the entity (post_id,
//   comment_id, account_id; entity_id for deletions);
// - envelope.lineage becomes collector, collection_method, api_endpoint, api_version,
//   api_request_id, delivery_id; the Kafka record adds source_topic, source_partition,
//   source_offset, schema_id and trace_id; ClickHouse sets ingested_at;
// - nested records flatten with `_` (author_username, period_start);
// - platform extensions flatten to <platform>_<field> (tiktok_share_url, instagram_navigation),
//   generically: a field added to an extension record reaches the column of that name once a
//   migration adds it, with no change here.
// - enrichment (migration 0007) lands under the derived fields' own names (engagement_rate,
//   views_delta, creator_tier), text features as text_*, the quality verdict as quality_score,
//   quality_flags (codes) and quality_ruleset_version; raw events without them add no columns.
// Timestamps become 'YYYY-MM-DD hh:mm:ss.sss' (UTC) for DateTime64(3, 'UTC'); a value outside
// ClickHouse's DateTime64 range is a data error, never silently clamped. Rows carry only the
// columns they have values for: insert with named columns (JSONEachRow does), so a row without a
// column added later gets the column's DEFAULT.
import { TributaryError } from '@tributary/errors';
import type {
  AccountMetricsSnapshot,
  Author,
  Comment,
  Deletion,
  Envelope,
  EventTypes,
  Post,
  PostMetricsSnapshot,
  QualityAssessment,
  TextFeatures,
} from '@tributary/events';

/** The Kafka record a row comes from. */
export interface RecordLineage {
  topic: string;
  partition: number;
  /** Kafka offset; kafkajs gives it as a string. Int64 travels as a JSON string. */
  offset: string | number | bigint;
  /** Registry id of the writer schema (Confluent framing). */
  schemaId: number;
  /** Trace id of the span that handled the record; defaults to the one in envelope.traceparent. */
  traceId?: string;
}

export type LandingRow = Record<string, unknown>;

/** The landing table of each canonical event. */
export const LANDING_TABLES = {
  'io.tributary.social.Post': 'landing_posts',
  'io.tributary.social.PostMetricsSnapshot': 'landing_post_metrics',
  'io.tributary.social.AccountMetricsSnapshot': 'landing_account_metrics',
  'io.tributary.social.Comment': 'landing_comments',
  'io.tributary.social.Deletion': 'landing_deletions',
} as const;

export type LandedSchemaName = keyof typeof LANDING_TABLES;
export type LandingTable = (typeof LANDING_TABLES)[LandedSchemaName];

// DateTime64(3) holds 1900-01-01 00:00:00.000 to 2299-12-31 23:59:59.999 (UTC).
const MIN_DATETIME64_MS = Date.UTC(1900, 0, 1);
const MAX_DATETIME64_MS = Date.UTC(2300, 0, 1) - 1;

/** Epoch milliseconds as a DateTime64(3, 'UTC') literal; throws a data error outside ClickHouse's range. */
export function toDateTime64(ms: number, field: string): string {
  if (!Number.isFinite(ms) || ms < MIN_DATETIME64_MS || ms > MAX_DATETIME64_MS) {
    throw new TributaryError(
      'CLICKHOUSE_TIMESTAMP_OUT_OF_RANGE',
      `${field} = ${ms} ms is outside ClickHouse's DateTime64 range (1900-2299).`,
      {
        failureType: 'data',
        hint: 'The record is bad: send it to the dead-letter topic; check whether the source gave seconds or microseconds instead of milliseconds.',
        details: { field, value: ms },
      },
    );
  }
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

// Collection times are stamped by Tributary's own collectors, so they cannot predate the
// platforms we collect from. A value before 2000 is a unit error — epoch seconds (≈1.7e9, which
// reads as January 1970 in milliseconds) — not a real time, and must not land silently.
const EARLIEST_COLLECTION_MS = Date.UTC(2000, 0, 1);

/** toDateTime64 for observed_at/collected_at, which also refuses values that look like epoch seconds. */
export function toCollectionTime(ms: number, field: string): string {
  if (Number.isFinite(ms) && ms >= 0 && ms < EARLIEST_COLLECTION_MS) {
    throw new TributaryError(
      'CLICKHOUSE_TIMESTAMP_IMPLAUSIBLE',
      `${field} = ${ms} ms is before 2000-01-01; it looks like epoch seconds, not milliseconds.`,
      {
        failureType: 'data',
        hint: 'The record is bad: send it to the dead-letter topic; fix the collector to stamp milliseconds.',
        details: { field, value: ms },
      },
    );
  }
  return toDateTime64(ms, field);
}

function optionalDateTime64(ms: number | null, field: string): string | null {
  return ms === null ? null : toDateTime64(ms, field);
}

/** The trace id (32 hex) of a W3C traceparent, or '' when absent or malformed. */
export function traceIdOf(traceparent: string | null | undefined): string {
  const match = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent ?? '');
  return match?.[1] && !/^0+$/.test(match[1]) ? match[1] : '';
}

function envelopeColumns(envelope: Envelope, entityColumn: string): LandingRow {
  return {
    event_id: envelope.event_id,
    platform: envelope.platform,
    [entityColumn]: envelope.entity_id,
    observation: envelope.observation,
    observed_at: toCollectionTime(envelope.observed_at, 'envelope.observed_at'),
    collected_at: toCollectionTime(envelope.collected_at, 'envelope.collected_at'),
  };
}

function lineageColumns(envelope: Envelope, lineage: RecordLineage): LandingRow {
  return {
    collector: envelope.lineage.source,
    collection_method: envelope.lineage.method,
    api_endpoint: envelope.lineage.endpoint,
    api_version: envelope.lineage.api_version,
    api_request_id: envelope.lineage.request_id,
    delivery_id: envelope.lineage.delivery_id,
    trace_id: lineage.traceId ?? traceIdOf(envelope.traceparent),
    source_topic: lineage.topic,
    source_partition: lineage.partition,
    source_offset: String(lineage.offset),
    schema_id: lineage.schemaId,
  };
}

function authorColumns(author: Author): LandingRow {
  return {
    author_account_id: author.account_id,
    author_username: author.username,
    author_display_name: author.display_name,
    author_profile_url: author.profile_url,
    author_avatar_url: author.avatar_url,
    author_is_verified: author.is_verified,
  };
}

/** Platform slots flattened to <platform>_<field>; unset slots add no columns (their defaults apply). */
export function extensionColumns(extensions: object): LandingRow {
  const row: LandingRow = {};
  for (const [platform, fields] of Object.entries(extensions)) {
    if (fields === null || typeof fields !== 'object') continue;
    for (const [field, value] of Object.entries(fields as Record<string, unknown>)) row[`${platform}_${field}`] = value;
  }
  return row;
}

function textColumns(text: TextFeatures): LandingRow {
  return {
    text_hashtags: text.hashtags,
    text_mentions: text.mentions,
    text_links: text.links,
    text_language: text.language,
    text_language_method: text.language_method,
    text_graphemes: text.text_graphemes,
  };
}

function qualityColumns(quality: QualityAssessment | null): LandingRow {
  if (quality === null) return {};
  return {
    quality_score: quality.score,
    quality_flags: quality.flags.map((flag) => flag.code),
    quality_ruleset_version: quality.ruleset_version,
  };
}

function postEnrichmentColumns(record: Post): LandingRow {
  const enrichment = record.enrichment;
  if (enrichment === null) return {};
  return {
    ...textColumns(enrichment.text),
    content_format: enrichment.content_format,
    creator_tier: enrichment.creator_tier,
    creator_followers: enrichment.creator_followers,
    source_time_zone: enrichment.source_time_zone,
  };
}

function postMetricsEnrichmentColumns(record: PostMetricsSnapshot): LandingRow {
  const enrichment = record.enrichment;
  if (enrichment === null) return {};
  return {
    ...enrichment,
    previous_observed_at: optionalDateTime64(enrichment.previous_observed_at, 'enrichment.previous_observed_at'),
  };
}

function accountMetricsEnrichmentColumns(record: AccountMetricsSnapshot): LandingRow {
  const enrichment = record.enrichment;
  if (enrichment === null) return {};
  return {
    ...enrichment,
    previous_observed_at: optionalDateTime64(enrichment.previous_observed_at, 'enrichment.previous_observed_at'),
  };
}

export function postRow(record: Post, lineage: RecordLineage): LandingRow {
  return {
    ...envelopeColumns(record.envelope, 'post_id'),
    account_id: record.account_id,
    ...authorColumns(record.author),
    format: record.format,
    title: record.title,
    text: record.text,
    language: record.language,
    hashtags: record.hashtags,
    mentions: record.mentions,
    permalink: record.permalink,
    thumbnail_url: record.thumbnail_url,
    duration_ms: record.duration_ms,
    width: record.width,
    height: record.height,
    published_at: optionalDateTime64(record.published_at, 'published_at'),
    ...extensionColumns(record.extensions),
    ...postEnrichmentColumns(record),
    ...qualityColumns(record.quality),
    ...lineageColumns(record.envelope, lineage),
  };
}

export function postMetricsRow(record: PostMetricsSnapshot, lineage: RecordLineage): LandingRow {
  return {
    ...envelopeColumns(record.envelope, 'post_id'),
    account_id: record.account_id,
    snapshot_bucket: toDateTime64(record.snapshot_bucket, 'snapshot_bucket'),
    period_start: optionalDateTime64(record.period?.start ?? null, 'period.start'),
    period_end: optionalDateTime64(record.period?.end ?? null, 'period.end'),
    views: record.views,
    reach: record.reach,
    likes: record.likes,
    comments: record.comments,
    shares: record.shares,
    saves: record.saves,
    watch_time_total_ms: record.watch_time_total_ms,
    average_watch_time_ms: record.average_watch_time_ms,
    ...extensionColumns(record.extensions),
    ...postMetricsEnrichmentColumns(record),
    ...qualityColumns(record.quality),
    ...lineageColumns(record.envelope, lineage),
  };
}

export function accountMetricsRow(record: AccountMetricsSnapshot, lineage: RecordLineage): LandingRow {
  return {
    ...envelopeColumns(record.envelope, 'account_id'),
    snapshot_bucket: toDateTime64(record.snapshot_bucket, 'snapshot_bucket'),
    period_start: optionalDateTime64(record.period?.start ?? null, 'period.start'),
    period_end: optionalDateTime64(record.period?.end ?? null, 'period.end'),
    username: record.username,
    followers: record.followers,
    following: record.following,
    posts: record.posts,
    views: record.views,
    reach: record.reach,
    likes: record.likes,
    interactions: record.interactions,
    engaged_accounts: record.engaged_accounts,
    followers_gained: record.followers_gained,
    followers_lost: record.followers_lost,
    watch_time_total_ms: record.watch_time_total_ms,
    ...extensionColumns(record.extensions),
    ...accountMetricsEnrichmentColumns(record),
    ...qualityColumns(record.quality),
    ...lineageColumns(record.envelope, lineage),
  };
}

export function commentRow(record: Comment, lineage: RecordLineage): LandingRow {
  return {
    ...envelopeColumns(record.envelope, 'comment_id'),
    post_id: record.post_id,
    post_account_id: record.post_account_id,
    parent_comment_id: record.parent_comment_id,
    ...authorColumns(record.author),
    text: record.text,
    published_at: optionalDateTime64(record.published_at, 'published_at'),
    edited_at: optionalDateTime64(record.edited_at, 'edited_at'),
    likes: record.likes,
    replies: record.replies,
    ...extensionColumns(record.extensions),
    ...(record.enrichment === null ? {} : textColumns(record.enrichment.text)),
    ...qualityColumns(record.quality),
    ...lineageColumns(record.envelope, lineage),
  };
}

export function deletionRow(record: Deletion, lineage: RecordLineage): LandingRow {
  return {
    ...envelopeColumns(record.envelope, 'entity_id'),
    entity_kind: record.envelope.entity_kind,
    action: record.action,
    account_id: record.account_id,
    occurred_at: optionalDateTime64(record.occurred_at, 'occurred_at'),
    platform_reason: record.platform_reason,
    confirmation_code: record.confirmation_code,
    ...lineageColumns(record.envelope, lineage),
  };
}

const MAPPERS: { readonly [Name in LandedSchemaName]: (record: EventTypes[Name], lineage: RecordLineage) => LandingRow } = {
  'io.tributary.social.Post': postRow,
  'io.tributary.social.PostMetricsSnapshot': postMetricsRow,
  'io.tributary.social.AccountMetricsSnapshot': accountMetricsRow,
  'io.tributary.social.Comment': commentRow,
  'io.tributary.social.Deletion': deletionRow,
};

/** The landing table and row for a decoded canonical event. */
export function landingRow<Name extends LandedSchemaName>(
  schema: Name,
  record: EventTypes[Name],
  lineage: RecordLineage,
): { table: LandingTable; row: LandingRow } {
  return { table: LANDING_TABLES[schema], row: MAPPERS[schema](record, lineage) };
}
