-- 0004 latest metrics: one row per post and per account with its newest lifetime snapshot, for
-- dashboards that show "current" numbers.
--
-- ReplacingMergeTree(observed_at, is_deleted) keyed on the entity: the snapshot observed last wins
-- (a late-arriving older snapshot does not replace a newer one). Only lifetime totals feed it
-- (period_start IS NULL); period aggregates are in post_metrics / account_metrics. A deletion of
-- the post or account writes a row with is_deleted = 1, so FINAL reads stop showing it.

CREATE TABLE IF NOT EXISTS ${database}.post_metrics_latest
(
    event_id String,
    platform LowCardinality(String),
    post_id String,
    observation String,
    observed_at DateTime64(3, 'UTC'),
    collected_at DateTime64(3, 'UTC'),
    account_id String,
    snapshot_bucket DateTime64(3, 'UTC'),
    period_start Nullable(DateTime64(3, 'UTC')),
    period_end Nullable(DateTime64(3, 'UTC')),
    views Nullable(Int64),
    reach Nullable(Int64),
    likes Nullable(Int64),
    comments Nullable(Int64),
    shares Nullable(Int64),
    saves Nullable(Int64),
    watch_time_total_ms Nullable(Int64),
    average_watch_time_ms Nullable(Int64),
    tiktok_favorites Nullable(Int64),
    instagram_total_interactions Nullable(Int64),
    instagram_profile_visits Nullable(Int64),
    instagram_follows Nullable(Int64),
    instagram_replies Nullable(Int64),
    instagram_navigation Map(String, Int64),
    instagram_impressions Nullable(Int64),
    instagram_plays Nullable(Int64),
    youtube_engaged_views Nullable(Int64),
    youtube_subscribers_gained Nullable(Int64),
    youtube_subscribers_lost Nullable(Int64),
    collector LowCardinality(String),
    collection_method LowCardinality(String),
    api_endpoint LowCardinality(String),
    api_version LowCardinality(Nullable(String)),
    api_request_id Nullable(String),
    delivery_id Nullable(String),
    trace_id String,
    source_topic LowCardinality(String),
    source_partition Int32,
    source_offset Int64,
    schema_id UInt32,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    is_deleted UInt8 DEFAULT 0,
    deletion_action LowCardinality(String) DEFAULT ''
)
ENGINE = ReplacingMergeTree(observed_at, is_deleted)
ORDER BY (platform, post_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_post_metrics_to_post_metrics_latest
TO ${database}.post_metrics_latest
AS SELECT * FROM ${database}.landing_post_metrics
WHERE period_start IS NULL;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_deletions_to_post_metrics_latest
TO ${database}.post_metrics_latest
AS SELECT
    event_id,
    platform,
    entity_id AS post_id,
    observation,
    observed_at,
    collected_at,
    ifNull(account_id, '') AS account_id,
    observed_at AS snapshot_bucket,
    collector,
    collection_method,
    api_endpoint,
    api_version,
    api_request_id,
    delivery_id,
    trace_id,
    source_topic,
    source_partition,
    source_offset,
    schema_id,
    ingested_at,
    1 AS is_deleted,
    action AS deletion_action
FROM ${database}.landing_deletions
WHERE entity_kind = 'POST';

CREATE TABLE IF NOT EXISTS ${database}.account_metrics_latest
(
    event_id String,
    platform LowCardinality(String),
    account_id String,
    observation String,
    observed_at DateTime64(3, 'UTC'),
    collected_at DateTime64(3, 'UTC'),
    snapshot_bucket DateTime64(3, 'UTC'),
    period_start Nullable(DateTime64(3, 'UTC')),
    period_end Nullable(DateTime64(3, 'UTC')),
    username Nullable(String),
    followers Nullable(Int64),
    following Nullable(Int64),
    posts Nullable(Int64),
    views Nullable(Int64),
    reach Nullable(Int64),
    likes Nullable(Int64),
    interactions Nullable(Int64),
    engaged_accounts Nullable(Int64),
    followers_gained Nullable(Int64),
    followers_lost Nullable(Int64),
    watch_time_total_ms Nullable(Int64),
    tiktok_union_id Nullable(String),
    tiktok_is_verified Nullable(Bool),
    instagram_profile_links_taps Nullable(Int64),
    instagram_comments Nullable(Int64),
    instagram_shares Nullable(Int64),
    instagram_saves Nullable(Int64),
    instagram_replies Nullable(Int64),
    youtube_hidden_subscriber_count Nullable(Bool),
    youtube_engaged_views Nullable(Int64),
    collector LowCardinality(String),
    collection_method LowCardinality(String),
    api_endpoint LowCardinality(String),
    api_version LowCardinality(Nullable(String)),
    api_request_id Nullable(String),
    delivery_id Nullable(String),
    trace_id String,
    source_topic LowCardinality(String),
    source_partition Int32,
    source_offset Int64,
    schema_id UInt32,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    is_deleted UInt8 DEFAULT 0,
    deletion_action LowCardinality(String) DEFAULT ''
)
ENGINE = ReplacingMergeTree(observed_at, is_deleted)
ORDER BY (platform, account_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_account_metrics_to_account_metrics_latest
TO ${database}.account_metrics_latest
AS SELECT * FROM ${database}.landing_account_metrics
WHERE period_start IS NULL;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_deletions_to_account_metrics_latest
TO ${database}.account_metrics_latest
AS SELECT
    event_id,
    platform,
    entity_id AS account_id,
    observation,
    observed_at,
    collected_at,
    observed_at AS snapshot_bucket,
    collector,
    collection_method,
    api_endpoint,
    api_version,
    api_request_id,
    delivery_id,
    trace_id,
    source_topic,
    source_partition,
    source_offset,
    schema_id,
    ingested_at,
    1 AS is_deleted,
    action AS deletion_action
FROM ${database}.landing_deletions
WHERE entity_kind = 'ACCOUNT';
