// Freshness against what the platforms keep. Each limit below is quoted from the fact sheet
// research/platform-apis.md (section in brackets); a limit that changes is a rule change (bump
// RULESET_VERSION). Limits the fact sheet marks UNCONFIRMED, or that constrain what we may store
// rather than what we receive (YouTube's 30-day refresh rule), are not encoded here.
import type { PostMetricsSnapshot, QualityFlag } from '@tributary/events';
import { finding } from './catalogue.ts';
import { iso, span } from './subject.ts';
import type { Rule } from './subject.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** §1 Instagram: "Story metrics exist only for 24 h"; GET /{ig-user-id}/stories "returns only currently-live story media IDs (24 h window)". */
export const INSTAGRAM_STORY_LIFETIME_MS = 24 * HOUR_MS;
/** §1 Instagram: "metrics kept up to 2 years"; §8 "insights unavailable after 2 years". */
export const INSTAGRAM_INSIGHTS_RETENTION_MS = 730 * DAY_MS;
/** §1 Instagram per-media insights: "data can lag up to 48 h". */
export const INSTAGRAM_INSIGHTS_LAG_MS = 48 * HOUR_MS;
/** §2 YouTube Analytics: "processing delay 48–72 h; the final day is truncated to the last fully processed day". */
export const YOUTUBE_ANALYTICS_LAG_MS = 72 * HOUR_MS;
/** §3 TikTok video object: "cover_image_url (TTL 6 h)"; Author.avatar_url "platform URLs may expire (TikTok after 6 h)". */
export const TIKTOK_MEDIA_URL_TTL_MS = 6 * HOUR_MS;

/** Story insights: `navigation` and `replies` exist only for stories (§1 "Stories: reach, views, replies, shares, navigation"). */
function hasStoryInsights(snapshot: PostMetricsSnapshot): boolean {
  const instagram = snapshot.extensions.instagram;
  return instagram !== null && (instagram.replies !== null || Object.keys(instagram.navigation).length > 0);
}

/** Insights-only metrics (reach, views, saves, shares, watch time) as opposed to like/comment counts of the media object. */
function hasInsights(snapshot: PostMetricsSnapshot): boolean {
  return [snapshot.reach, snapshot.views, snapshot.saves, snapshot.shares, snapshot.watch_time_total_ms].some((value) => value !== null);
}

export const platformRetentionRules: Rule = (subject) => {
  const flags: QualityFlag[] = [];
  const { envelope } = subject.event;
  const { platform, observed_at: observedAt, collected_at: collectedAt } = envelope;

  if (platform === 'INSTAGRAM' && subject.kind === 'post-metrics') {
    const snapshot = subject.event;
    const ageHours = snapshot.enrichment?.post_age_hours ?? null;
    if (ageHours !== null && hasStoryInsights(snapshot) && ageHours * HOUR_MS > INSTAGRAM_STORY_LIFETIME_MS) {
      flags.push(
        finding(
          'STORY_EXPIRED',
          'WARN',
          'enrichment.post_age_hours',
          `story insights observed ${span(ageHours * HOUR_MS)} after publication; Instagram keeps story metrics for ${span(INSTAGRAM_STORY_LIFETIME_MS)} (only highlights report later)`,
        ),
      );
    }
    if (ageHours !== null && hasInsights(snapshot) && ageHours * HOUR_MS > INSTAGRAM_INSIGHTS_RETENTION_MS) {
      flags.push(
        finding(
          'INSIGHTS_BEYOND_RETENTION',
          'WARN',
          'enrichment.post_age_hours',
          `insights of a post ${span(ageHours * HOUR_MS)} old; Instagram keeps insights for ${span(INSTAGRAM_INSIGHTS_RETENTION_MS)}`,
        ),
      );
    }
  }

  if (platform === 'INSTAGRAM' && subject.kind === 'post') {
    const post = subject.event;
    const story = post.format === 'STORY' || post.extensions.instagram?.media_product_type === 'STORY';
    if (story && post.published_at !== null && observedAt - post.published_at > INSTAGRAM_STORY_LIFETIME_MS) {
      flags.push(
        finding(
          'STORY_EXPIRED',
          'WARN',
          'published_at',
          `story observed ${span(observedAt - post.published_at)} after publication; Instagram lists stories for ${span(INSTAGRAM_STORY_LIFETIME_MS)}`,
        ),
      );
    }
  }

  if (platform === 'INSTAGRAM' && subject.kind === 'account-metrics' && subject.event.period !== null) {
    const { start } = subject.event.period;
    if (observedAt - start > INSTAGRAM_INSIGHTS_RETENTION_MS) {
      flags.push(
        finding(
          'INSIGHTS_BEYOND_RETENTION',
          'WARN',
          'period.start',
          `account insights for a period starting ${span(observedAt - start)} before observation; Instagram keeps insights for ${span(INSTAGRAM_INSIGHTS_RETENTION_MS)}`,
        ),
      );
    }
  }

  if ((subject.kind === 'post-metrics' || subject.kind === 'account-metrics') && subject.event.period !== null) {
    const lag = platform === 'YOUTUBE' ? YOUTUBE_ANALYTICS_LAG_MS : platform === 'INSTAGRAM' ? INSTAGRAM_INSIGHTS_LAG_MS : undefined;
    const { end } = subject.event.period;
    if (lag !== undefined && observedAt - end < lag) {
      const when =
        end > observedAt
          ? `had not ended at observation (it ends ${iso(end)})`
          : `ended ${iso(end)}, ${span(observedAt - end)} before observation`;
      flags.push(finding('PERIOD_NOT_FINAL', 'INFO', 'period.end', `period ${when}; ${platform} revises it for ${span(lag)}`));
    }
  }

  if (platform === 'TIKTOK' && subject.kind === 'post' && collectedAt - observedAt > TIKTOK_MEDIA_URL_TTL_MS) {
    const post = subject.event;
    for (const [field, url] of [
      ['thumbnail_url', post.thumbnail_url],
      ['author.avatar_url', post.author.avatar_url],
    ] as const) {
      if (url !== null) {
        flags.push(
          finding(
            'MEDIA_URL_EXPIRED',
            'INFO',
            field,
            `${field} arrived ${span(collectedAt - observedAt)} after observation; TikTok media URLs expire after ${span(TIKTOK_MEDIA_URL_TTL_MS)}`,
          ),
        );
      }
    }
  }
  return flags;
};
