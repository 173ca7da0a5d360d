// Stream `profile` (single, one request per account and cadence).
//   Endpoint  GET /v2/user/info/?fields=open_id,union_id,display_name,username,is_verified,follower_count,following_count,likes_count,video_count
//   Docs      https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
//   Scopes    user.info.basic (open_id, union_id, display_name), user.info.profile (username, is_verified),
//             user.info.stats (the counters)
//   Paging    none
//   Quota     600 requests per sliding minute for this endpoint (ledger scope `tiktok:…:user.info`)
//   Changes   every counter (follower_count, following_count, likes_count, video_count) at any time;
//             display_name, username, is_verified rarely. Each run is an AccountMetricsSnapshot of its
//             collection slot (observation `metrics:<snapshot bucket>`).
import { entityKey, observation } from '@tributary/events';
import type { AccountMetricsSnapshot } from '@tributary/events';
import { polledEnvelope, singleStream } from '@tributary/connector-kit';
import type { SingleStreamDeclaration } from '@tributary/connector-kit';
import { TributaryError } from '@tributary/errors';
import { ENDPOINTS } from '../profile.ts';
import { API_VERSION } from '../records.ts';

const PATH = '/v2/user/info/';
const LINEAGE_ENDPOINT = `GET ${PATH}`;
export const USER_FIELDS = [
  'open_id',
  'union_id',
  'display_name',
  'username',
  'is_verified',
  'follower_count',
  'following_count',
  'likes_count',
  'video_count',
];

interface TikTokUser {
  open_id?: unknown;
  union_id?: unknown;
  username?: unknown;
  is_verified?: unknown;
  follower_count?: unknown;
  following_count?: unknown;
  likes_count?: unknown;
  video_count?: unknown;
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export function profileStream(options: { everyMs: number }): SingleStreamDeclaration {
  return singleStream({
    name: 'profile',
    everyMs: options.everyMs,
    request: () => ({ endpoint: ENDPOINTS.userInfo, method: 'GET', path: PATH, query: { fields: USER_FIELDS.join(',') } }),
    map(response, context) {
      const user = (response.body as { data?: { user?: TikTokUser } } | null)?.data?.user;
      if (typeof user !== 'object' || user === null)
        throw new TributaryError('SOURCE_TIKTOK_USER_MISSING', 'GET /v2/user/info/ answered without data.user.', {
          failureType: 'data',
          retryable: false,
          details: { scope: context.scope, requestId: response.requestId },
        });
      // The account is the scope the token belongs to; open_id confirms it when present.
      const accountId = text(user.open_id) ?? context.scope;
      const obs = observation.metrics(context.snapshotBucket);
      const value: AccountMetricsSnapshot = {
        enrichment: null,
        quality: null,
        envelope: polledEnvelope(
          { platform: 'TIKTOK', entity_kind: 'ACCOUNT', entity_id: accountId, observation: obs },
          context,
          response,
          {
            endpoint: LINEAGE_ENDPOINT,
            apiVersion: API_VERSION,
          },
        ),
        snapshot_bucket: context.snapshotBucket,
        period: null,
        username: text(user.username),
        followers: count(user.follower_count),
        following: count(user.following_count),
        posts: count(user.video_count),
        views: null,
        reach: null,
        likes: count(user.likes_count),
        interactions: null,
        engaged_accounts: null,
        followers_gained: null,
        followers_lost: null,
        watch_time_total_ms: null,
        extensions: {
          tiktok: { union_id: text(user.union_id), is_verified: typeof user.is_verified === 'boolean' ? user.is_verified : null },
          instagram: null,
          youtube: null,
        },
      };
      return [
        { topic: 'social.raw.account-metrics', key: entityKey('TIKTOK', accountId), value: value as unknown as Record<string, unknown> },
      ];
    },
  });
}
