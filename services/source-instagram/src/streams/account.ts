// Stream `account`: the professional account's profile counters, one call per account.
//   Endpoint   GET /{ig-user-id}?fields=id,username,followers_count,follows_count,media_count
//   Docs       https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user
//   Paging     none (a single node).
//   Limits     1 call per run against the Platform and BUC budgets (profile.ts).
//   Changes    every counter, and the username (renames).
// Maps to an AccountMetricsSnapshot of lifetime totals (period null); the Instagram extension slot is set,
// its insight fields stay null (they come from /{ig-user-id}/insights, not collected yet).
import { polledEnvelope, singleStream } from '@tributary/connector-kit';
import type { RecordReaders, SingleStreamDeclaration } from '@tributary/connector-kit';
import { entityKey, observation } from '@tributary/events';
import type { AccountMetricsSnapshot } from '@tributary/events';
import { ENDPOINTS } from '../profile.ts';
import type { DataIssues } from '../records.ts';

export const ACCOUNT_FIELDS = 'id,username,followers_count,follows_count,media_count';

export function accountStream(options: {
  apiVersion: string;
  issues: DataIssues;
  read: RecordReaders;
  everyMs: number;
}): SingleStreamDeclaration {
  const { read } = options;
  return singleStream({
    name: 'account',
    everyMs: options.everyMs,
    request: (context) => ({
      endpoint: ENDPOINTS.account.name,
      method: 'GET',
      path: `/${context.scope}`,
      query: { fields: ACCOUNT_FIELDS },
      credential: context.credential,
      priority: context.priority,
    }),
    map: (response, context) => {
      const body = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as Record<string, unknown>;
      const id = read.id(body.id, 'user.id') ?? context.scope;
      const snapshot: AccountMetricsSnapshot = {
        enrichment: null,
        quality: null,
        envelope: polledEnvelope(
          { platform: 'INSTAGRAM', entity_kind: 'ACCOUNT', entity_id: id, observation: observation.metrics(context.snapshotBucket) },
          context,
          response,
          { endpoint: ENDPOINTS.account.lineage, apiVersion: options.apiVersion },
        ),
        snapshot_bucket: context.snapshotBucket,
        period: null,
        username: read.text(body.username, id, 'username'),
        followers: read.count(body.followers_count, id, 'followers_count'),
        following: read.count(body.follows_count, id, 'follows_count'),
        posts: read.count(body.media_count, id, 'media_count'),
        views: null,
        reach: null,
        likes: null,
        interactions: null,
        engaged_accounts: null,
        followers_gained: null,
        followers_lost: null,
        watch_time_total_ms: null,
        extensions: {
          tiktok: null,
          youtube: null,
          instagram: { profile_links_taps: null, comments: null, shares: null, saves: null, replies: null },
        },
      };
      return [
        { topic: 'social.raw.account-metrics', key: entityKey('INSTAGRAM', id), value: snapshot as unknown as Record<string, unknown> },
      ];
    },
  });
}
