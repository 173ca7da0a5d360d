// @tributary/source-youtube: YouTube Data API v3 + WebSub → social.raw.* (README).
export { createYouTubeRequester, createYouTubeSource, routeByEndpoint } from './source.ts';
export { createYouTubeService } from './service.ts';
export type { YouTubeRequesterDependencies, YouTubeSource } from './source.ts';
export { loadYouTubeSettings, youtubeSchema, youtubeSourceSchema, SERVICE } from './spec.ts';
export type { YouTubeSettings, YouTubeSourceSettings } from './spec.ts';
export {
  ANALYTICS_API_VERSION,
  DATA_API_VERSION,
  ENDPOINT_COSTS,
  backfillCeilingPolicy,
  youtubeAnalyticsProfile,
  youtubeProfile,
  youtubeQuotaPolicies,
  youtubeRefresh,
} from './profile.ts';
export type { YouTubeQuotaOptions } from './profile.ts';
export { createDataQuality } from './records.ts';
export type { DataIssue, DataQuality } from './records.ts';
export { channelStream, mapChannels } from './streams/channel.ts';
export { uploadsPlaylistId, uploadsStream } from './streams/uploads.ts';
export { formatOf, mapVideos, videosStream } from './streams/videos.ts';
export { commentsStream, mapCommentThreads, recentUploadsStream } from './streams/comments.ts';
export { shortsClassificationStream, zonedDate } from './streams/shorts-classification.ts';
export { WEBSUB_PATH, channelTopic, youtubeWebSub, youtubeWebhookRoutes } from './webhooks.ts';
export type { YouTubeWebSub, YouTubeWebSubOptions } from './webhooks.ts';
export { startWebSubSubscriber } from './websub-subscriber.ts';
export type { WebSubSubscriber, WebSubSubscriberOptions } from './websub-subscriber.ts';
