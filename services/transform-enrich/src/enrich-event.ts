// One raw event in, the same event with its enrichment out (social.raw.X → social.enriched.X):
// the envelope, key and every collected field stay as they are; `enrichment` is set, `quality`
// stays null. Deletions pass through unchanged and forget the entity's history.
//
// State it reads and writes (EntityHistory, keys from history.ts):
//   Post                → POST:<id>:LIFETIME gets account_id and published_at (for post_age_hours);
//                         reads ACCOUNT:<account>:LIFETIME for creator_tier.
//   PostMetricsSnapshot → POST:<id>:<series> gets the snapshot; deltas against the previous one;
//                         reads POST:<id>:LIFETIME (published_at) and the account (creator_tier).
//   AccountMetrics      → ACCOUNT:<id>:<series> gets the snapshot; followers delta per day.
//   Comment             → nothing (text features only).
//   Deletion            → tombstones POST or ACCOUNT :<id>:LIFETIME and :PERIOD.
//   Post also           → POST:<id>:CONTENT remembers the content version with its creator_followers.
// creator_tier of a post or post snapshot: the newest LIFETIME account snapshot with a known
// follower count observed at or before the event (a later snapshot must not rewrite the past).
// Cross-entity facts (published_at, followers) are looked up the first time an event is processed
// and remembered with it; processing the same event again reuses them (history.ts), so a replay
// does not change an enriched event because the join has more to join with by then.
import type {
  AccountMetricsEnrichment,
  AccountMetricsSnapshot,
  Comment,
  CommentEnrichment,
  Deletion,
  EntityHistory,
  EntityKind,
  EventSchemaName,
  MetricPoint,
  Platform,
  Post,
  PostEnrichment,
  PostMetricsEnrichment,
  PostMetricsSnapshot,
  TextFeatures,
} from '@tributary/events';
import { contentFormatOf } from './content-format.ts';
import { creatorTierOf, sourceTimeZoneOf } from './creator-tier.ts';
import { engagementOf } from './engagement.ts';
import {
  DAY_MS,
  HOUR_MS,
  delta,
  emptyHistory,
  historyKey,
  knownCounters,
  previousSnapshot,
  rememberedPoint,
  velocity,
  withSnapshot,
} from './history.ts';
import type { Series } from './history.ts';
import { decideLanguage } from './language.ts';
import type { LanguageOptions, LanguageMethod } from './language.ts';
import { extractText, proseOf } from './text-features.ts';

/** The part of KeyedState<EntityHistory> enrichment needs (a Map-backed fake in tests). */
export interface HistoryStore {
  get(key: string): EntityHistory | undefined;
  set(key: string, value: EntityHistory | null): void;
}

export interface EnrichOptions {
  /** Snapshots remembered per entity and series (enrich.historyDepth). */
  historyDepth: number;
  language: LanguageOptions;
  /** Wall clock for EntityHistory.updated_at only; never influences an output. */
  now: () => number;
}

/** What happened, for metrics. */
export interface EnrichObservation {
  languageMethod?: LanguageMethod;
  series?: Series;
  previousFound?: boolean;
}

/** Raw input topic → enriched output topic and the schema of both. */
export const ENRICH_ROUTES = {
  'social.raw.posts': { output: 'social.enriched.posts', schema: 'io.tributary.social.Post' },
  'social.raw.post-metrics': { output: 'social.enriched.post-metrics', schema: 'io.tributary.social.PostMetricsSnapshot' },
  'social.raw.account-metrics': { output: 'social.enriched.account-metrics', schema: 'io.tributary.social.AccountMetricsSnapshot' },
  'social.raw.comments': { output: 'social.enriched.comments', schema: 'io.tributary.social.Comment' },
  'social.raw.deletions': { output: 'social.enriched.deletions', schema: 'io.tributary.social.Deletion' },
} as const satisfies Record<string, { output: string; schema: EventSchemaName }>;

export type EnrichInputTopic = keyof typeof ENRICH_ROUTES;
export type EnrichOutputTopic = (typeof ENRICH_ROUTES)[EnrichInputTopic]['output'];

export function isEnrichInput(topic: string): topic is EnrichInputTopic {
  return Object.hasOwn(ENRICH_ROUTES, topic);
}

function textFeatures(parts: (string | null)[], platform: Platform, stated: string | null, options: EnrichOptions): TextFeatures {
  const extracted = extractText(parts, platform);
  const language = decideLanguage(stated, proseOf(parts), options.language);
  return {
    hashtags: extracted.hashtags,
    mentions: extracted.mentions,
    links: extracted.links,
    language: language.language,
    language_method: language.method,
    text_graphemes: extracted.textGraphemes,
  };
}

