// YouTube Analytics API v2 `GET /v2/reports` (real host youtubeanalytics.googleapis.com): a
// resultTable {kind, columnHeaders[{name, columnType, dataType}], rows}. Supported here: dimensions
// day, video, creatorContentType (any subset), filters video==ID[,ID] and creatorContentType==X,
// metrics views, engagedViews, estimatedMinutesWatched, averageViewDuration, likes, comments,
// shares, subscribersGained. Other combinations → 400 "The query is not supported." Days are
// calendar days in America/Los_Angeles; data ends analyticsLagDays before today. Not charged
// against Data API quota.
import { metricAt } from '../core/metric-curve.ts';
import type { YouTubeKnobs } from '../knobs.ts';
import { creatorContentType } from './model.ts';
import type { YouTubeChannel, YouTubeVideo } from './model.ts';
import { startOfZonedDay, zonedDate } from './quota.ts';

export const ANALYTICS_DIMENSIONS = ['day', 'video', 'creatorContentType'];
export const ANALYTICS_METRICS = [
  'views',
  'engagedViews',
  'estimatedMinutesWatched',
  'averageViewDuration',
  'likes',
  'comments',
  'shares',
  'subscribersGained',
];

export interface ReportQuery {
  startDate: string;
  endDate: string;
  metrics: string[];
  dimensions: string[];
  filters: Record<string, string[]>;
  sort: string[];
  maxResults: number | null;
  startIndex: number;
}

export type ReportResult =
  { ok: true; table: Record<string, unknown>; served: { video: string; values: Record<string, number> }[] } | { ok: false; reason: string };

const DAY = 86_400_000;
const ZONE = 'America/Los_Angeles';

export function parseReportQuery(query: URLSearchParams): ReportQuery | string {
  const startDate = query.get('startDate');
  const endDate = query.get('endDate');
  const metrics = query.get('metrics');
  if (!startDate || !endDate || !metrics || !query.get('ids')) return 'Required parameters: ids, startDate, endDate, metrics.';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate) || !/^\d{4}-\d{2}-\d{2}$/.test(endDate) || startDate > endDate)
    return 'startDate and endDate must be YYYY-MM-DD, start ≤ end.';
  const filters: Record<string, string[]> = {};
  for (const clause of (query.get('filters') ?? '').split(';').filter(Boolean)) {
    const [name = '', values = ''] = clause.split('==');
    filters[name] = values.split(',');
  }
  return {
    startDate,
    endDate,
    metrics: metrics.split(','),
    dimensions: (query.get('dimensions') ?? '').split(',').filter(Boolean),
    filters,
    sort: (query.get('sort') ?? '').split(',').filter(Boolean),
    maxResults: query.get('maxResults') === null ? null : Number(query.get('maxResults')),
    startIndex: Number(query.get('startIndex') ?? 1),
  };
}

function dailyMetrics(video: YouTubeVideo, from: number, to: number): Record<string, number> {
  const delta = (name: string): number => Math.max(0, metricAt(video.curve, name, to) - metricAt(video.curve, name, from));
  const views = delta('views');
  const watchedFraction = video.kind === 'short' ? 0.85 : 0.4;
  const minutes = Math.round((views * video.durationSeconds * watchedFraction) / 60);
  return {
    views,
    engagedViews: Math.floor(views * (video.kind === 'short' ? 0.7 : 0.95)),
    estimatedMinutesWatched: minutes,
    averageViewDuration: 0, // derived after aggregation
    likes: delta('likes'),
    comments: delta('comments'),
    shares: Math.floor(views * 0.003),
    subscribersGained: Math.floor(views * 0.001),
  };
}

export function runReport(channel: YouTubeChannel, query: ReportQuery, now: number, knobs: YouTubeKnobs): ReportResult {
  if (query.dimensions.some((d) => !ANALYTICS_DIMENSIONS.includes(d))) return { ok: false, reason: 'dimension' };
  if (query.metrics.some((m) => !ANALYTICS_METRICS.includes(m))) return { ok: false, reason: 'metric' };
  if (Object.keys(query.filters).some((f) => f !== 'video' && f !== 'creatorContentType')) return { ok: false, reason: 'filter' };
  const lastDay = zonedDate(now - knobs.analyticsLagDays * DAY, ZONE);
  const end = query.endDate < lastDay ? query.endDate : lastDay;
  const videoFilter = query.filters.video;
  const typeFilter = query.filters.creatorContentType;
  const groups = new Map<string, { key: string[]; sums: Record<string, number> }>();
  const served: { video: string; values: Record<string, number> }[] = [];
  const videos = channel.videos
    .publishedBy(now)
    .filter(
      (v) =>
        (videoFilter === undefined || videoFilter.includes(v.id)) &&
        (typeFilter === undefined || typeFilter.includes(creatorContentType(v.kind, knobs.creatorContentTypeSpelling))),
    );
  for (let day = query.startDate; day <= end; day = zonedDate(startOfZonedDay(day, ZONE) + 26 * 3_600_000, ZONE)) {
    const from = startOfZonedDay(day, ZONE);
    const to = startOfZonedDay(zonedDate(from + 26 * 3_600_000, ZONE), ZONE);
    for (const video of videos) {
      if (video.publishedAt >= to) continue;
      const values = dailyMetrics(video, from, to);
      const key = query.dimensions.map((d) =>
        d === 'day' ? day : d === 'video' ? video.id : creatorContentType(video.kind, knobs.creatorContentTypeSpelling),
      );
      const id = key.join('\u0000');
      const group = groups.get(id) ?? { key, sums: Object.fromEntries(ANALYTICS_METRICS.map((m) => [m, 0])) };
      for (const [name, value] of Object.entries(values)) group.sums[name] = (group.sums[name] ?? 0) + value;
      groups.set(id, group);
    }
  }
  let rows = [...groups.values()].map((group) => {
    const sums = group.sums;
    sums.averageViewDuration = (sums.views ?? 0) === 0 ? 0 : Math.round(((sums.estimatedMinutesWatched ?? 0) * 60) / (sums.views ?? 1));
    return [...group.key, ...query.metrics.map((m) => sums[m] ?? 0)] as (string | number)[];
  });
  const columns = [...query.dimensions, ...query.metrics];
  const sortKeys = query.sort.length > 0 ? query.sort : query.dimensions;
  rows.sort((a, b) => {
    for (const spec of sortKeys) {
      const descending = spec.startsWith('-');
      const index = columns.indexOf(descending ? spec.slice(1) : spec);
      const left = a[index] ?? 0;
      const right = b[index] ?? 0;
      if (left !== right) return (left < right ? -1 : 1) * (descending ? -1 : 1);
    }
    return 0;
  });
  rows = rows.slice(query.startIndex - 1, query.maxResults === null ? undefined : query.startIndex - 1 + query.maxResults);
  if (query.dimensions.includes('video')) {
    const videoIndex = query.dimensions.indexOf('video');
    for (const row of rows)
      served.push({
        video: String(row[videoIndex]),
        values: Object.fromEntries(query.metrics.map((m, i) => [m, Number(row[query.dimensions.length + i])])),
      });
  }
  return {
    ok: true,
    served,
    table: {
      kind: 'youtubeAnalytics#resultTable',
      columnHeaders: [
        ...query.dimensions.map((name) => ({ name, columnType: 'DIMENSION', dataType: 'STRING' })),
        ...query.metrics.map((name) => ({ name, columnType: 'METRIC', dataType: 'INTEGER' })),
      ],
      rows,
    },
  };
}
