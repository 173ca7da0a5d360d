// Stream `stories`: the account's live stories (the last 24 h), priority 'ephemeral'.
//   Endpoint   GET /{ig-user-id}/stories?fields=<the media fields>
//   Docs       https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/stories
//   Paging     cursor like /media, usually one page (only live stories); not resumable (cursors die with the story).
//   Limits     1 call per page against the Platform and BUC budgets (profile.ts).
//   Changes    nothing after first fetch but the counters; a story disappears from the list after 24 h, and its
//              insights with it — hence expiresAt: the insights fan-out polls it at 'ephemeral' priority until then,
//              and the story_insights webhook (webhooks.ts) captures its final numbers.
import { graphCursorPagination, listStream } from '@tributary/connector-kit';
import type { ListStreamDeclaration } from '@tributary/connector-kit';
import { ENDPOINTS } from '../profile.ts';
import { mapMedia, MEDIA_FIELDS } from './media.ts';
import type { GraphMedia, MediaStreamOptions } from './media.ts';

/** How long a story lives (and its insights exist) after its timestamp. */
export const STORY_LIFETIME_MS = 24 * 60 * 60 * 1000;

export function storiesStream(options: Omit<MediaStreamOptions, 'lookbackMs' | 'pageSize'>): ListStreamDeclaration<GraphMedia> {
  const { read } = options;
  return listStream<GraphMedia>({
    name: 'stories',
    everyMs: options.everyMs,
    priority: 'ephemeral',
    request: (context) => ({
      endpoint: ENDPOINTS.stories.name,
      method: 'GET',
      path: `/${context.scope}/stories`,
      query: { fields: MEDIA_FIELDS },
      credential: context.credential,
      priority: context.priority,
    }),
    paginate: graphCursorPagination<GraphMedia>({}),
    map: (item, context, response) => mapMedia(item, context, response, { ...options, lineage: ENDPOINTS.stories.lineage }),
    watermark: (item) => read.time(item.timestamp, String(item.id), 'timestamp') ?? 0,
    // Every walk reads all live stories: the list is short and a story's counters change until it expires.
    lookbackMs: STORY_LIFETIME_MS,
    resumable: false,
    discovers: {
      entitySet: 'media',
      entity: (item) => {
        const id = read.id(item.id, 'story.id');
        const publishedAt = read.time(item.timestamp, id ?? '-', 'timestamp');
        return id === null || publishedAt === null ? null : { id, publishedAt, expiresAt: publishedAt + STORY_LIFETIME_MS };
      },
    },
  });
}
