-- 0007 enrichment and quality: the fields transform-enrich and transform-quality add to curated
-- events (Post.enrichment, PostMetricsSnapshot.enrichment, …, and every event's quality), as
-- columns of the landing tables and of the tables their materialized views feed. Enrichment
-- fields keep their Avro names (engagement_rate, views_delta, creator_tier); text features are
-- text_* (text_hashtags are the normalised hashtags; the raw `hashtags` keep the spelling as
-- written); quality becomes quality_score, quality_flags (the flag codes, in rule order) and
-- quality_ruleset_version. Full flags with details stay in Kafka (social.curated.*).
--
-- View targets get each column before their landing table does: the content views are
-- SELECT *, so a landing column must never exist without its target column.

ALTER TABLE ${database}.posts
    ADD COLUMN IF NOT EXISTS text_hashtags Array(String),
    ADD COLUMN IF NOT EXISTS text_mentions Array(String),
    ADD COLUMN IF NOT EXISTS text_links Array(String),
    ADD COLUMN IF NOT EXISTS text_language LowCardinality(Nullable(String)),
    ADD COLUMN IF NOT EXISTS text_language_method LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS text_graphemes Nullable(Int32),
    ADD COLUMN IF NOT EXISTS content_format LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS creator_tier LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS creator_followers Nullable(Int64),
    ADD COLUMN IF NOT EXISTS source_time_zone LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS quality_score Nullable(Float64),
    ADD COLUMN IF NOT EXISTS quality_flags Array(LowCardinality(String)),
    ADD COLUMN IF NOT EXISTS quality_ruleset_version LowCardinality(String) DEFAULT '';

ALTER TABLE ${database}.landing_posts
    ADD COLUMN IF NOT EXISTS text_hashtags Array(String),
    ADD COLUMN IF NOT EXISTS text_mentions Array(String),
    ADD COLUMN IF NOT EXISTS text_links Array(String),
    ADD COLUMN IF NOT EXISTS text_language LowCardinality(Nullable(String)),
    ADD COLUMN IF NOT EXISTS text_language_method LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS text_graphemes Nullable(Int32),
    ADD COLUMN IF NOT EXISTS content_format LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS creator_tier LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS creator_followers Nullable(Int64),
    ADD COLUMN IF NOT EXISTS source_time_zone LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS quality_score Nullable(Float64),
    ADD COLUMN IF NOT EXISTS quality_flags Array(LowCardinality(String)),
    ADD COLUMN IF NOT EXISTS quality_ruleset_version LowCardinality(String) DEFAULT '';

ALTER TABLE ${database}.post_metrics
    ADD COLUMN IF NOT EXISTS engagements Nullable(Int64),
    ADD COLUMN IF NOT EXISTS engagement_rate Nullable(Float64),
    ADD COLUMN IF NOT EXISTS engagement_basis LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS previous_event_id Nullable(String),
    ADD COLUMN IF NOT EXISTS previous_observed_at Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS views_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS likes_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS comments_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS shares_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS engagements_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS views_per_hour Nullable(Float64),
    ADD COLUMN IF NOT EXISTS engagements_per_hour Nullable(Float64),
    ADD COLUMN IF NOT EXISTS post_age_hours Nullable(Float64),
    ADD COLUMN IF NOT EXISTS creator_tier LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS source_time_zone LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS quality_score Nullable(Float64),
    ADD COLUMN IF NOT EXISTS quality_flags Array(LowCardinality(String)),
    ADD COLUMN IF NOT EXISTS quality_ruleset_version LowCardinality(String) DEFAULT '';

ALTER TABLE ${database}.post_metrics_latest
    ADD COLUMN IF NOT EXISTS engagements Nullable(Int64),
    ADD COLUMN IF NOT EXISTS engagement_rate Nullable(Float64),
    ADD COLUMN IF NOT EXISTS engagement_basis LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS previous_event_id Nullable(String),
    ADD COLUMN IF NOT EXISTS previous_observed_at Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS views_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS likes_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS comments_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS shares_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS engagements_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS views_per_hour Nullable(Float64),
    ADD COLUMN IF NOT EXISTS engagements_per_hour Nullable(Float64),
    ADD COLUMN IF NOT EXISTS post_age_hours Nullable(Float64),
    ADD COLUMN IF NOT EXISTS creator_tier LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS source_time_zone LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS quality_score Nullable(Float64),
    ADD COLUMN IF NOT EXISTS quality_flags Array(LowCardinality(String)),
    ADD COLUMN IF NOT EXISTS quality_ruleset_version LowCardinality(String) DEFAULT '';

ALTER TABLE ${database}.landing_post_metrics
    ADD COLUMN IF NOT EXISTS engagements Nullable(Int64),
    ADD COLUMN IF NOT EXISTS engagement_rate Nullable(Float64),
    ADD COLUMN IF NOT EXISTS engagement_basis LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS previous_event_id Nullable(String),
    ADD COLUMN IF NOT EXISTS previous_observed_at Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS views_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS likes_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS comments_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS shares_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS engagements_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS views_per_hour Nullable(Float64),
    ADD COLUMN IF NOT EXISTS engagements_per_hour Nullable(Float64),
    ADD COLUMN IF NOT EXISTS post_age_hours Nullable(Float64),
    ADD COLUMN IF NOT EXISTS creator_tier LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS source_time_zone LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS quality_score Nullable(Float64),
    ADD COLUMN IF NOT EXISTS quality_flags Array(LowCardinality(String)),
    ADD COLUMN IF NOT EXISTS quality_ruleset_version LowCardinality(String) DEFAULT '';

ALTER TABLE ${database}.account_metrics
    ADD COLUMN IF NOT EXISTS creator_tier LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS previous_event_id Nullable(String),
    ADD COLUMN IF NOT EXISTS previous_observed_at Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS followers_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS followers_per_day Nullable(Float64),
    ADD COLUMN IF NOT EXISTS source_time_zone LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS quality_score Nullable(Float64),
    ADD COLUMN IF NOT EXISTS quality_flags Array(LowCardinality(String)),
    ADD COLUMN IF NOT EXISTS quality_ruleset_version LowCardinality(String) DEFAULT '';

ALTER TABLE ${database}.account_metrics_latest
    ADD COLUMN IF NOT EXISTS creator_tier LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS previous_event_id Nullable(String),
    ADD COLUMN IF NOT EXISTS previous_observed_at Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS followers_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS followers_per_day Nullable(Float64),
    ADD COLUMN IF NOT EXISTS source_time_zone LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS quality_score Nullable(Float64),
    ADD COLUMN IF NOT EXISTS quality_flags Array(LowCardinality(String)),
    ADD COLUMN IF NOT EXISTS quality_ruleset_version LowCardinality(String) DEFAULT '';

ALTER TABLE ${database}.landing_account_metrics
    ADD COLUMN IF NOT EXISTS creator_tier LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS previous_event_id Nullable(String),
    ADD COLUMN IF NOT EXISTS previous_observed_at Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS followers_delta Nullable(Int64),
    ADD COLUMN IF NOT EXISTS followers_per_day Nullable(Float64),
    ADD COLUMN IF NOT EXISTS source_time_zone LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS quality_score Nullable(Float64),
    ADD COLUMN IF NOT EXISTS quality_flags Array(LowCardinality(String)),
    ADD COLUMN IF NOT EXISTS quality_ruleset_version LowCardinality(String) DEFAULT '';

ALTER TABLE ${database}.comments
    ADD COLUMN IF NOT EXISTS text_hashtags Array(String),
    ADD COLUMN IF NOT EXISTS text_mentions Array(String),
    ADD COLUMN IF NOT EXISTS text_links Array(String),
    ADD COLUMN IF NOT EXISTS text_language LowCardinality(Nullable(String)),
    ADD COLUMN IF NOT EXISTS text_language_method LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS text_graphemes Nullable(Int32),
    ADD COLUMN IF NOT EXISTS quality_score Nullable(Float64),
    ADD COLUMN IF NOT EXISTS quality_flags Array(LowCardinality(String)),
    ADD COLUMN IF NOT EXISTS quality_ruleset_version LowCardinality(String) DEFAULT '';

ALTER TABLE ${database}.landing_comments
    ADD COLUMN IF NOT EXISTS text_hashtags Array(String),
    ADD COLUMN IF NOT EXISTS text_mentions Array(String),
    ADD COLUMN IF NOT EXISTS text_links Array(String),
    ADD COLUMN IF NOT EXISTS text_language LowCardinality(Nullable(String)),
    ADD COLUMN IF NOT EXISTS text_language_method LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS text_graphemes Nullable(Int32),
    ADD COLUMN IF NOT EXISTS quality_score Nullable(Float64),
    ADD COLUMN IF NOT EXISTS quality_flags Array(LowCardinality(String)),
    ADD COLUMN IF NOT EXISTS quality_ruleset_version LowCardinality(String) DEFAULT '';