function seriesOf(period: unknown): Series {
  return period === null || period === undefined ? 'LIFETIME' : 'PERIOD';
}

/** The newest LIFETIME follower count of an account observed at or before `at`. */
function followersAt(store: HistoryStore, platform: Platform, accountId: string | null, at: number): number | null {
  if (accountId === null) return null;
  let newest: MetricPoint | null = null;
  for (const point of store.get(historyKey(platform, 'ACCOUNT', accountId, 'LIFETIME'))?.snapshots ?? []) {
    if (point.observed_at > at || point.counters.followers === undefined) continue;
    if (newest === null || point.observed_at >= newest.observed_at) newest = point;
  }
  return newest?.counters.followers ?? null;
}

function remember(
  store: HistoryStore,
  key: { platform: Platform; kind: EntityKind; id: string; series: Series },
  point: MetricPoint,
  options: EnrichOptions,
  post?: { accountId: string },
): void {
  const name = historyKey(key.platform, key.kind, key.id, key.series);
  const current = store.get(name) ?? emptyHistory(key.platform, key.kind, key.id, key.series);
  store.set(name, {
    ...current,
    account_id: post?.accountId ?? current.account_id,
    snapshots: withSnapshot(current.snapshots, point, options.historyDepth),
    updated_at: options.now(),
  });
}

export function enrichPost(post: Post, store: HistoryStore, options: EnrichOptions, observed: EnrichObservation = {}): Post {
  const { platform, entity_id: id, observed_at: observedAt } = post.envelope;
  const text = textFeatures([post.title, post.text], platform, post.language, options);
  observed.languageMethod = text.language_method as LanguageMethod;
  const seen = rememberedPoint(store.get(historyKey(platform, 'POST', id, 'CONTENT')), post.envelope.event_id);
  const followers = seen ? seen.creator_followers : followersAt(store, platform, post.account_id, observedAt);
  const enrichment: PostEnrichment = {
    text,
    content_format: contentFormatOf(post),
    creator_tier: creatorTierOf(followers),
    creator_followers: followers,
    source_time_zone: 'UTC',
  };

  // Remember the owner and publication time for the post's metric snapshots (only when they change).
  const name = historyKey(platform, 'POST', id, 'LIFETIME');
  const current = store.get(name) ?? emptyHistory(platform, 'POST', id, 'LIFETIME');
  const publishedAt = post.published_at ?? current.published_at;
  if (current.account_id !== post.account_id || current.published_at !== publishedAt) {
    store.set(name, { ...current, account_id: post.account_id, published_at: publishedAt, updated_at: options.now() });
  }
  remember(
    store,
    { platform, kind: 'POST', id, series: 'CONTENT' },
    {
      event_id: post.envelope.event_id,
      observed_at: observedAt,
      counters: {},
      published_at: post.published_at,
      creator_followers: followers,
    },
    options,
    { accountId: post.account_id },
  );
  return { ...post, enrichment, quality: null };
}

export function enrichPostMetrics(
  snapshot: PostMetricsSnapshot,
  store: HistoryStore,
  options: EnrichOptions,
  observed: EnrichObservation = {},
): PostMetricsSnapshot {
  const { platform, entity_id: id, event_id: eventId, observed_at: observedAt } = snapshot.envelope;
  const engagement = engagementOf(platform, snapshot);
  const series = seriesOf(snapshot.period);
  const history = store.get(historyKey(platform, 'POST', id, series));
  const previous = previousSnapshot(history, eventId, observedAt);
  const counters = knownCounters({
    views: snapshot.views,
    reach: snapshot.reach,
    likes: snapshot.likes,
    comments: snapshot.comments,
    shares: snapshot.shares,
    saves: snapshot.saves,
    engagements: engagement.engagements,
  });
  const viewsDelta = delta(snapshot.views, previous?.counters.views);
  const engagementsDelta = delta(engagement.engagements, previous?.counters.engagements);
  const seen = rememberedPoint(history, eventId);
  const publishedAt = seen ? seen.published_at : (store.get(historyKey(platform, 'POST', id, 'LIFETIME'))?.published_at ?? null);
  const followers = seen ? seen.creator_followers : followersAt(store, platform, snapshot.account_id, observedAt);
  const enrichment: PostMetricsEnrichment = {
    ...engagement,
    previous_event_id: previous?.event_id ?? null,
    previous_observed_at: previous?.observed_at ?? null,
    views_delta: viewsDelta,
    likes_delta: delta(snapshot.likes, previous?.counters.likes),
    comments_delta: delta(snapshot.comments, previous?.counters.comments),
    shares_delta: delta(snapshot.shares, previous?.counters.shares),
    engagements_delta: engagementsDelta,
    views_per_hour: previous ? velocity(viewsDelta, previous.observed_at, observedAt, HOUR_MS) : null,
    engagements_per_hour: previous ? velocity(engagementsDelta, previous.observed_at, observedAt, HOUR_MS) : null,
    post_age_hours: publishedAt === null ? null : (observedAt - publishedAt) / HOUR_MS,
    creator_tier: creatorTierOf(followers),
    source_time_zone: sourceTimeZoneOf(platform, snapshot.period),
  };
  observed.series = series;
  observed.previousFound = previous !== null;
  remember(
    store,
    { platform, kind: 'POST', id, series },
    { event_id: eventId, observed_at: observedAt, counters, published_at: publishedAt, creator_followers: followers },
    options,
    { accountId: snapshot.account_id },
  );
  return { ...snapshot, enrichment, quality: null };
}

