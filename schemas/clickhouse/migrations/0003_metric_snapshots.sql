-- 0003 metric snapshots: the time series of post and account metrics, one row per observation.
--
-- One row per event_id. A re-collection within the same snapshot bucket has the same event_id
-- (docs/adr/0013) and the newest collected_at wins (ReplacingMergeTree version). The time axis in
-- the key is snapshot_bucket, not observed_at: observed_at differs between re-collections of the
-- same event, so keying on it would keep both. event_id ends the key because lifetime totals and
-- period aggregates (period_start/period_end) can share a bucket. Every version of an event_id
-- has the same bucket, so it lands in the same monthly partition and merges collapse it.
-- The raw series with every re-observation is landing_post_metrics / landing_account_metrics
-- (ORDER BY platform, entity id, observed_at).

CREATE TABLE IF NOT EXISTS ${database}.post_metrics
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
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(collected_at)
PARTITION BY toYYYYMM(snapshot_bucket)
ORDER BY (platform, post_id, snapshot_bucket, event_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_post_metrics_to_post_metrics
TO ${database}.post_metrics
AS SELECT * FROM ${database}.landing_post_metrics;

CREATE TABLE IF NOT EXISTS ${database}.account_metrics
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
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(collected_at)
PARTITION BY toYYYYMM(snapshot_bucket)
ORDER BY (platform, account_id, snapshot_bucket, event_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_account_metrics_to_account_metrics
TO ${database}.account_metrics
AS SELECT * FROM ${database}.landing_account_metrics;
