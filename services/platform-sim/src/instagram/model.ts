// Instagram (Graph API) data: business accounts with feed posts and reels (published over the
// past weeks, more arriving), stories that live storyLifetimeMs, comments placed in time along the
// comments curve. Ids are decimal strings longer than 2^53 (IG user 1784…, media 17…/18…).
import { generateCaption } from '../core/captions.ts';
import { createCurve, metricAt, timeToReach } from '../core/metric-curve.ts';
import type { MetricCurve } from '../core/metric-curve.ts';
import { SeededRandom } from '../core/random.ts';
import { Timeline } from '../core/timeline.ts';
import type { ContentKnobs } from '../knobs.ts';

export type MediaProductType = 'FEED' | 'REELS' | 'STORY';
export type MediaType = 'IMAGE' | 'VIDEO' | 'CAROUSEL_ALBUM';

export interface InstagramMedia {
  id: string;
  ownerId: string;
  username: string;
  publishedAt: number;
  caption: string;
  mediaType: MediaType;
  productType: MediaProductType;
  shortcode: string;
  curve: MetricCurve;
  /** Reels whose owner disabled downloads (or with licensed audio) have no media_url. */
  mediaUrlHidden: boolean;
}

export interface InstagramAccount {
  id: string;
  username: string;
  name: string;
  biography: string;
  followerBase: number;
  followsCount: number;
  media: Timeline<InstagramMedia>;
  stories: Timeline<InstagramMedia>;
}

export interface InstagramComment {
  id: string;
  mediaId: string;
  text: string;
  username: string;
  fromId: string;
  publishedAt: number;
  likeCount: number;
}

/** Per media_product_type, the insight metrics the Graph API serves (fact sheet §1). */
export const MEDIA_METRICS: Record<MediaProductType, readonly string[]> = {
  FEED: ['reach', 'views', 'likes', 'comments', 'saved', 'shares', 'total_interactions', 'profile_visits', 'follows'],
  REELS: [
    'reach',
    'views',
    'likes',
    'comments',
    'saved',
    'shares',
    'total_interactions',
    'ig_reels_avg_watch_time',
    'ig_reels_video_view_total_time',
  ],
  STORY: ['reach', 'views', 'replies', 'shares', 'navigation', 'follows', 'profile_visits', 'total_interactions'],
};

/** Removed in v22.0 / on 21 Apr 2025 for all versions: requesting them is an error. */
export const DEPRECATED_METRICS = ['impressions', 'plays', 'clips_replays_count', 'ig_reels_aggregated_all_plays_count', 'video_views'];

export const ACCOUNT_METRICS = [
  'reach',
  'views',
  'accounts_engaged',
  'total_interactions',
  'likes',
  'comments',
  'shares',
  'saves',
  'replies',
  'follower_count',
];

export const MEDIA_FIELDS = [
  'id',
  'caption',
  'media_type',
  'media_product_type',
  'media_url',
  'permalink',
  'shortcode',
  'thumbnail_url',
  'timestamp',
  'username',
  'like_count',
  'comments_count',
  'is_comment_enabled',
  'owner',
];

export const USER_FIELDS = [
  'id',
  'username',
  'name',
  'biography',
  'followers_count',
  'follows_count',
  'media_count',
  'profile_picture_url',
  'website',
];

const DAY = 86_400_000;

