// Live progress of the demo pipeline, read from the outside like an operator would: Kafka
// watermarks per stage (what each stage has written), consumer-group lag (what each stage still
// has to read), rows landed in ClickHouse, and the sources' quota from their /metrics.
import { clearScreenDown, moveCursor } from 'node:readline';
import type { ClickHouseClient } from '@tributary/clickhouse';
import type { TopicAdmin } from '@tributary/kafka';

export const EVENT_TYPES = ['posts', 'post-metrics', 'account-metrics', 'comments', 'deletions'] as const;
export const QUARANTINED_TYPES = ['posts', 'post-metrics', 'account-metrics', 'comments'] as const;
export const DEAD_LETTER_TOPICS = [
  'dlq.source-tiktok',
  'dlq.source-instagram',
  'dlq.source-youtube',
  'dlq.transform-enrich',
  'dlq.transform-quality',
  'dlq.sink-clickhouse',
] as const;

/** The topics each stage writes. */
export const STAGE_TOPICS = {
  collected: EVENT_TYPES.map((type) => `social.raw.${type}`),
  enriched: EVENT_TYPES.map((type) => `social.enriched.${type}`),
  curated: EVENT_TYPES.map((type) => `social.curated.${type}`),
  quarantined: QUARANTINED_TYPES.map((type) => `social.quarantine.${type}`),
  deadLettered: [...DEAD_LETTER_TOPICS],
} as const;

export type Stage = keyof typeof STAGE_TOPICS;

/** Which group reads which stage's output: the lag that must reach zero before the demo stops. */
export const CONSUMERS: ReadonlyArray<{ group: string; topics: readonly string[] }> = [
  { group: 'transform-enrich', topics: STAGE_TOPICS.collected },
  { group: 'transform-quality', topics: STAGE_TOPICS.enriched },
  { group: 'sink-clickhouse', topics: STAGE_TOPICS.curated },
];

export type Offsets = Record<string, number>;

export interface Snapshot {
  elapsedMs: number;
  /** Records written per stage since the demo started. */
  written: Record<Stage, number>;
  /** Records each consumer group has still to read. */
  lag: Record<string, number>;
  /** Rows landed in ClickHouse since the demo started. */
  landed: number;
  /** Quota units used, per platform (sum over scopes). */
  quota: Record<string, number>;
}

/** Sum of high watermarks per topic. */
export async function topicEnds(admin: TopicAdmin, topics: readonly string[]): Promise<Offsets> {
  const ends: Offsets = {};
  await Promise.all(
    topics.map(async (topic) => {
      ends[topic] = (await admin.watermarks(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
    }),
  );
  return ends;
}

export async function groupLag(admin: TopicAdmin, group: string, topics: readonly string[]): Promise<number> {
  let lag = 0;
  for (const topic of topics) {
    const [ends, committed] = await Promise.all([admin.watermarks(topic), admin.groupOffsets(group, topic)]);
    for (const { partition, low, high } of ends) {
      const offset = Number(committed[partition] ?? '-1');
      lag += Number(high) - (offset < 0 ? Number(low) : offset);
    }
  }
  return lag;
}

/** Sums `tributary_connector_quota_used` per platform from a Prometheus text page. */
export function quotaFromMetrics(text: string): Record<string, number> {
  const used: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^tributary_connector_quota_used\{([^}]*)\}\s+([0-9.e+-]+)$/.exec(line);
    if (!match) continue;
    const platform = /platform="([^"]+)"/.exec(match[1]!)?.[1] ?? 'unknown';
    used[platform] = (used[platform] ?? 0) + Number(match[2]);
  }
  return used;
}

export interface ProgressSources {
  admin: TopicAdmin;
  clickhouse: ClickHouseClient;
  /** Base offsets per topic at the start. */
  baseline: Offsets;
  /** Sources' health/metrics base URLs. */
  metricsUrls: string[];
  startedAt: number;
}

