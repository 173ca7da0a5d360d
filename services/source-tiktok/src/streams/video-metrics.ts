// Stream `video_metrics` (fan-out over the entity set `videos`, adaptive cadence).
//   Endpoint  POST /v2/video/query/?fields=id,create_time,like_count,comment_count,share_count,view_count,
//             body {"filters": {"video_ids": [up to 20 ids]}}
//   Docs      https://developers.tiktok.com/doc/tiktok-api-v2-video-query
//   Scope     video.list
//   Paging    none: one answer per batch of ≤ 20 ids; ids the platform does not return (deleted,
//             made private, not the token's account) are simply absent — they are counted
//             (tributary_source_tiktok_videos_missing_total) and logged per batch, never dropped silently.
//   Quota     600 requests per sliding minute for this endpoint (ledger scope `tiktok:…:video.query`)
//   Cadence   the kit's CadenceCurve: every few minutes in the first hour, slower with age, faster
//             for videos gaining views quickly; videos older than the tracking window are left to the list.
//   Changes   the four counters, at any time (view_count grows for weeks).
import { DEFAULT_CONTENT_CADENCE, fanOutStream } from '@tributary/connector-kit';
import type { CadenceCurve, FanOutStreamDeclaration } from '@tributary/connector-kit';
import { ENDPOINTS } from '../profile.ts';
import { VIDEO_COUNTER_FIELDS, readVideos, videoMetricsSnapshot } from '../records.ts';
import type { VideoReader } from '../records.ts';

const PATH = '/v2/video/query/';
const LINEAGE_ENDPOINT = `POST ${PATH}`;
export const VIDEO_QUERY_FIELDS = ['id', 'create_time', ...VIDEO_COUNTER_FIELDS];

export interface VideoMetricsStreamOptions extends VideoReader {
  /** Ids per request, at most 20. */
  batchSize: number;
  trackingWindowMs: number;
  cadence?: CadenceCurve;
}

export function videoMetricsStream(options: VideoMetricsStreamOptions): FanOutStreamDeclaration {
  return fanOutStream({
    name: 'video_metrics',
    entitySet: 'videos',
    batchSize: options.batchSize,
    cadence: options.cadence ?? DEFAULT_CONTENT_CADENCE,
    trackingWindowMs: options.trackingWindowMs,
    request: (_context, entities) => ({
      endpoint: ENDPOINTS.videoQuery,
      method: 'POST',
      path: PATH,
      query: { fields: VIDEO_QUERY_FIELDS.join(',') },
      json: { filters: { video_ids: entities.map((entity) => entity.id) } },
    }),
    map(response, entities, context) {
      const asked = new Set(entities.map((entity) => entity.id));
      const answered = readVideos(response.body, 'video_metrics', options).filter((video) => asked.has(video.id));
      const seen = new Set(answered.map((video) => video.id));
      const missing = [...asked].filter((id) => !seen.has(id));
      if (missing.length > 0) {
        options.metrics.videosMissing.inc({ stream: 'video_metrics' }, missing.length);
        options.logger.warn(
          { stream: 'video_metrics', scope: context.scope, missing: missing.length, asked: asked.size, sample: missing.slice(0, 5) },
          "Video ids absent from /v2/video/query/ (deleted, private or not the account's); their counters were not collected.",
        );
      }
      return answered.map((video) => videoMetricsSnapshot(video, context, response, LINEAGE_ENDPOINT));
    },
  });
}
