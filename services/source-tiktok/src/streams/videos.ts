// Stream `videos` (list, newest first; discovers the entity set `videos`).
//   Endpoint  POST /v2/video/list/?fields=<content fields + counters>, body {"max_count": 1–20, "cursor": <int64 ms>}
//   Docs      https://developers.tiktok.com/doc/tiktok-api-v2-video-list
//   Scope     video.list
//   Paging    data.cursor (a UTC Unix timestamp in MILLISECONDS: the create time of the page's oldest
//             video) sent back in the body; stop when data.has_more is false. A cursor the walk has
//             already followed ends it with CONNECTOR_PAGINATION_LOOP after the pages before were
//             written (the kit's cursorPaginator); the runtime then forgets the stored cursor.
//   Quota     600 requests per sliding minute for this endpoint (ledger scope `tiktok:…:video.list`)
//   Watermark create_time, documented in SECONDS (→ ms); re-read `lookbackMs` below the newest seen.
//   Changes   title and video_description can be edited (→ a new content version); the counters
//             change all the time (the list page's counters become a PostMetricsSnapshot of the
//             slot); cover_image_url is re-signed on every answer (6 h TTL) and is not collected.
import { cursorPagination, listStream } from '@tributary/connector-kit';
import type { ListStreamDeclaration } from '@tributary/connector-kit';
import { ENDPOINTS } from '../profile.ts';
import { VIDEO_CONTENT_FIELDS, VIDEO_COUNTER_FIELDS, readVideos, videoMetricsSnapshot, videoPost } from '../records.ts';
import type { TikTokVideo, VideoReader } from '../records.ts';

const PATH = '/v2/video/list/';
const LINEAGE_ENDPOINT = `POST ${PATH}`;
export const VIDEO_LIST_FIELDS = [...VIDEO_CONTENT_FIELDS, ...VIDEO_COUNTER_FIELDS];

export interface VideosStreamOptions extends VideoReader {
  everyMs: number;
  lookbackMs: number;
  /** max_count, 1–20. */
  pageSize: number;
}

export function videosStream(options: VideosStreamOptions): ListStreamDeclaration<TikTokVideo> {
  return listStream<TikTokVideo>({
    name: 'videos',
    everyMs: options.everyMs,
    lookbackMs: options.lookbackMs,
    request: () => ({
      endpoint: ENDPOINTS.videoList,
      method: 'POST',
      path: PATH,
      query: { fields: VIDEO_LIST_FIELDS.join(',') },
      json: { max_count: options.pageSize },
    }),
    paginate: cursorPagination<TikTokVideo>({ items: (body) => readVideos(body, 'videos', options) }),
    map: (video, context, response) => [
      videoPost(video, context, response, LINEAGE_ENDPOINT),
      videoMetricsSnapshot(video, context, response, LINEAGE_ENDPOINT),
    ],
    watermark: (video) => video.publishedAt,
    discovers: { entitySet: 'videos', entity: (video) => ({ id: video.id, publishedAt: video.publishedAt }) },
  });
}
