-- 0002 entities: the current state of each post, comment and account, deduplicated.
--
-- ReplacingMergeTree(collected_at, is_deleted) keyed on the entity: of all rows with the same
-- ORDER BY key the one with the newest collected_at wins, so a re-delivered event (same event_id,
-- same collected_at) and every older version collapse into one row. Deletion events write a row
-- with is_deleted = 1, which hides the entity from FINAL reads. Merges happen in the background:
-- read with FINAL (or argMax, see schemas/clickhouse/README.md) for exact answers.
--
-- Materialized views copy from the landing tables. The content views use SELECT *, so a column
-- added to a landing table flows on as soon as the target has it too: add it to the target first
-- (schemas/clickhouse/README.md, "Adding a column"). Targets carry the same deduplication window
-- as the landing tables: ClickHouse deduplicates a retried insert in each view's target with a
-- token derived from the landing insert's token.

CREATE TABLE IF NOT EXISTS ${database}.posts
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
    is_deleted UInt8 DEFAULT 0,
    deletion_action LowCardinality(String) DEFAULT '',
    INDEX account_id_bloom account_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = ReplacingMergeTree(collected_at, is_deleted)
ORDER BY (platform, post_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_posts_to_posts
TO ${database}.posts
AS SELECT * FROM ${database}.landing_posts;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_deletions_to_posts
TO ${database}.posts
AS SELECT
    event_id,
    platform,
    entity_id AS post_id,
    observation,
    observed_at,
    collected_at,
    ifNull(account_id, '') AS account_id,
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

CREATE TABLE IF NOT EXISTS ${database}.comments
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
    is_deleted UInt8 DEFAULT 0,
    deletion_action LowCardinality(String) DEFAULT '',
    INDEX post_id_bloom post_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = ReplacingMergeTree(collected_at, is_deleted)
ORDER BY (platform, comment_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_comments_to_comments
TO ${database}.comments
AS SELECT * FROM ${database}.landing_comments;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_deletions_to_comments
TO ${database}.comments
AS SELECT
    event_id,
    platform,
    entity_id AS comment_id,
    observation,
    observed_at,
    collected_at,
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
WHERE entity_kind = 'COMMENT';

-- Accounts as seen: the owning account's profile as it came with its newest post (Post.author).
-- Account metric snapshots carry only a username and do not feed this table.
CREATE TABLE IF NOT EXISTS ${database}.accounts
(
    platform LowCardinality(String),
    account_id String,
    username Nullable(String),
    display_name Nullable(String),
    profile_url Nullable(String),
    avatar_url Nullable(String),
    is_verified Nullable(Bool),
    event_id String,
    observed_at DateTime64(3, 'UTC'),
    collected_at DateTime64(3, 'UTC'),
    collector LowCardinality(String),
    api_endpoint LowCardinality(String),
    api_version LowCardinality(Nullable(String)),
    trace_id String,
    source_topic LowCardinality(String),
    source_partition Int32,
    source_offset Int64,
    schema_id UInt32,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    is_deleted UInt8 DEFAULT 0,
    deletion_action LowCardinality(String) DEFAULT ''
)
ENGINE = ReplacingMergeTree(collected_at, is_deleted)
ORDER BY (platform, account_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_posts_to_accounts
TO ${database}.accounts
AS SELECT
    platform,
    account_id,
    author_username AS username,
    author_display_name AS display_name,
    author_profile_url AS profile_url,
    author_avatar_url AS avatar_url,
    author_is_verified AS is_verified,
    event_id,
    observed_at,
    collected_at,
    collector,
    api_endpoint,
    api_version,
    trace_id,
    source_topic,
    source_partition,
    source_offset,
    schema_id,
    ingested_at
FROM ${database}.landing_posts;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_deletions_to_accounts
TO ${database}.accounts
AS SELECT
    platform,
    entity_id AS account_id,
    event_id,
    observed_at,
    collected_at,
    collector,
    api_endpoint,
    api_version,
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

-- Every deletion, revocation and data-deletion request once (by event_id): the list erasure
-- jobs work from. Account-level signals (AUTHORIZATION_REVOKED, DATA_DELETION_REQUESTED) hide
-- the account in `accounts`; removing everything collected through it is an erasure job's work.
CREATE TABLE IF NOT EXISTS ${database}.deletions
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
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(collected_at)
ORDER BY (platform, entity_kind, entity_id, event_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_deletions_to_deletions
TO ${database}.deletions
AS SELECT * FROM ${database}.landing_deletions;
