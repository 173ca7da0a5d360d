// @tributary/source-tiktok: TikTok Display API v2 as a connector-kit declaration.
export { createTikTokService, tiktokSource } from './source.ts';
export type { TikTokDeclarationOptions, TikTokService, TikTokServiceOptions } from './source.ts';
export { ENDPOINTS, createTikTokRequester, tiktokProfile, tiktokQuotaPolicies } from './profile.ts';
export type { TikTokRequesterOptions } from './profile.ts';
export { REAL_API_BASE_URL, SERVICE, loadTikTokSettings, tiktokSettingsSchema, tiktokSourceSchema } from './spec.ts';
export type { TikTokSettings, TikTokSourceSettings } from './spec.ts';
export { WEBHOOK_PATH, revocation, tiktokWebhookRoutes } from './webhooks.ts';
export type { TikTokWebhookOptions } from './webhooks.ts';
export { createTikTokMetrics } from './metrics.ts';
export type { TikTokMetrics } from './metrics.ts';
export { API_VERSION, createTikTokDataIssues, readVideos, tiktokReaders, videoMetricsSnapshot, videoPost } from './records.ts';
export type { TikTokDataIssues, TikTokVideo, TikTokVideoObject, VideoReader } from './records.ts';
