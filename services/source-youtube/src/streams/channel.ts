// Stream `channel` (single, one request per channel and cadence).
// Endpoint: GET /youtube/v3/channels?part=snippet,statistics,contentDetails&id=<channel id>
//   https://developers.google.com/youtube/v3/docs/channels/list
// Pagination: none (one channel per scope). Quota: 1 unit; conditional (etag → 304, still 1 unit).
// Changes after the first fetch: statistics (viewCount, subscriberCount rounded to 3 significant
// figures, videoCount) — all decimal STRINGS; hiddenSubscriberCount=true means subscriberCount is
// meaningless (→ followers null); snippet (title, customUrl) on rebrands.
// Maps to AccountMetricsSnapshot (lifetime totals, period null) with the YouTube extension.
import { polledEnvelope, singleStream } from '@tributary/connector-kit';
import type { ApiResponse, OutgoingEvent, SingleStreamDeclaration, StreamContext } from '@tributary/connector-kit';
import { entityKey, observation } from '@tributary/events';
import type { AccountMetricsSnapshot } from '@tributary/events';
import { DATA_API_VERSION } from '../profile.ts';
import { booleanAt, counterAt, isRecord, recordAt, stringAt } from '../records.ts';
import type { DataQuality } from '../records.ts';

const ENDPOINT = 'GET /youtube/v3/channels';

export function channelStream(options: { everyMs: number; quality: DataQuality }): SingleStreamDeclaration {
  const { quality } = options;
  return singleStream({
    name: 'channel',
    everyMs: options.everyMs,
    request: (context) => ({
      endpoint: 'channels.list',
      method: 'GET',
      path: '/channels',
      query: { part: 'snippet,statistics,contentDetails', id: context.scope },
      credential: context.credential,
      priority: context.priority,
      conditional: true,
    }),
    map: (response, context) => mapChannels(response, context, quality),
  });
}

export function mapChannels(response: ApiResponse, context: StreamContext, quality: DataQuality): OutgoingEvent[] {
  const items = isRecord(response.body) && Array.isArray(response.body.items) ? response.body.items : [];
  const events: OutgoingEvent[] = [];
  for (const item of items) {
    const id = stringAt(item, 'id');
    if (id === null) {
      quality.report('item-without-id', context.scope, 'channels.list');
      continue;
    }
    const statistics = recordAt(item, 'statistics');
    const hidden = booleanAt(statistics, 'hiddenSubscriberCount');
    const customUrl = stringAt(recordAt(item, 'snippet'), 'customUrl');
    const value: AccountMetricsSnapshot = {
      enrichment: null,
      quality: null,
      envelope: polledEnvelope(
        { platform: 'YOUTUBE', entity_kind: 'ACCOUNT', entity_id: id, observation: observation.metrics(context.snapshotBucket) },
        context,
        response,
        { endpoint: ENDPOINT, apiVersion: DATA_API_VERSION },
      ),
      snapshot_bucket: context.snapshotBucket,
      period: null,
      username: customUrl === null ? null : customUrl.replace(/^@/, ''),
      followers: hidden === true ? null : counterAt(statistics, 'subscriberCount', quality, id),
      following: null,
      posts: counterAt(statistics, 'videoCount', quality, id),
      views: counterAt(statistics, 'viewCount', quality, id),
      reach: null,
      likes: null,
      interactions: null,
      engaged_accounts: null,
      followers_gained: null,
      followers_lost: null,
      watch_time_total_ms: null,
      extensions: { tiktok: null, instagram: null, youtube: { hidden_subscriber_count: hidden, engaged_views: null } },
    };
    events.push({ topic: 'social.raw.account-metrics', key: entityKey('YOUTUBE', id), value: value as unknown as Record<string, unknown> });
  }
  return events;
}
