// Stream `shorts_classification` (single, per channel, every `shortsClassificationEveryMs`).
// Endpoint: GET https://youtubeanalytics.googleapis.com/v2/reports?ids=channel==MINE
//   &dimensions=video,creatorContentType&metrics=views&sort=-views&maxResults=200&startDate=…&endDate=…
//   https://developers.google.com/youtube/analytics/dimensions#creatorContentType
// Why: the Data API has no Shorts flag; creatorContentType (SHORTS, VIDEO_ON_DEMAND, LIVE_STREAM, …;
//   some responses spell it camelCase — both are accepted) is the authoritative signal.
// Pagination: none (a report); the video dimension allows at most 200 rows, sorted by views, so only the
//   channel's 200 most-viewed videos of the window are classified. Days are Pacific dates; Analytics
//   lags 2-3 days, so the newest uploads are classified later (until then they map as VIDEO).
// Quota: the Analytics API has its own per-project limits, not the Data API units (its own requester).
// Maps to nothing: it records each video's type in `contentTypes`, which the `videos` mapping reads, so
// the next poll of a Short emits a new Post version with format SHORT.
import { singleStream } from '@tributary/connector-kit';
import type { SingleStreamDeclaration } from '@tributary/connector-kit';
import { isRecord } from '../records.ts';
import type { DataQuality } from '../records.ts';

const DAY = 86_400_000;

/** YYYY-MM-DD of `epochMs` in `timeZone`. */
export function zonedDate(epochMs: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(epochMs);
}

export function shortsClassificationStream(options: {
  everyMs: number;
  windowDays: number;
  contentTypes: Map<string, string>;
  quality: DataQuality;
}): SingleStreamDeclaration {
  return singleStream({
    name: 'shorts_classification',
    everyMs: options.everyMs,
    request: (context) => ({
      endpoint: 'analytics.reports',
      method: 'GET',
      path: '/v2/reports',
      query: {
        ids: 'channel==MINE',
        startDate: zonedDate(context.snapshotBucket - options.windowDays * DAY, 'America/Los_Angeles'),
        endDate: zonedDate(context.snapshotBucket, 'America/Los_Angeles'),
        dimensions: 'video,creatorContentType',
        metrics: 'views',
        sort: '-views',
        maxResults: 200,
      },
      credential: context.credential,
      priority: context.priority,
    }),
    map: (response, context) => {
      const body = response.body;
      const headers = isRecord(body) && Array.isArray(body.columnHeaders) ? body.columnHeaders : [];
      const names = headers.map((header) => (isRecord(header) && typeof header.name === 'string' ? header.name : ''));
      const videoAt = names.indexOf('video');
      const typeAt = names.indexOf('creatorContentType');
      const rows = isRecord(body) && Array.isArray(body.rows) ? body.rows : [];
      if (videoAt < 0 || typeAt < 0) {
        options.quality.report('analytics-table-unreadable', context.scope, names.join(','));
        return [];
      }
      for (const row of rows) {
        const video = Array.isArray(row) ? row[videoAt] : undefined;
        const type = Array.isArray(row) ? row[typeAt] : undefined;
        if (typeof video === 'string' && video !== '' && typeof type === 'string' && type !== '') options.contentTypes.set(video, type);
        else options.quality.report('analytics-table-unreadable', context.scope, 'row');
      }
      return [];
    },
  });
}
