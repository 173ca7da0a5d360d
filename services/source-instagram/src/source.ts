// The source-instagram declaration: four streams over one account scope (the IG user id).
//   account         single    profile counters                          → AccountMetricsSnapshot
//   media           list      feed posts and reels, discovers `media`   → Post
//   stories         list      live stories (ephemeral), discovers `media` with expiresAt
//   media_insights  fan-out   insights of `media` through Graph batches → PostMetricsSnapshot (+ the list's counters)
//                            + the newest comments of young media in the same batches → Comment
// Comments are not a fan-out of their own: two fan-outs over one entity set share one schedule per entity in the kit
// (EntityRegistry), so a comments stream's short tracking window would drop media from the insights stream's set.
// Later comments arrive through the `comments` webhook (webhooks.ts).
import { recordReaders } from '@tributary/connector-kit';
import type { CadenceCurve, RecordReaders, SourceDeclaration } from '@tributary/connector-kit';
import { createInstagramDataIssues } from './records.ts';
import type { DataIssues } from './records.ts';
import type { InstagramSettings } from './spec.ts';
import { SERVICE } from './spec.ts';
import { accountStream } from './streams/account.ts';
import { mediaInsightsStream } from './streams/media-insights.ts';
import { mediaStream } from './streams/media.ts';
import type { SeenMedia } from './streams/media.ts';
import { storiesStream } from './streams/stories.ts';

const HOUR = 3_600_000;
/** Media remembered for the insights stream (product type, counters); beyond this many the oldest are forgotten. */
const MAX_REMEMBERED_MEDIA = 100_000;

export interface InstagramSource {
  declaration: SourceDeclaration;
  issues: DataIssues;
  read: RecordReaders;
  /** media_product_type of a media or story seen by the list streams (null when unknown). */
  productTypeOf(mediaId: string): string | null;
  /** The media as the list streams saw it, when it is a tracked account's media; undefined otherwise. */
  ourMedia(mediaId: string): SeenMedia | undefined;
}

/** Insights: every 30 min while young (Meta revises for 48 h), then hourly, then daily; faster when views grow fast. */
export function insightsCadence(settings: Pick<InstagramSettings, 'insightsMinIntervalMs' | 'insightsMaxIntervalMs'>): CadenceCurve {
  const min = settings.insightsMinIntervalMs;
  return {
    byAge: [
      { maxAgeMs: 48 * HOUR, intervalMs: min },
      { maxAgeMs: 7 * 24 * HOUR, intervalMs: Math.max(min, HOUR) },
      { maxAgeMs: Number.POSITIVE_INFINITY, intervalMs: settings.insightsMaxIntervalMs },
    ],
    byVelocity: [{ minPerHour: 1_000, factor: 0.5 }],
    minIntervalMs: min,
    maxIntervalMs: Math.max(min, settings.insightsMaxIntervalMs),
  };
}

export function createInstagramSource(settings: InstagramSettings): InstagramSource {
  const issues = createInstagramDataIssues();
  const read = recordReaders(issues);
  const seenMedia = new Map<string, SeenMedia>();
  const remember = (mediaId: string, seen: SeenMedia): void => {
    seenMedia.delete(mediaId);
    seenMedia.set(mediaId, seen);
    if (seenMedia.size > MAX_REMEMBERED_MEDIA) seenMedia.delete(seenMedia.keys().next().value!);
  };
  const productTypeOf = (mediaId: string): string | null => seenMedia.get(mediaId)?.productType ?? null;
  const common = { apiVersion: settings.apiVersion, issues, read };
  const declaration: SourceDeclaration = {
    name: SERVICE,
    platform: 'INSTAGRAM',
    streams: [
      accountStream({ ...common, everyMs: settings.accountEveryMs }),
      mediaStream({
        ...common,
        everyMs: settings.mediaEveryMs,
        pageSize: Math.min(100, settings.mediaPageSize),
        lookbackMs: settings.mediaLookbackMs,
        remember,
      }),
      storiesStream({ ...common, everyMs: settings.storiesEveryMs, remember }),
      mediaInsightsStream({
        ...common,
        batchSize: settings.insightsBatchSize,
        cadence: insightsCadence(settings),
        trackingWindowMs: settings.insightsTrackingWindowMs,
        productTypeOf,
        seen: (mediaId) => seenMedia.get(mediaId),
        commentsWindowMs: settings.commentsWindowMs,
        commentsPageSize: settings.commentsPageSize,
      }),
    ],
  };
  return { declaration, issues, read, productTypeOf, ourMedia: (mediaId) => seenMedia.get(mediaId) };
}
