// @tributary/source-instagram: Instagram Graph API and webhooks → social.raw.* (README.md).
export { createInstagramRequester, createInstagramService } from './service.ts';
export { createInstagramSource, insightsCadence } from './source.ts';
export type { InstagramSource } from './source.ts';
export { instagramProfile, instagramQuotaPolicies, instagramRefreshSpec, metaBatchErrors, ENDPOINTS } from './profile.ts';
export { instagramSourceSchema, instagramSchema, loadInstagramSettings, SERVICE } from './spec.ts';
export type { InstagramSettings, InstagramSourceSettings } from './spec.ts';
export { instagramWebhookRoute, notificationEvents, WEBHOOK_PATH } from './webhooks.ts';
export { createInstagramDataIssues } from './records.ts';
export type { DataIssue, DataIssues } from './records.ts';
export { INSIGHT_METRICS, REMOVED_METRICS, metricsFor } from './streams/media-insights.ts';
export { postFormat } from './streams/media.ts';
