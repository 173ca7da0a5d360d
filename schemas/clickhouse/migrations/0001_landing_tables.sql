-- 0001 landing tables: what sink-clickhouse inserts into, one table per canonical event type.
--
-- Append-only MergeTree, one row per Kafka record of the social.curated.* topics, with its lineage.
-- The sink inserts each batch (one partition's offset range) with a deterministic
-- insert_deduplication_token; non_replicated_deduplication_window makes a retried batch a no-op,
-- so more than one row per event_id here means a real duplicate (a re-collection or a replay),
-- never a sink retry.
--
-- Partitions are a function of the record (collected_at / observed_at), never of the insert time:
-- ClickHouse tracks deduplication tokens per partition, so a retried batch must land in the same
-- partitions as the first attempt. Columns: schemas/clickhouse/README.md. Retention (TTL) comes
-- from configuration and is applied by the runner, not here (docs/adr/0014).

CREATE TABLE IF NOT EXISTS ${database}.landing_posts
(
    event_id String,
    platform LowCardinality(String),
    post_id String,
    observation String,
    observed_at DateTime64(3, 'UTC'),
    collected_at DateTime64(3, 'UTC'),
    account_id String,
    author_account_id Nullable(String),
    author_username Nullable(String),
    author_display_name Nullable(String),
    author_profile_url Nullable(String),
    author_avatar_url Nullable(String),
    author_is_verified Nullable(Bool),
    format LowCardinality(String),
    title Nullable(String),
    text Nullable(String),
    language LowCardinality(Nullable(String)),
    hashtags Array(String),
    mentions Array(String),
    permalink Nullable(String),
    thumbnail_url Nullable(String),
    duration_ms Nullable(Int64),
    width Nullable(Int32),
    height Nullable(Int32),
    published_at Nullable(DateTime64(3, 'UTC')),
    tiktok_share_url Nullable(String),
    tiktok_embed_link Nullable(String),
    tiktok_region_code LowCardinality(Nullable(String)),
    tiktok_music_id Nullable(String),
    instagram_media_type LowCardinality(Nullable(String)),
    instagram_media_product_type LowCardinality(Nullable(String)),
    instagram_shortcode Nullable(String),
    instagram_legacy_instagram_media_id Nullable(String),
    instagram_is_comment_enabled Nullable(Bool),
    instagram_children_ids Array(String),
    youtube_channel_id Nullable(String),
    youtube_category_id LowCardinality(Nullable(String)),
    youtube_tags Array(String),
    youtube_default_audio_language LowCardinality(Nullable(String)),
    youtube_live_broadcast_content LowCardinality(Nullable(String)),
    youtube_privacy_status LowCardinality(Nullable(String)),
    youtube_made_for_kids Nullable(Bool),
    youtube_definition LowCardinality(Nullable(String)),
    youtube_creator_content_type LowCardinality(Nullable(String)),
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
    INDEX event_id_bloom event_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(collected_at)
ORDER BY (platform, post_id, collected_at)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS ${database}.landing_post_metrics
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
    INDEX event_id_bloom event_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(observed_at)
ORDER BY (platform, post_id, observed_at)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS ${database}.landing_account_metrics
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
    INDEX event_id_bloom event_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(observed_at)
ORDER BY (platform, account_id, observed_at)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS ${database}.landing_comments
(
    event_id String,
    platform LowCardinality(String),
    comment_id String,
    observation String,
    observed_at DateTime64(3, 'UTC'),
    collected_at DateTime64(3, 'UTC'),
    post_id String,
    post_account_id Nullable(String),
    parent_comment_id Nullable(String),
    author_account_id Nullable(String),
    author_username Nullable(String),
    author_display_name Nullable(String),
    author_profile_url Nullable(String),
    author_avatar_url Nullable(String),
    author_is_verified Nullable(Bool),
    text Nullable(String),
    published_at Nullable(DateTime64(3, 'UTC')),
    edited_at Nullable(DateTime64(3, 'UTC')),
    likes Nullable(Int64),
    replies Nullable(Int64),
    instagram_media_product_type LowCardinality(Nullable(String)),
    instagram_hidden Nullable(Bool),
    instagram_live Nullable(Bool),
    youtube_text_original Nullable(String),
    youtube_moderation_status LowCardinality(Nullable(String)),
    youtube_can_reply Nullable(Bool),
    youtube_is_public Nullable(Bool),
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
    INDEX event_id_bloom event_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(collected_at)
ORDER BY (platform, post_id, comment_id, collected_at)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS ${database}.landing_deletions
(
    event_id String,
    platform LowCardinality(String),
    entity_kind LowCardinality(String),
    entity_id String,
    observation String,
    observed_at DateTime64(3, 'UTC'),
    collected_at DateTime64(3, 'UTC'),
    action LowCardinality(String),
    account_id Nullable(String),
    occurred_at Nullable(DateTime64(3, 'UTC')),
    platform_reason Nullable(String),
    confirmation_code Nullable(String),
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
    INDEX event_id_bloom event_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(collected_at)
ORDER BY (platform, entity_kind, entity_id, collected_at)
SETTINGS non_replicated_deduplication_window = 10000;
