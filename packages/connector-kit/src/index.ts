// @tributary/connector-kit: the framework every source uses (docs/adr/0017).
export type {
  ApiRequest,
  ApiResponse,
  Authenticator,
  Clock,
  EventWriter,
  OutgoingEvent,
  QueryValue,
  QuotaCall,
  QuotaLedger,
  RequestPriority,
  Requester,
  RequesterHealth,
  ResponseVerdict,
  ResponseVerdictKind,
} from './contracts.ts';
export { REQUEST_PRIORITIES } from './contracts.ts';

// Request pipeline: profile, requester, resilience, cache, metrics, paginators, batching (docs/adr/0017)
export { systemClock, ManualClock } from './clock.ts';
export {
  definePlatformProfile,
  endpointCost,
  supportsEtag,
  retryAfterMs,
  statusVerdict,
  metaGraphErrors,
  metaRequestId,
  metaRegainAccessMs,
  googleApiErrors,
  tiktokErrors,
  tiktokRequestId,
} from './profile.ts';
export type { ClassifyContext, PlatformProfile, PlatformProfileInput, ResponseClassifier, TokenPlacement } from './profile.ts';
export { DEFAULT_MAX_BODY_BYTES, bodySample, interpretJsonBody, parseJsonText, readBodyCapped } from './http-json.ts';
export type { InterpretedBody } from './http-json.ts';
export { createRequester, requestUrl } from './requester.ts';
export type { HttpOptions, RequesterOptions } from './requester.ts';
export { CircuitBreakers, DEFAULT_RETRY, RetrySchedule } from './resilience.ts';
export type { BreakerOptions, CircuitPermit, CircuitStateName, RetryOptions } from './resilience.ts';
export { ResponseCache, SingleFlight, requestCacheKey } from './response-cache.ts';
export { createConnectorMetrics, outcomeOfVerdict } from './metrics.ts';
export type { AttemptOutcome, CacheResult, ConnectorMetrics } from './metrics.ts';
export {
  paginate,
  cursorPaginator,
  pageTokenPaginator,
  graphCursorPaginator,
  cursorPagination,
  pageTokenPagination,
  graphCursorPagination,
  selectPath,
} from './paginators.ts';
export type {
  CursorPaginatorOptions,
  GraphCursorPaginatorOptions,
  Page,
  PageTokenPaginatorOptions,
  PaginationOptions,
  PaginationStrategy,
  PaginatorFactory,
  Selector,
} from './paginators.ts';
export { fetchInBatches, idListFetch, metaGraphBatchFetch } from './batching.ts';
export type {
  BatchItemResult,
  BatchReport,
  FetchInBatchesOptions,
  IdListFetchOptions,
  ItemOutcome,
  MetaBatchFetchOptions,
} from './batching.ts';

// Webhook receiver (docs/adr/0020)
export {
  createWebhookReceiver,
  WEBHOOK_NOTIFICATIONS_TOPIC,
  DEFAULT_WEBHOOK_MAX_BODY_BYTES,
  DEFAULT_TIMESTAMP_TOLERANCE_MS,
  DEFAULT_REPLAY_CACHE_SIZE,
  DEFAULT_REPLAY_CACHE_TTL_MS,
} from './webhooks/receiver.ts';
export type { WebhookReceiver, WebhookReceiverOptions, ListeningWebhookReceiver } from './webhooks/receiver.ts';
export {
  metaSignature256,
  tiktokSignature,
  webSubSignature,
  twitchEventSub,
  unsigned,
  digestsEqual,
  parseRfc3339,
} from './webhooks/signatures.ts';
export type { SignatureScheme, SignatureCheck, SignedRequest, RejectionCode, HeaderMap } from './webhooks/signatures.ts';
export { metaVerifyToken, webSubIntentVerification, twitchCallbackVerification } from './webhooks/handshakes.ts';
export type { Handshake, HandshakeAnswer, WebSubLease, WebSubIntentVerification } from './webhooks/handshakes.ts';
export { webhookValue, bodyDeliveryId } from './webhooks/routes.ts';
export type { WebhookRoute, DeliveryValue, VerifiedDelivery } from './webhooks/routes.ts';
export { webhookSchema } from './webhooks/settings.ts';
export type { WebhookSettings } from './webhooks/settings.ts';
export { createReplayCache } from './webhooks/replay-cache.ts';
export type { ReplayCache } from './webhooks/replay-cache.ts';
export { parseWebSubFeed, parseMetaNotification, metaTopicOf, parseTikTokEvent, parseTwitchEventSub } from './webhooks/payloads.ts';
export type {
  WebSubFeed,
  WebSubVideoEntry,
  WebSubDeletedEntry,
  MetaNotification,
  MetaChange,
  TikTokEvent,
  TwitchEventSubMessage,
} from './webhooks/payloads.ts';

