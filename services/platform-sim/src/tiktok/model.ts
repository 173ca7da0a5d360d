// TikTok Display API v2 data: users and their videos over simulated time. Video ids are 19-digit
// decimal strings (above 2^53, as TikTok's are), create_time is epoch seconds, counts follow a
// metric curve. cover_image_url carries an expiry 6 h after it was served (TTL of the real URLs).
import { generateCaption, truncateGraphemes } from '../core/captions.ts';
import { createCurve, metricsAt } from '../core/metric-curve.ts';
import type { MetricCurve } from '../core/metric-curve.ts';
import { SeededRandom } from '../core/random.ts';
import { Timeline } from '../core/timeline.ts';
import type { ContentKnobs } from '../knobs.ts';

export interface TikTokVideo {
  id: string;
  openId: string;
  username: string;
  publishedAt: number;
  title: string;
  description: string;
  duration: number;
  width: number;
  height: number;
  curve: MetricCurve;
}

export interface TikTokUser {
  openId: string;
  unionId: string;
  username: string;
  displayName: string;
  bio: string;
  isVerified: boolean;
  followerBase: number;
  followingCount: number;
  videos: Timeline<TikTokVideo>;
}

export const VIDEO_FIELDS = [
  'id',
  'create_time',
  'cover_image_url',
  'share_url',
  'video_description',
  'duration',
  'height',
  'width',
  'title',
  'embed_html',
  'embed_link',
  'like_count',
  'comment_count',
  'share_count',
  'view_count',
] as const;

export const USER_FIELDS = [
  'open_id',
  'union_id',
  'avatar_url',
  'avatar_url_100',
  'avatar_large_url',
  'display_name',
  'bio_description',
  'profile_deep_link',
  'is_verified',
  'username',
  'follower_count',
  'following_count',
  'likes_count',
  'video_count',
] as const;

/** Scope each user field needs (user.info.basic / .profile / .stats). */
export const USER_FIELD_SCOPES: Record<string, string> = {
  open_id: 'user.info.basic',
  union_id: 'user.info.basic',
  avatar_url: 'user.info.basic',
  avatar_url_100: 'user.info.basic',
  avatar_large_url: 'user.info.basic',
  display_name: 'user.info.basic',
  bio_description: 'user.info.profile',
  profile_deep_link: 'user.info.profile',
  is_verified: 'user.info.profile',
  username: 'user.info.profile',
  follower_count: 'user.info.stats',
  following_count: 'user.info.stats',
  likes_count: 'user.info.stats',
  video_count: 'user.info.stats',
};

export const ALL_SCOPES = ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list'];

type VideoMetric = 'view_count' | 'like_count' | 'comment_count' | 'share_count';

export function createUsers(seed: string, count: number, startTime: number, content: ContentKnobs): TikTokUser[] {
  return Array.from({ length: count }, (_, index) => {
    const random = new SeededRandom(seed, 'tiktok', 'user', index);
    const hex = random.string(32, '0123456789abcdef');
    const openId = `-000${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 28)}`;
    const username = `sim.creator${index + 1}`;
    const user: TikTokUser = {
      openId,
      unionId: `union-${random.string(24)}`,
      username,
      displayName: truncateGraphemes(
        `${random.pick(['Creator', 'مبدع', 'クリエイター', 'Créatrice'])} ${index + 1} ${random.pick(['🎬', '👩‍🍳', '🏳️‍🌈'])}`,
        30,
      ),
      bio: truncateGraphemes(generateCaption(random), 80),
      isVerified: random.chance(0.3),
      followerBase: random.int(1_000, 2_000_000),
      followingCount: random.int(0, 2_000),
      videos: new Timeline(
        {
          labels: [seed, 'tiktok', index],
          startTime,
          historyMs: content.historyDays * 86_400_000,
          historyCount: content.postsPerAccount,
          newPerDay: content.newPostsPerDay,
        },
        (itemRandom, _i, publishedAt) => {
          const caption = generateCaption(itemRandom);
          return {
            id: itemRandom.digits(19, '7'),
            openId,
            username,
            publishedAt,
            title: truncateGraphemes(caption.split('\n')[0] ?? caption, 150),
            description: truncateGraphemes(caption, 150),
            duration: itemRandom.int(5, 600),
            width: 1080,
            height: itemRandom.chance(0.9) ? 1920 : 1080,
            curve: createCurve(itemRandom, {
              publishedAt,
              scale: 20_000,
              mainMetric: 'view_count',
              ratios: { like_count: 0.08, comment_count: 0.004, share_count: 0.006 },
              revisionProbability: content.revisionProbability,
            }),
          };
        },
      ),
    };
    return user;
  });
}

export function videoMetrics(video: TikTokVideo, time: number): Record<VideoMetric, number> {
  const values = metricsAt(video.curve, time);
  return {
    view_count: values.view_count ?? 0,
    like_count: values.like_count ?? 0,
    comment_count: values.comment_count ?? 0,
    share_count: values.share_count ?? 0,
  };
}

/** The video object restricted to `fields`. */
export function renderVideo(video: TikTokVideo, fields: readonly string[], time: number): Record<string, unknown> {
  const metrics = videoMetrics(video, time);
  const shareUrl = `https://www.tiktok.com/@${video.username}/video/${video.id}`;
  const all: Record<string, unknown> = {
    id: video.id,
    create_time: Math.floor(video.publishedAt / 1000),
    cover_image_url: `https://p16-sign.tiktokcdn-us.com/obj/cover/${video.id}.jpeg?x-expires=${Math.floor(time / 1000) + 6 * 3600}&x-signature=sim`,
    share_url: shareUrl,
    video_description: video.description,
    duration: video.duration,
    height: video.height,
    width: video.width,
    title: video.title,
    embed_html: `<blockquote class="tiktok-embed" cite="${shareUrl}" data-video-id="${video.id}"></blockquote>`,
    embed_link: `https://www.tiktok.com/player/v1/${video.id}`,
    ...metrics,
  };
  return Object.fromEntries(fields.map((field) => [field, all[field]]));
}

export function userStats(user: TikTokUser, time: number): { follower_count: number; likes_count: number; video_count: number } {
  const videos = user.videos.publishedBy(time);
  let likes = 0;
  let views = 0;
  for (const video of videos) {
    const metrics = videoMetrics(video, time);
    likes += metrics.like_count;
    views += metrics.view_count;
  }
  // Followers grow with the views the account's videos gather.
  return { follower_count: user.followerBase + Math.floor(views / 500), likes_count: likes, video_count: videos.length };
}

export function renderUser(user: TikTokUser, fields: readonly string[], time: number): Record<string, unknown> {
  const stats = userStats(user, time);
  const avatar = `https://p16-sign.tiktokcdn-us.com/avatar/${user.openId}.jpeg`;
  const all: Record<string, unknown> = {
    open_id: user.openId,
    union_id: user.unionId,
    avatar_url: avatar,
    avatar_url_100: `${avatar}?size=100`,
    avatar_large_url: `${avatar}?size=large`,
    display_name: user.displayName,
    bio_description: user.bio,
    profile_deep_link: `https://vm.tiktok.com/${user.username}`,
    is_verified: user.isVerified,
    username: user.username,
    follower_count: stats.follower_count,
    following_count: user.followingCount,
    likes_count: stats.likes_count,
    video_count: stats.video_count,
  };
  return Object.fromEntries(fields.map((field) => [field, all[field]]));
}
