// Stream `uploads` (list, per channel): the channel's uploads playlist, newest first.
// Endpoint: GET /youtube/v3/playlistItems?part=snippet,contentDetails&playlistId=UU…&maxResults=50
//   https://developers.google.com/youtube/v3/docs/playlistItems/list
// Playlist id: the UC… → UU… convention (documented by Google's channels.list contentDetails example
//   and stable for years), so a walk costs no channels.list call; the channel stream reads
//   contentDetails.relatedPlaylists.uploads too, and a channel whose playlist does not follow the
//   convention answers 404 playlistNotFound (reported as a client error on this stream).
// Pagination: nextPageToken → pageToken; tokens are resumable across restarts; a refused stored token
//   (400 invalidPageToken) makes the runtime forget it and walk from the top.
// Quota: 1 unit per page. NOT conditional: the playlist returns a new etag on every call.
// Changes after first fetch: snippet.title (edits), position; private/deleted videos lose
//   contentDetails.videoPublishedAt. Post content is NOT mapped here (videos.list has the full
//   resource): this stream only discovers the `videos` entity set, with videoPublishedAt as the
//   watermark (the time the fan-out cadence counts from).
import { listStream, pageTokenPagination } from '@tributary/connector-kit';
import type { DiscoveredEntity, ListStreamDeclaration } from '@tributary/connector-kit';
import { recordAt, stringAt, timestampAt } from '../records.ts';
import type { DataQuality } from '../records.ts';

export type PlaylistItem = Record<string, unknown>;

/** The uploads playlist of a channel: `UC<rest>` → `UU<rest>`. */
export function uploadsPlaylistId(channelId: string): string {
  return channelId.startsWith('UC') ? `UU${channelId.slice(2)}` : channelId;
}

export function uploadsStream(options: {
  everyMs: number;
  pageSize: number;
  lookbackMs: number;
  quality: DataQuality;
}): ListStreamDeclaration<PlaylistItem> {
  const { quality } = options;
  /** videoPublishedAt, else when the item joined the playlist (snippet.publishedAt); NaN when neither can be read. */
  const publishedAt = (item: PlaylistItem): number => {
    const id = videoIdOf(item) ?? '?';
    const contentDetails = recordAt(item, 'contentDetails');
    const published = contentDetails?.videoPublishedAt === undefined ? null : timestampAt(contentDetails, 'videoPublishedAt', quality, id);
    return published ?? timestampAt(recordAt(item, 'snippet'), 'publishedAt', quality, id) ?? Number.NaN;
  };
  return listStream<PlaylistItem>({
    name: 'uploads',
    everyMs: options.everyMs,
    request: (context) => ({
      endpoint: 'playlistItems.list',
      method: 'GET',
      path: '/playlistItems',
      query: { part: 'snippet,contentDetails', playlistId: uploadsPlaylistId(context.scope), maxResults: Math.min(50, options.pageSize) },
      credential: context.credential,
      priority: context.priority,
    }),
    paginate: pageTokenPagination<PlaylistItem>(),
    map: () => [],
    watermark: publishedAt,
    lookbackMs: options.lookbackMs,
    resumable: true,
    discovers: {
      entitySet: 'videos',
      entity: (item): DiscoveredEntity | null => {
        const id = videoIdOf(item);
        if (id === null) {
          quality.report('playlist-item-without-video', stringAt(item, 'id') ?? '?');
          return null;
        }
        const at = publishedAt(item);
        return { id, publishedAt: Number.isFinite(at) ? at : 0 };
      },
    },
  });
}

function videoIdOf(item: PlaylistItem): string | null {
  return stringAt(recordAt(item, 'contentDetails'), 'videoId') ?? stringAt(recordAt(recordAt(item, 'snippet'), 'resourceId'), 'videoId');
}
