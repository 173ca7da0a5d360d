-- 0005 engagement per platform, account and hour, kept up to date by a materialized view.
--
-- Metric snapshots are running totals, so an hour's engagement is not a sum of snapshots. Each
-- row holds, for one post in one hour, the highest value of each counter observed in that hour.
-- max is idempotent: a re-collected or re-delivered snapshot changes nothing, so this aggregate
-- stays exact even for duplicates that pass the insert deduplication. post_id is the last key
-- column so an account's hours are contiguous; sum over posts for the account:
--   SELECT platform, account_id, hour, sum(engagement) FROM engagement_hourly FINAL
--   GROUP BY platform, account_id, hour
-- Only lifetime totals feed it (period_start IS NULL). engagement = likes + comments + shares +
-- saves, missing counters counted as 0.

CREATE TABLE IF NOT EXISTS ${database}.engagement_hourly
(
    platform LowCardinality(String),
    account_id String,
    hour DateTime('UTC'),
    post_id String,
    views SimpleAggregateFunction(max, Nullable(Int64)),
    likes SimpleAggregateFunction(max, Nullable(Int64)),
    comments SimpleAggregateFunction(max, Nullable(Int64)),
    shares SimpleAggregateFunction(max, Nullable(Int64)),
    saves SimpleAggregateFunction(max, Nullable(Int64)),
    engagement SimpleAggregateFunction(max, Int64),
    first_observed_at SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_observed_at SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (platform, account_id, hour, post_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv_landing_post_metrics_to_engagement_hourly
TO ${database}.engagement_hourly
AS SELECT
    platform,
    account_id,
    hour,
    post_id,
    max(views) AS views,
    max(likes) AS likes,
    max(comments) AS comments,
    max(shares) AS shares,
    max(saves) AS saves,
    max(snapshot_engagement) AS engagement,
    min(observed_at) AS first_observed_at,
    max(observed_at) AS last_observed_at
FROM
(
    -- A subquery, so the aggregates' aliases (likes, …) do not shadow the columns they read.
    SELECT
        platform,
        account_id,
        post_id,
        toStartOfHour(toDateTime(observed_at, 'UTC')) AS hour,
        views,
        likes,
        comments,
        shares,
        saves,
        ifNull(likes, 0) + ifNull(comments, 0) + ifNull(shares, 0) + ifNull(saves, 0) AS snapshot_engagement,
        observed_at
    FROM ${database}.landing_post_metrics
    WHERE period_start IS NULL
)
GROUP BY platform, account_id, hour, post_id;
