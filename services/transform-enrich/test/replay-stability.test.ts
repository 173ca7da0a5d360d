// A replay (or a retry) processes events that were enriched before, at a time when the joins have
// more to join with: the post's published_at and the account's followers may be known now and
// not then. The event must come out as it did the first time, or a replay would rewrite history.
import assert from 'node:assert/strict';
import type { AccountMetricsSnapshot, EntityHistory, Post, PostMetricsSnapshot } from '@tributary/events';
import { enrichAccountMetrics, enrichPost, enrichPostMetrics, rawExamples } from '../src/index.ts';
import type { EnrichOptions, HistoryStore } from '../src/index.ts';

const options: EnrichOptions = { historyDepth: 16, language: { minGraphemes: 20, ambiguityMargin: 0.1 }, now: () => 0 };

function memoryStore(): HistoryStore {
  const map = new Map<string, EntityHistory>();
  return { get: (key) => map.get(key), set: (key, value) => void (value === null ? map.delete(key) : map.set(key, value)) };
}

const tiktok = <T>(topic: Parameters<typeof rawExamples>[0]): T =>
  rawExamples(topic).find(({ name }) => name.includes('tiktok'))!.event as T;

describe('transform-enrich: replays enrich an event as the first time', () => {
  it('a metric snapshot processed before its post and account keeps its first enrichment when processed again', () => {
    const store = memoryStore();
    const post = tiktok<Post>('social.raw.posts');
    const snapshot: PostMetricsSnapshot = { ...tiktok<PostMetricsSnapshot>('social.raw.post-metrics'), account_id: post.account_id };
    const account: AccountMetricsSnapshot = { ...tiktok<AccountMetricsSnapshot>('social.raw.account-metrics'), followers: 250_000 };
    const aligned = { ...snapshot, envelope: { ...snapshot.envelope, entity_id: post.envelope.entity_id } };
    const accountBefore = {
      ...account,
      envelope: { ...account.envelope, entity_id: post.account_id, observed_at: aligned.envelope.observed_at - 60_000 },
    };

    const first = enrichPostMetrics(aligned, store, options).enrichment!;
    assert.equal(first.post_age_hours, null, 'the post was not seen yet');
    assert.equal(first.creator_tier, 'UNKNOWN', 'no account snapshot seen yet');

    // Later the post and an (earlier-observed) account snapshot arrive …
    enrichPost(post, store, options);
    enrichAccountMetrics(accountBefore, store, options);
    // … a fresh snapshot of the same post sees them,
    const later = {
      ...aligned,
      envelope: { ...aligned.envelope, event_id: 'f'.repeat(64), observed_at: aligned.envelope.observed_at + 3_600_000 },
    };
    const fresh = enrichPostMetrics(later, store, options).enrichment!;
    assert.notEqual(fresh.post_age_hours, null);
    assert.equal(fresh.creator_tier, 'MID');
    // … but the first snapshot, processed again, comes out as it did the first time.
    assert.deepEqual(enrichPostMetrics(aligned, store, options).enrichment, first);
  });

  it('a post processed again keeps the creator tier it was first enriched with', () => {
    const store = memoryStore();
    const post = tiktok<Post>('social.raw.posts');
    const first = enrichPost(post, store, options).enrichment!;
    assert.equal(first.creator_tier, 'UNKNOWN');
    const account = tiktok<AccountMetricsSnapshot>('social.raw.account-metrics');
    enrichAccountMetrics(
      {
        ...account,
        followers: 2_000_000,
        envelope: { ...account.envelope, entity_id: post.account_id, observed_at: post.envelope.observed_at - 1 },
      },
      store,
      options,
    );
    assert.deepEqual(enrichPost(post, store, options).enrichment, first);
    const edited = { ...post, envelope: { ...post.envelope, event_id: 'e'.repeat(64) } };
    assert.equal(enrichPost(edited, store, options).enrichment!.creator_tier, 'MEGA', 'a new content version sees the account');
  });
});
