-- 0006 quarantine: records that failed a quality rule (social.quarantine.*) or failed processing
-- (dlq.<service>), fed by the quarantine and dead-letter consumers. One row per failed record,
-- with where it came from (origin_*), why (stage, reason_codes, error_*), the original bytes, and
-- the lineage of the quarantine/DLQ record it was read from (source_*).
--
-- payload holds the original record bytes. JSON cannot carry arbitrary bytes, so JSON inserts
-- send them base64-encoded in the EPHEMERAL column payload_base64, which is decoded on insert;
-- EPHEMERAL columns are only read when the INSERT names its columns, e.g.
--   INSERT INTO quarantine (failed_at, …, payload_base64) FORMAT JSONEachRow

CREATE TABLE IF NOT EXISTS ${database}.quarantine
(
    failed_at DateTime64(3, 'UTC'),
    stage LowCardinality(String),
    service LowCardinality(String),
    origin_topic LowCardinality(String),
    origin_partition Int32,
    origin_offset Int64,
    origin_key String DEFAULT '',
    origin_timestamp Nullable(DateTime64(3, 'UTC')),
    event_id String DEFAULT '',
    platform LowCardinality(String) DEFAULT '',
    schema_id Nullable(UInt32),
    reason_codes Array(LowCardinality(String)),
    error_class LowCardinality(String) DEFAULT '',
    error_message String DEFAULT '',
    attempts UInt32 DEFAULT 1,
    payload_base64 String EPHEMERAL '',
    payload String DEFAULT base64Decode(payload_base64),
    trace_id String DEFAULT '',
    source_topic LowCardinality(String),
    source_partition Int32,
    source_offset Int64,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(failed_at)
ORDER BY (origin_topic, failed_at, origin_partition, origin_offset)
SETTINGS non_replicated_deduplication_window = 10000;
