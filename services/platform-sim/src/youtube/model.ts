// YouTube data: channels with an uploads playlist (`UU…`) of long-form videos, Shorts and past
// live streams over simulated time. The Data API has no Shorts flag; Analytics tells them apart by
// creatorContentType (spelling is a knob). Statistics are served as strings.
import { createHash } from 'node:crypto';
import { generateCaption, truncateGraphemes } from '../core/captions.ts';
import { createCurve, metricAt, timeToReach } from '../core/metric-curve.ts';
import type { MetricCurve } from '../core/metric-curve.ts';
import { SeededRandom } from '../core/random.ts';
import { Timeline } from '../core/timeline.ts';
import type { ContentKnobs, YouTubeKnobs } from '../knobs.ts';

export type VideoKind = 'short' | 'long' | 'live';

export interface YouTubeVideo {
  id: string;
  channelId: string;
  channelTitle: string;
  publishedAt: number;
  title: string;
  description: string;
  durationSeconds: number;
  kind: VideoKind;
  curve: MetricCurve;
}

export interface YouTubeChannel {
  id: string;
  uploadsPlaylistId: string;
  title: string;
  description: string;
  customUrl: string;
  publishedAt: number;
  subscriberBase: number;
  videos: Timeline<YouTubeVideo>;
}

export interface YouTubeComment {
  id: string;
  videoId: string;
  channelId: string;
  author: string;
  text: string;
  publishedAt: number;
  likeCount: number;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DAY = 86_400_000;

export function createChannels(
  seed: string,
  count: number,
  startTime: number,
  content: ContentKnobs,
  shortsMaxSeconds: number,
): YouTubeChannel[] {
  return Array.from({ length: count }, (_, index) => {
    const random = new SeededRandom(seed, 'youtube', 'channel', index);
    const suffix = random.string(22, ID_ALPHABET);
    const id = `UC${suffix}`;
    const title = `${random.pick(['Sim Kitchen', 'قناة المحاكاة', 'シム・チャンネル', 'Ciência Simulada'])} ${index + 1}`;
    return {
      id,
      uploadsPlaylistId: `UU${suffix}`,
      title,
      description: generateCaption(random),
      customUrl: `@simchannel${index + 1}`,
      publishedAt: startTime - random.int(400, 3000) * DAY,
      subscriberBase: random.int(100, 3_000_000),
      videos: new Timeline(
        {
          labels: [seed, 'youtube', index],
          startTime,
          historyMs: content.historyDays * DAY,
          historyCount: content.postsPerAccount,
          newPerDay: content.newPostsPerDay,
        },
        (itemRandom, _i, publishedAt) => {
          const kind: VideoKind = itemRandom.chance(0.45) ? 'short' : itemRandom.chance(0.1) ? 'live' : 'long';
          const caption = generateCaption(itemRandom);
          return {
            id: itemRandom.string(11, ID_ALPHABET),
            channelId: id,
            channelTitle: title,
            publishedAt,
            title: truncateGraphemes(caption.split('\n')[0] ?? caption, 100),
            description: caption,
            durationSeconds: kind === 'short' ? itemRandom.int(8, shortsMaxSeconds) : itemRandom.int(shortsMaxSeconds + 1, 3 * 3600),
            kind,
            curve: createCurve(itemRandom, {
              publishedAt,
              scale: kind === 'short' ? 30_000 : 8_000,
              mainMetric: 'views',
              ratios: { likes: 0.04, comments: 0.003 },
              revisionProbability: content.revisionProbability,
            }),
          };
        },
      ),
    };
  });
}

/** PT#H#M#S */
export function isoDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `PT${h > 0 ? `${h}H` : ''}${m > 0 ? `${m}M` : ''}${s > 0 || seconds === 0 ? `${s}S` : ''}`;
}

export function rfc3339(time: number): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function etagOf(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('base64url').slice(0, 27);
}

export function videoStatistics(
  video: YouTubeVideo,
  time: number,
): { viewCount: string; likeCount: string; favoriteCount: string; commentCount: string } {
  return {
    viewCount: String(metricAt(video.curve, 'views', time)),
    likeCount: String(metricAt(video.curve, 'likes', time)),
    favoriteCount: '0',
    commentCount: String(metricAt(video.curve, 'comments', time)),
  };
}

export function creatorContentType(kind: VideoKind, spelling: YouTubeKnobs['creatorContentTypeSpelling']): string {
  const upper = { short: 'SHORTS', long: 'VIDEO_ON_DEMAND', live: 'LIVE_STREAM' }[kind];
  const camel = { short: 'shorts', long: 'videoOnDemand', live: 'liveStream' }[kind];
  return spelling === 'camelCase' ? camel : upper;
}

export const MAX_MATERIALISED_COMMENTS = 200;

export function commentsAt(video: YouTubeVideo, time: number): YouTubeComment[] {
  const comments: YouTubeComment[] = [];
  for (let i = 0; i < MAX_MATERIALISED_COMMENTS; i++) {
    const at = timeToReach(video.curve, 'comments', i + 1);
    if (at > time) break;
    const random = new SeededRandom(video.id, 'comment', i);
    comments.push({
      id: `Ug${random.string(24, ID_ALPHABET)}`,
      videoId: video.id,
      channelId: video.channelId,
      author: `@viewer${random.int(1, 99_999)}`,
      text: generateCaption(random),
      publishedAt: Math.floor(at / 1000) * 1000,
      likeCount: random.int(0, 500),
    });
  }
  return comments;
}
