// The demo's closing summary, queried from ClickHouse like an analyst would: rows per platform
// and table, the most engaging posts, what quality quarantined and why, and how long events took
// from the platform response to a ClickHouse row. Everything is limited to rows collected since
// the demo started, so earlier runs in the same database do not blur it.
import type { ClickHouseClient } from '@tributary/clickhouse';

export interface DemoSummary {
  rows: Array<{ table: string; platform: string; rows: number }>;
  topPosts: Array<{
    platform: string;
    post_id: string;
    format: string;
    title: string;
    engagement_rate: number;
    views: number | null;
    creator_tier: string;
  }>;
  quarantine: Array<{ reason: string; stage: string; records: number }>;
  flags: Array<{ flag: string; records: number }>;
  latencyMs: { p50: number; p90: number; p99: number; max: number; rows: number };
}

async function rows<T>(clickhouse: ClickHouseClient, query: string, since: number): Promise<T[]> {
  const result = await clickhouse.query({ query, query_params: { since: since / 1000 }, format: 'JSONEachRow' });
  return (await result.json()) as T[];
}

const SINCE = '{since:DateTime64(3)}';

export async function querySummary(clickhouse: ClickHouseClient, since: number): Promise<DemoSummary> {
  const counts = await rows<{ table: string; platform: string; rows: string }>(
    clickhouse,
    `SELECT * FROM (
     SELECT 'posts' AS table, platform, count() AS rows FROM posts FINAL WHERE collected_at >= ${SINCE} GROUP BY platform
     UNION ALL SELECT 'post_metrics', platform, count() FROM post_metrics FINAL WHERE collected_at >= ${SINCE} GROUP BY platform
     UNION ALL SELECT 'account_metrics', platform, count() FROM account_metrics FINAL WHERE collected_at >= ${SINCE} GROUP BY platform
     UNION ALL SELECT 'comments', platform, count() FROM comments FINAL WHERE collected_at >= ${SINCE} GROUP BY platform
     UNION ALL SELECT 'deletions', platform, count() FROM deletions FINAL WHERE collected_at >= ${SINCE} GROUP BY platform
     UNION ALL SELECT 'quarantine', platform, count() FROM quarantine WHERE ingested_at >= ${SINCE} GROUP BY platform)
     ORDER BY table, platform`,
    since,
  );
  const topPosts = await rows<DemoSummary['topPosts'][number]>(
    clickhouse,
    `SELECT m.platform AS platform, m.post_id AS post_id, p.format AS format,
            substringUTF8(replaceRegexpAll(coalesce(nullIf(p.title, ''), p.text, ''), '\\s+', ' '), 1, 40) AS title,
            round(m.engagement_rate, 4) AS engagement_rate, m.views AS views, m.creator_tier AS creator_tier
     FROM (SELECT * FROM post_metrics_latest FINAL WHERE collected_at >= ${SINCE} AND engagement_rate IS NOT NULL AND views >= 100) AS m
     LEFT JOIN (SELECT platform, post_id, format, title, text FROM posts FINAL) AS p ON p.platform = m.platform AND p.post_id = m.post_id
     ORDER BY m.engagement_rate DESC, m.post_id LIMIT 5`,
    since,
  );
  const quarantine = await rows<{ reason: string; stage: string; records: string }>(
    clickhouse,
    `SELECT arrayJoin(if(empty(reason_codes), ['UNSPECIFIED'], reason_codes)) AS reason, stage, count() AS records
     FROM quarantine WHERE ingested_at >= ${SINCE} GROUP BY reason, stage ORDER BY records DESC, reason LIMIT 12`,
    since,
  );
  const flags = await rows<{ flag: string; records: string }>(
    clickhouse,
    `SELECT flag, count() AS records FROM (
       SELECT arrayJoin(quality_flags) AS flag FROM post_metrics FINAL WHERE collected_at >= ${SINCE}
       UNION ALL SELECT arrayJoin(quality_flags) FROM account_metrics FINAL WHERE collected_at >= ${SINCE}
       UNION ALL SELECT arrayJoin(quality_flags) FROM posts FINAL WHERE collected_at >= ${SINCE})
     GROUP BY flag ORDER BY records DESC, flag LIMIT 10`,
    since,
  );
  const [latency] = await rows<{ p50: number; p90: number; p99: number; max: number; rows: string }>(
    clickhouse,
    `SELECT round(q[1]) AS p50, round(q[2]) AS p90, round(q[3]) AS p99, max_ms AS max, rows FROM (
       SELECT quantiles(0.5, 0.9, 0.99)(ms) AS q, max(ms) AS max_ms, count() AS rows FROM (
         SELECT dateDiff('millisecond', collected_at, ingested_at) AS ms FROM landing_posts WHERE collected_at >= ${SINCE}
         UNION ALL SELECT dateDiff('millisecond', collected_at, ingested_at) FROM landing_post_metrics WHERE collected_at >= ${SINCE}
         UNION ALL SELECT dateDiff('millisecond', collected_at, ingested_at) FROM landing_account_metrics WHERE collected_at >= ${SINCE}
         UNION ALL SELECT dateDiff('millisecond', collected_at, ingested_at) FROM landing_comments WHERE collected_at >= ${SINCE}))`,
    since,
  );
  return {
    rows: counts.map((row) => ({ table: row.table, platform: row.platform, rows: Number(row.rows) })),
    topPosts: topPosts.map((post) => ({
      ...post,
      engagement_rate: Number(post.engagement_rate),
      views: post.views === null ? null : Number(post.views),
    })),
    quarantine: quarantine.map((row) => ({ reason: row.reason, stage: row.stage, records: Number(row.records) })),
    flags: flags.map((row) => ({ flag: row.flag, records: Number(row.records) })),
    latencyMs: {
      p50: Number(latency?.p50 ?? 0),
      p90: Number(latency?.p90 ?? 0),
      p99: Number(latency?.p99 ?? 0),
      max: Number(latency?.max ?? 0),
      rows: Number(latency?.rows ?? 0),
    },
  };
}

