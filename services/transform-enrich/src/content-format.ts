// The normalised content format of a post (PostEnrichment.content_format): the source's own
// format unless it is UNKNOWN, else inferred from the platform's fields:
//   Instagram  media_product_type REELS → REEL, STORY → STORY; FEED/AD (or absent) by media_type:
//              IMAGE → IMAGE, VIDEO → VIDEO, CAROUSEL_ALBUM → CAROUSEL
//   YouTube    creator_content_type (SHORTS / shorts → SHORT, LIVE_STREAM / liveStream → LIVE,
//              VIDEO_ON_DEMAND / videoOnDemand → VIDEO, STORY → STORY); else live_broadcast_content
//              live or upcoming → LIVE; else a vertical video (height > width) of at most 180 s →
//              SHORT (YouTube's Shorts limit since Oct 2024); else any known duration → VIDEO
//   TikTok     VIDEO (every TikTok post is a video)
// UNKNOWN only when nothing decides it.
import type { Post, PostFormat } from '@tributary/events';

const SHORTS_MAX_MS = 180_000;

const YOUTUBE_CONTENT_TYPES: Readonly<Record<string, PostFormat>> = {
  SHORTS: 'SHORT',
  LIVESTREAM: 'LIVE',
  VIDEOONDEMAND: 'VIDEO',
  STORY: 'STORY',
};

const INSTAGRAM_MEDIA_TYPES: Readonly<Record<string, PostFormat>> = {
  IMAGE: 'IMAGE',
  VIDEO: 'VIDEO',
  CAROUSEL_ALBUM: 'CAROUSEL',
};

export type FormatInput = Pick<Post, 'format' | 'duration_ms' | 'width' | 'height' | 'extensions'> & {
  envelope: Pick<Post['envelope'], 'platform'>;
};

function instagramFormat(post: FormatInput): PostFormat {
  const extension = post.extensions.instagram;
  if (!extension) return 'UNKNOWN';
  const product = extension.media_product_type?.toUpperCase();
  if (product === 'REELS') return 'REEL';
  if (product === 'STORY') return 'STORY';
  return INSTAGRAM_MEDIA_TYPES[extension.media_type?.toUpperCase() ?? ''] ?? 'UNKNOWN';
}

function youtubeFormat(post: FormatInput): PostFormat {
  const extension = post.extensions.youtube;
  const contentType = extension?.creator_content_type?.replace(/[^A-Za-z]/gu, '').toUpperCase();
  if (contentType !== undefined && YOUTUBE_CONTENT_TYPES[contentType] !== undefined) return YOUTUBE_CONTENT_TYPES[contentType];
  const live = extension?.live_broadcast_content?.toLowerCase();
  if (live === 'live' || live === 'upcoming') return 'LIVE';
  if (post.duration_ms === null) return 'UNKNOWN';
  const vertical = post.width !== null && post.height !== null && post.height > post.width;
  return vertical && post.duration_ms <= SHORTS_MAX_MS ? 'SHORT' : 'VIDEO';
}

export function contentFormatOf(post: FormatInput): PostFormat {
  if (post.format !== 'UNKNOWN') return post.format;
  switch (post.envelope.platform) {
    case 'INSTAGRAM':
      return instagramFormat(post);
    case 'YOUTUBE':
      return youtubeFormat(post);
    case 'TIKTOK':
      return 'VIDEO';
    default:
      return 'UNKNOWN';
  }
}