export async function takeSnapshot(sources: ProgressSources): Promise<Snapshot> {
  const all = Object.values(STAGE_TOPICS).flat();
  const ends = await topicEnds(sources.admin, all);
  const written = {} as Record<Stage, number>;
  for (const [stage, topics] of Object.entries(STAGE_TOPICS) as Array<[Stage, readonly string[]]>)
    written[stage] = topics.reduce((sum, topic) => sum + (ends[topic] ?? 0) - (sources.baseline[topic] ?? 0), 0);
  const lag: Record<string, number> = {};
  for (const { group, topics } of CONSUMERS) lag[group] = await groupLag(sources.admin, group, topics);
  const landedRows = (await (
    await sources.clickhouse.query({
      query: `SELECT sum(rows) AS landed FROM (
        SELECT count() AS rows FROM landing_posts WHERE ingested_at >= {since:DateTime64(3)}
        UNION ALL SELECT count() FROM landing_post_metrics WHERE ingested_at >= {since:DateTime64(3)}
        UNION ALL SELECT count() FROM landing_account_metrics WHERE ingested_at >= {since:DateTime64(3)}
        UNION ALL SELECT count() FROM landing_comments WHERE ingested_at >= {since:DateTime64(3)}
        UNION ALL SELECT count() FROM landing_deletions WHERE ingested_at >= {since:DateTime64(3)})`,
      query_params: { since: sources.startedAt / 1000 },
      format: 'JSONEachRow',
    })
  ).json()) as Array<{ landed: string }>;
  const quota: Record<string, number> = {};
  await Promise.all(
    sources.metricsUrls.map(async (url) => {
      try {
        const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) });
        for (const [platform, used] of Object.entries(quotaFromMetrics(await response.text())))
          quota[platform] = (quota[platform] ?? 0) + used;
      } catch {
        // a source that is stopping answers no more; its last numbers stay on screen
      }
    }),
  );
  return { elapsedMs: Date.now() - sources.startedAt, written, lag, landed: Number(landedRows[0]?.landed ?? 0), quota };
}

const number = new Intl.NumberFormat('en-US');

export function describeSnapshot(snapshot: Snapshot, phase: string): string[] {
  const seconds = Math.round(snapshot.elapsedMs / 1000);
  const quota = Object.entries(snapshot.quota)
    .map(([platform, used]) => `${platform} ${number.format(Math.round(used))}`)
    .join(' · ');
  return [
    `${phase} · ${seconds}s`,
    `  collected   ${number.format(snapshot.written.collected).padStart(8)} events on social.raw.*`,
    `  enriched    ${number.format(snapshot.written.enriched).padStart(8)} events on social.enriched.*   (enrich lag ${number.format(snapshot.lag['transform-enrich'] ?? 0)})`,
    `  curated     ${number.format(snapshot.written.curated).padStart(8)} events on social.curated.*    (quality lag ${number.format(snapshot.lag['transform-quality'] ?? 0)})`,
    `  quarantined ${number.format(snapshot.written.quarantined).padStart(8)} events on social.quarantine.*`,
    `  dead letters${number.format(snapshot.written.deadLettered).padStart(8)} records on dlq.*`,
    `  landed      ${number.format(snapshot.landed).padStart(8)} rows in ClickHouse            (sink lag ${number.format(snapshot.lag['sink-clickhouse'] ?? 0)})`,
    `  quota used  ${quota === '' ? '-' : quota}`,
  ];
}

/** Redraws a block of lines on a terminal; on anything else prints a block every `everyMs` (and when forced). */
export function createProgressDisplay(
  stream: NodeJS.WriteStream,
  everyMs = 15_000,
): { show(lines: string[], force?: boolean): void; done(): void } {
  let drawn = 0;
  let lastPrinted = 0;
  return {
    show(lines, force = false) {
      if (stream.isTTY) {
        if (drawn > 0) {
          moveCursor(stream, 0, -drawn);
          clearScreenDown(stream);
        }
        stream.write(`${lines.join('\n')}\n`);
        drawn = lines.length;
      } else if (force || Date.now() - lastPrinted >= everyMs) {
        stream.write(`${lines.join('\n')}\n`);
        lastPrinted = Date.now();
      }
    },
    done() {
      drawn = 0;
    },
  };
}
