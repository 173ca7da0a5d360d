// A synthetic but realistic raw corpus for the processing benchmark: the golden examples of
// schemas/avro/examples multiplied into many posts, each with a series of metric snapshots that
// grow over time, account snapshots, comments and a few deletions — with real event ids.
import { computeEventId } from '@tributary/events';
import type { AccountMetricsSnapshot, Comment, Envelope, Post, PostMetricsSnapshot } from '@tributary/events';
import { rawExamples } from '@tributary/transform-enrich';

export interface CorpusRecord {
  topic: 'social.raw.posts' | 'social.raw.post-metrics' | 'social.raw.account-metrics' | 'social.raw.comments';
  key: string;
  value: unknown;
}

const HOUR = 3_600_000;

function identified(envelope: Envelope, entityId: string, observation: string, observedAt: number): Envelope {
  const next = { ...envelope, entity_id: entityId, observation, observed_at: observedAt, collected_at: observedAt + 120 };
  return { ...next, event_id: computeEventId(next) };
}

/** `posts` posts spread over the example platforms, `snapshots` metric snapshots each. */
export function processingCorpus(posts: number, snapshots: number): CorpusRecord[] {
  const postExamples = rawExamples('social.raw.posts').map(({ event }) => event as Post);
  const metricExamples = rawExamples('social.raw.post-metrics').map(({ event }) => event as PostMetricsSnapshot);
  const accountExamples = rawExamples('social.raw.account-metrics').map(({ event }) => event as AccountMetricsSnapshot);
  const commentExamples = rawExamples('social.raw.comments').map(({ event }) => event as Comment);
  const start = Date.UTC(2026, 10, 1);
  const records: CorpusRecord[] = [];
  for (let i = 0; i < posts; i++) {
    const post = postExamples[i % postExamples.length]!;
    const metrics = metricExamples.find((example) => example.envelope.platform === post.envelope.platform) ?? metricExamples[0]!;
    const postId = `${post.envelope.entity_id}${i}`;
    const key = `${post.envelope.platform}:${postId}`;
    const published = start + i * 60_000;
    records.push({
      topic: 'social.raw.posts',
      key,
      value: { ...post, published_at: published, envelope: identified(post.envelope, postId, `content:v${i}`, published + HOUR / 2) },
    });
    for (let s = 0; s < snapshots; s++) {
      const observedAt = published + (s + 1) * HOUR;
      const grow = (value: number | null): number | null => (value === null ? null : Math.round(value * (0.2 + (s + 1) * 0.2) + (i % 97)));
      records.push({
        topic: 'social.raw.post-metrics',
        key,
        value: {
          ...metrics,
          account_id: post.account_id,
          snapshot_bucket: observedAt,
          period: null,
          views: grow(metrics.views),
          reach: grow(metrics.reach),
          likes: grow(metrics.likes),
          comments: grow(metrics.comments),
          shares: grow(metrics.shares),
          saves: grow(metrics.saves),
          envelope: { ...identified(metrics.envelope, postId, `metrics:${observedAt}`, observedAt), platform: post.envelope.platform },
        },
      });
    }
    if (i % 5 === 0) {
      const comment = commentExamples[i % commentExamples.length]!;
      const commentId = `${comment.envelope.entity_id}${i}`;
      records.push({
        topic: 'social.raw.comments',
        key: `${comment.envelope.platform}:${commentId}`,
        value: { ...comment, post_id: postId, envelope: identified(comment.envelope, commentId, `content:c${i}`, published + 2 * HOUR) },
      });
    }
    if (i % 20 === 0) {
      const account = accountExamples[i % accountExamples.length]!;
      const observedAt = published + HOUR;
      records.push({
        topic: 'social.raw.account-metrics',
        key: `${account.envelope.platform}:${account.envelope.entity_id}`,
        value: {
          ...account,
          followers: account.followers === null ? null : account.followers + i,
          snapshot_bucket: observedAt,
          envelope: identified(account.envelope, account.envelope.entity_id, `metrics:${observedAt}`, observedAt),
        },
      });
    }
  }
  return records;
}