function makeMedia(
  random: SeededRandom,
  account: { id: string; username: string },
  publishedAt: number,
  story: boolean,
  revisionProbability: number,
): InstagramMedia {
  const productType: MediaProductType = story ? 'STORY' : random.chance(0.4) ? 'REELS' : 'FEED';
  const mediaType: MediaType =
    productType === 'REELS'
      ? 'VIDEO'
      : story
        ? random.pick(['IMAGE', 'VIDEO'] as const)
        : random.pick(['IMAGE', 'IMAGE', 'CAROUSEL_ALBUM', 'VIDEO'] as const);
  return {
    id: random.digits(17, '1'),
    ownerId: account.id,
    username: account.username,
    publishedAt,
    caption: story ? '' : generateCaption(random),
    mediaType,
    productType,
    shortcode: random.string(11, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'),
    mediaUrlHidden: productType === 'REELS' && random.chance(0.2),
    curve: createCurve(random, {
      publishedAt,
      scale: story ? 800 : 5_000,
      mainMetric: 'views',
      ratios: {
        reach: 0.7,
        likes: 0.06,
        comments: 0.006,
        saved: 0.01,
        shares: 0.008,
        profile_visits: 0.01,
        follows: 0.002,
        replies: 0.003,
        navigation: 0.9,
        ig_reels_video_view_total_time: 9_000,
      },
      revisionProbability: story ? 0 : revisionProbability,
    }),
  };
}

export function createAccounts(seed: string, count: number, startTime: number, content: ContentKnobs): InstagramAccount[] {
  return Array.from({ length: count }, (_, index) => {
    const random = new SeededRandom(seed, 'instagram', 'account', index);
    const identity = { id: `1784${random.digits(13, '0123456789')}`, username: `sim_brand_${index + 1}` };
    return {
      ...identity,
      name: `${random.pick(['Atelier', 'مقهى', 'Café', 'スタジオ'])} ${index + 1} ${random.pick(['☕', '🌿', '🧑‍🎨'])}`,
      biography: generateCaption(random),
      followerBase: random.int(500, 500_000),
      followsCount: random.int(10, 1_500),
      media: new Timeline(
        {
          labels: [seed, 'instagram', index],
          startTime,
          historyMs: content.historyDays * DAY,
          historyCount: content.postsPerAccount,
          newPerDay: content.newPostsPerDay,
        },
        (itemRandom, _i, publishedAt) => makeMedia(itemRandom, identity, publishedAt, false, content.revisionProbability),
      ),
      stories: new Timeline(
        {
          labels: [seed, 'instagram', index, 'stories'],
          startTime,
          historyMs: DAY,
          historyCount: Math.round(content.storiesPerDay),
          newPerDay: content.storiesPerDay,
        },
        (itemRandom, _i, publishedAt) => makeMedia(itemRandom, identity, publishedAt, true, 0),
      ),
    };
  });
}

/** Graph timestamps: `2026-11-20T10:00:00+0000`. */
export function graphTime(time: number): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

export function mediaValue(media: InstagramMedia, metric: string, time: number): number {
  if (metric === 'total_interactions')
    return ['likes', 'comments', 'saved', 'shares'].reduce((sum, name) => sum + metricAt(media.curve, name, time), 0);
  if (metric === 'ig_reels_avg_watch_time') {
    const views = metricAt(media.curve, 'views', time);
    return views === 0 ? 0 : Math.round(metricAt(media.curve, 'ig_reels_video_view_total_time', time) / views);
  }
  return metricAt(media.curve, metric, time);
}

export const MAX_MATERIALISED_COMMENTS = 200;

/** How many materialised comments are visible at `time` (comment i appears when the curve reaches i + 1). */
export function visibleCommentCount(media: InstagramMedia, time: number): number {
  let low = 0;
  let high = MAX_MATERIALISED_COMMENTS;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (timeToReach(media.curve, 'comments', mid) <= time) low = mid;
    else high = mid - 1;
  }
  return low;
}

function commentAt(media: InstagramMedia, index: number): InstagramComment {
  const at = timeToReach(media.curve, 'comments', index + 1);
  const random = new SeededRandom(media.id, 'comment', index);
  return {
    id: `18${random.digits(15, '0123456789')}`,
    mediaId: media.id,
    text: generateCaption(random),
    username: `fan_${random.string(6)}`,
    fromId: `1784${random.digits(13, '0123456789')}`,
    publishedAt: Math.floor(at / 1000) * 1000,
    likeCount: random.int(0, 40),
  };
}

/** Comments visible at `time`, oldest first. */
export function commentsAt(media: InstagramMedia, time: number): InstagramComment[] {
  return Array.from({ length: visibleCommentCount(media, time) }, (_, i) => commentAt(media, i));
}

/** Comments that appeared in (from, to], oldest first. */
export function commentsBetween(media: InstagramMedia, from: number, to: number): InstagramComment[] {
  const first = visibleCommentCount(media, from);
  return Array.from({ length: Math.max(0, visibleCommentCount(media, to) - first) }, (_, i) => commentAt(media, first + i));
}

export function followersAt(account: InstagramAccount, time: number): number {
  const media = account.media.publishedBy(time);
  return account.followerBase + media.reduce((sum, m) => sum + metricAt(m.curve, 'follows', time), 0);
}