function table(headers: string[], body: Array<Array<string | number>>): string[] {
  const widths = headers.map((header, column) => Math.max(header.length, ...body.map((row) => String(row[column]).length)));
  const line = (cells: Array<string | number>): string =>
    `  ${cells.map((cell, column) => (typeof cell === 'number' ? String(cell).padStart(widths[column]!) : String(cell).padEnd(widths[column]!))).join('  ')}`.trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)];
}

export function describeSummary(summary: DemoSummary): string {
  const platforms = [...new Set(summary.rows.map((row) => row.platform))].sort();
  const tables = [...new Set(summary.rows.map((row) => row.table))];
  const count = (tableName: string, platform: string): number =>
    summary.rows.find((row) => row.table === tableName && row.platform === platform)?.rows ?? 0;
  const out: string[] = ['', 'Rows collected in this run, per table and platform (final tables, deduplicated):'];
  out.push(
    ...table(
      ['table', ...platforms],
      tables.map((name) => [name, ...platforms.map((platform) => count(name, platform))]),
    ),
  );
  out.push('', 'Top posts by engagement rate (latest snapshot, at least 100 views):');
  out.push(
    ...(summary.topPosts.length === 0
      ? ['  (no post has an engagement rate yet)']
      : table(
          ['platform', 'post', 'format', 'tier', 'views', 'engagement', 'title'],
          summary.topPosts.map((post) => [
            post.platform,
            post.post_id,
            post.format ?? '',
            post.creator_tier,
            post.views ?? 0,
            `${(post.engagement_rate * 100).toFixed(2)}%`,
            post.title,
          ]),
        )),
  );
  out.push('', 'Quarantined and dead-lettered records by reason:');
  out.push(
    ...(summary.quarantine.length === 0
      ? ['  (none)']
      : table(
          ['reason', 'stage', 'records'],
          summary.quarantine.map((row) => [row.reason, row.stage, row.records]),
        )),
  );
  out.push('', 'Quality flags on curated rows (kept, scored lower):');
  out.push(
    ...(summary.flags.length === 0
      ? ['  (none)']
      : table(
          ['flag', 'records'],
          summary.flags.map((row) => [row.flag, row.records]),
        )),
  );
  const latency = summary.latencyMs;
  out.push(
    '',
    `End-to-end latency, platform response → ClickHouse row (${latency.rows} rows): p50 ${latency.p50} ms · p90 ${latency.p90} ms · p99 ${latency.p99} ms · max ${latency.max} ms`,
  );
  return out.join('\n');
}