// Credentials: OAuth refresh with rotation, encrypted store (docs/adr/0018).
export { createOAuthAuthenticator, CREDENTIAL_SUSPENDED, CREDENTIAL_REFRESH_FAILED } from './auth/oauth-authenticator.ts';
export type { CredentialSeed, OAuthAuthenticatorOptions } from './auth/oauth-authenticator.ts';
export { createMemoryCredentialStore, createEncryptedFileCredentialStore, parseEncryptionKey } from './auth/credential-store.ts';
export type { CredentialRecord, CredentialState, CredentialStore, EncryptedFileStoreOptions } from './auth/credential-store.ts';
export { tiktokRefresh, googleRefresh, instagramRefresh, INSTAGRAM_MIN_REFRESH_AGE_MS } from './auth/refresh-specs.ts';
export type { OAuthRefreshSpec } from './auth/refresh-specs.ts';
export { credentialsSchema, createCredentialStore, parseSeedCredentials, seedCredentialsSetting } from './auth/settings.ts';
export type { CredentialsSettings } from './auth/settings.ts';

// Quota: a ledger composed from budget policies (docs/adr/0018).
export { createQuotaLedger } from './quota/ledger.ts';
export type {
  AttachedQuotaPolicy,
  QuotaBlock,
  QuotaLedgerOptions,
  QuotaOutcome,
  QuotaPolicy,
  QuotaPolicyContext,
  QuotaScopeHealth,
} from './quota/ledger.ts';
export { ScopePauses } from './quota/scope-pauses.ts';
export { slidingWindowPolicy } from './quota/sliding-window.ts';
export type { SlidingWindowOptions } from './quota/sliding-window.ts';
export { dailyUnitsPolicy } from './quota/daily-units.ts';
export type { DailyUnitsOptions } from './quota/daily-units.ts';
export { metaUsagePolicy } from './quota/meta-usage.ts';
export type { MetaUsageOptions } from './quota/meta-usage.ts';
export { retryAfterPolicy, parseRetryAfter } from './quota/retry-after.ts';
export type { RetryAfterOptions } from './quota/retry-after.ts';
export { startOfNextDay, zoneOffsetMs } from './quota/time-zone.ts';

// Source runtime: stream declarations, checkpoints after acks, scheduling (docs/adr/0019)
export { listStream, fanOutStream, singleStream } from './runtime/declarations.ts';
export type {
  DiscoveredEntity,
  FanOutStreamDeclaration,
  ListStreamDeclaration,
  ListPage,
  Paginator,
  ScopeConfig,
  SingleStreamDeclaration,
  SourceDeclaration,
  StreamContext,
  StreamDeclaration,
} from './runtime/declarations.ts';
export { DEFAULT_CONTENT_CADENCE, pollIntervalMs, velocityPerHour } from './runtime/cadence.ts';
export type { CadenceCurve } from './runtime/cadence.ts';
export { COLLECTOR_STATE_TOPIC, checkpointKey, createMemoryCheckpointStore, openCheckpointStore } from './runtime/checkpoint-store.ts';
export type { CheckpointState, CheckpointStore, CheckpointStoreOptions, CollectorCheckpoint } from './runtime/checkpoint-store.ts';
export { createEventWriter, EventsRejectedError, isEventsRejectedError } from './runtime/event-writer.ts';
export type { EventRejection, EventWriterOptions, KafkaEventWriter } from './runtime/event-writer.ts';
export { EntityRegistry } from './runtime/entity-registry.ts';
export type { EntityPolicy, TrackedEntity } from './runtime/entity-registry.ts';
export { DATA_ISSUES_METRIC, createDataIssues, eventEnvelope, polledEnvelope, recordReaders } from './runtime/records.ts';
export type { DataIssues, EventIdentity, EventLineage, ReaderIssue, RecordReaderOptions, RecordReaders } from './runtime/records.ts';
export { sourceMetrics } from './runtime/metrics.ts';
export type { SourceMetrics } from './runtime/metrics.ts';
export { runSource, backfillStreamName, validateDeclaration } from './runtime/runner.ts';
export type { BackfillOptions, RunSourceOptions, SourceRun, StreamScopeHealth } from './runtime/runner.ts';
export { runSourceService, sourceHealthReport, startHealthServer, startServiceLifecycle } from './runtime/service.ts';
export type {
  HealthReport,
  HealthServer,
  HealthServerOptions,
  RequesterDependencies,
  RunSourceServiceOptions,
  WebhookDependencies,
  RunningSourceService,
  ServiceLifecycle,
  ServiceLifecycleOptions,
  SignalSource,
} from './runtime/service.ts';
export {
  httpUrlSetting,
  parseBackfillStart,
  parseScopes,
  parseTopicOverrides,
  platformSourceSchema,
  sourceRuntimeSchema,
  sourceWebhookSchema,
} from './runtime/spec.ts';
export type { PlatformSourceSettings, SourceRuntimeSettings, SourceServiceSettings, SourceWebhookSettings } from './runtime/spec.ts';