export function enrichAccountMetrics(
  snapshot: AccountMetricsSnapshot,
  store: HistoryStore,
  options: EnrichOptions,
  observed: EnrichObservation = {},
): AccountMetricsSnapshot {
  const { platform, entity_id: id, event_id: eventId, observed_at: observedAt } = snapshot.envelope;
  const series = seriesOf(snapshot.period);
  const previous = previousSnapshot(store.get(historyKey(platform, 'ACCOUNT', id, series)), eventId, observedAt);
  const followersDelta = delta(snapshot.followers, previous?.counters.followers);
  const enrichment: AccountMetricsEnrichment = {
    creator_tier: creatorTierOf(snapshot.followers),
    previous_event_id: previous?.event_id ?? null,
    previous_observed_at: previous?.observed_at ?? null,
    followers_delta: followersDelta,
    followers_per_day: previous ? velocity(followersDelta, previous.observed_at, observedAt, DAY_MS) : null,
    source_time_zone: sourceTimeZoneOf(platform, snapshot.period),
  };
  observed.series = series;
  observed.previousFound = previous !== null;
  const counters = knownCounters({
    followers: snapshot.followers,
    following: snapshot.following,
    posts: snapshot.posts,
    views: snapshot.views,
    reach: snapshot.reach,
    likes: snapshot.likes,
    interactions: snapshot.interactions,
  });
  remember(
    store,
    { platform, kind: 'ACCOUNT', id, series },
    { event_id: eventId, observed_at: observedAt, counters, published_at: null, creator_followers: null },
    options,
  );
  return { ...snapshot, enrichment, quality: null };
}

export function enrichComment(comment: Comment, options: EnrichOptions, observed: EnrichObservation = {}): Comment {
  // YouTube's `text` is textDisplay (HTML: links become <a> tags); textOriginal is what was typed.
  const typed = comment.extensions.youtube?.text_original ?? comment.text;
  const text = textFeatures([typed], comment.envelope.platform, null, options);
  observed.languageMethod = text.language_method as LanguageMethod;
  const enrichment: CommentEnrichment = { text };
  return { ...comment, enrichment, quality: null };
}

/** Deletions pass through unchanged; the entity's history is forgotten (tombstones). */
export function applyDeletion(deletion: Deletion, store: HistoryStore): Deletion {
  const { platform, entity_kind: kind, entity_id: id } = deletion.envelope;
  if (kind === 'POST' || kind === 'ACCOUNT') {
    for (const series of ['LIFETIME', 'PERIOD', 'CONTENT'] as const) store.set(historyKey(platform, kind, id, series), null);
  }
  return deletion;
}

/** Enriches a decoded raw event of `topic`. */
export function enrichEvent(
  topic: EnrichInputTopic,
  value: unknown,
  store: HistoryStore,
  options: EnrichOptions,
  observed: EnrichObservation = {},
): unknown {
  switch (topic) {
    case 'social.raw.posts':
      return enrichPost(value as Post, store, options, observed);
    case 'social.raw.post-metrics':
      return enrichPostMetrics(value as PostMetricsSnapshot, store, options, observed);
    case 'social.raw.account-metrics':
      return enrichAccountMetrics(value as AccountMetricsSnapshot, store, options, observed);
    case 'social.raw.comments':
      return enrichComment(value as Comment, options, observed);
    case 'social.raw.deletions':
      return applyDeletion(value as Deletion, store);
  }
}
