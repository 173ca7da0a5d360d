// startPlatformSim: one HTTP server on 127.0.0.1 with the three platform simulators under their
// prefixes, the admin routes under /_sim, a simulated clock, seeded data, fault knobs, webhook
// delivery and the ground-truth recorder. Used by tests (port 0) and by main.ts (standalone).
import { createLogger } from '@tributary/telemetry';
import type { Logger } from '@tributary/telemetry';
import { handleAdmin } from './admin/routes.ts';
import { SimClock } from './core/clock.ts';
import { FaultBoard } from './core/faults.ts';
import type { ActiveFault, FaultSpec } from './core/faults.ts';
import { GroundTruthRecorder } from './core/ground-truth.ts';
import type { GroundTruth } from './core/ground-truth.ts';
import { startHttpServer } from './core/http-server.ts';
import type { SimHandler } from './core/exchange.ts';
import type { PlatformName } from './core/platforms.ts';
import { SeededRandom } from './core/random.ts';
import { BackgroundWork } from './core/sim-context.ts';
import type { SimContext } from './core/sim-context.ts';
import { WebhookDispatcher } from './core/webhook-delivery.ts';
import type { DeliveryAttempt, DeliveryPolicy } from './core/webhook-delivery.ts';
import { InstagramSimulator } from './instagram/simulator.ts';
import type { InstagramCredential } from './instagram/simulator.ts';
import { instagramWebhook } from './instagram/webhooks.ts';
import type { InstagramField, VerificationResult } from './instagram/webhooks.ts';
import { applyKnobs, defaultKnobs } from './knobs.ts';
import type { KnobChanges, SimKnobs } from './knobs.ts';
import { TikTokSimulator } from './tiktok/simulator.ts';
import type { TikTokCredential } from './tiktok/simulator.ts';
import { tiktokWebhook } from './tiktok/webhooks.ts';
import type { TikTokEvent } from './tiktok/webhooks.ts';
import type { Subscription, VerificationRecord } from './youtube/websub.ts';
import { websubSignature } from './youtube/websub.ts';
import { YouTubeSimulator } from './youtube/simulator.ts';
import type { YouTubeCredential } from './youtube/simulator.ts';

export interface SimSecrets {
  tiktokClientKey: string;
  tiktokClientSecret: string;
  instagramAppId: string;
  instagramAppSecret: string;
  instagramVerifyToken: string;
  googleClientId: string;
  googleClientSecret: string;
  youtubeApiKey: string;
}

export interface PlatformSimOptions {
  /** Same seed → same accounts, posts, captions, metric curves and tokens. */
  seed?: string | number;
  clock?: {
    /** Simulated epoch ms at start; default: the wall clock now. */
    startTime?: number;
    /** Simulated ms per wall ms; 0 (default) freezes time between advance/setTime calls. */
    speed?: number;
  };
  accounts?: Partial<Record<PlatformName, number>>;
  knobs?: KnobChanges;
  host?: string;
  port?: number;
  /** Where TikTok and Instagram events are delivered (YouTube pushes go to WebSub subscribers). */
  webhookTargets?: { tiktok?: string; instagram?: string };
  secrets?: Partial<SimSecrets>;
  /** Simulated interval at which due webhook events (new uploads, expired stories) are emitted. */
  eventCheckIntervalMs?: number;
  /** Cap on ground-truth records (entities + metric snapshots); default unlimited. */
  groundTruthMaxRecords?: number;
  logger?: Logger;
}

export interface BaseUrls {
  origin: string;
  /** Replaces https://open.tiktokapis.com (paths /v2/...). */
  tiktok: string;
  /** Replaces https://graph.facebook.com and https://graph.instagram.com (paths /v25.0/..., /refresh_access_token). */
  instagram: string;
  /** Replaces https://www.googleapis.com/youtube/v3. */
  youtube: string;
  /** Replaces https://youtubeanalytics.googleapis.com (paths /v2/reports). */
  youtubeAnalytics: string;
  /** Replaces https://pubsubhubbub.appspot.com/subscribe. */
  youtubeWebSubHub: string;
  /** Replaces https://oauth2.googleapis.com/token. */
  googleOAuth: string;
  /** Replaces https://open.tiktokapis.com/v2/oauth/token/. */
  tiktokOAuth: string;
  /** Admin routes (/_sim/clock, /_sim/faults, /_sim/ground-truth, /_sim/credentials, ...). */
  admin: string;
}

export interface SimCredentials {
  tiktok: { clientKey: string; clientSecret: string; accounts: TikTokCredential[] };
  instagram: { appId: string; appSecret: string; verifyToken: string; accounts: InstagramCredential[] };
  youtube: { clientId: string; clientSecret: string; apiKey: string; accounts: YouTubeCredential[] };
}

export type DirectDelivery =
  | { platform: 'tiktok'; event: TikTokEvent; openId: string; content: Record<string, unknown> }
  | { platform: 'instagram'; field: InstagramField; accountId: string; value: Record<string, unknown> }
  | { platform: 'youtube'; videoId: string; kind: 'upload' | 'update' | 'deleted'; secret?: string };

export interface PlatformSimStats {
  now: number;
  requests: Record<string, number>;
  youtubeQuota: { used: number; limit: number; resetsAt: number };
  tokens: Record<PlatformName, { accessTokens: number; refreshTokens: number; refreshes: number }>;
  webhooks: { attempts: number; pendingRetries: number };
  faults: ActiveFault[];
}

export interface PlatformSim {
  baseUrls: BaseUrls;
  now(): number;
  advance(ms: number): Promise<void>;
  setTime(time: number): Promise<void>;
  groundTruth(window?: { from?: number; to?: number; platform?: PlatformName }): GroundTruth;
  faults: {
    set(spec: FaultSpec): ActiveFault;
    clear(filter?: { id?: string; platform?: PlatformName }): number;
    list(): ActiveFault[];
    /** Expires live access tokens now (of one account, or every account of the platform). */
    expireTokens(platform: PlatformName, account?: string): number;
  };
  knobs: Readonly<SimKnobs>;
  setKnobs(changes: KnobChanges): void;
  webhooks: {
    deliverTo(url: string, delivery: DirectDelivery): Promise<DeliveryAttempt>;
    attempts(filter?: { platform?: PlatformName; event?: string; deliveryId?: string }): DeliveryAttempt[];
    pendingRetries(): number;
    setPolicy(changes: Partial<DeliveryPolicy>): void;
    setTarget(platform: 'tiktok' | 'instagram', url: string | null): void;
    tiktokRemoveAuthorization(openId: string, reason?: number): Promise<DeliveryAttempt | null>;
    instagramVerify(url?: string, verifyToken?: string): Promise<VerificationResult>;
    instagramComment(mediaId: string): Promise<DeliveryAttempt>;
    instagramMention(mediaId: string, commentId?: string): Promise<DeliveryAttempt>;
    youtubeSubscriptions(): Subscription[];
    youtubeVerifications(): VerificationRecord[];
    youtubeDeleteVideo(videoId: string): Promise<void>;
    youtubeChangeTitle(videoId: string, title: string): Promise<void>;
  };
  /** Credentials issued at start, one per account (sources seed their token stores with these). */
  credentials(): SimCredentials;
  issueCredential(platform: PlatformName, account: string, scopes?: string[]): TikTokCredential | InstagramCredential | YouTubeCredential;
  stats(): PlatformSimStats;
  /** Waits for background work (asynchronous WebSub verifications). */
  idle(): Promise<void>;
  tiktok: TikTokSimulator;
  instagram: InstagramSimulator;
  youtube: YouTubeSimulator;
  close(): Promise<void>;
}

export function defaultSecrets(seed: string): SimSecrets {
  const random = new SeededRandom(seed, 'secrets');
  return {
    tiktokClientKey: `sim${random.string(13)}`,
    tiktokClientSecret: random.string(32),
    instagramAppId: random.digits(15),
    instagramAppSecret: random.string(32, '0123456789abcdef'),
    instagramVerifyToken: `verify-${random.string(16)}`,
    googleClientId: `${random.digits(12)}-${random.string(32)}.apps.googleusercontent.com`,
    googleClientSecret: `GOCSPX-${random.string(28)}`,
    youtubeApiKey: `AIza${random.string(35)}`,
  };
}

export async function startPlatformSim(options: PlatformSimOptions = {}): Promise<PlatformSim> {
  const seed = String(options.seed ?? 'tributary');
  const startTime = options.clock?.startTime ?? Date.now();
  const logger = options.logger ?? createLogger({ serviceName: 'platform-sim', level: 'warn' });
  const knobs = defaultKnobs();
  if (options.knobs) applyKnobs(knobs, options.knobs);
  const secrets = { ...defaultSecrets(seed), ...options.secrets };
  const clock = new SimClock({ startTime, speed: options.clock?.speed ?? 0 });
  const recorder = new GroundTruthRecorder(options.groundTruthMaxRecords);
  const dispatcher = new WebhookDispatcher(clock, new SeededRandom(seed, 'webhooks'), knobs.webhooks);
  const simulators: { tiktok?: TikTokSimulator; instagram?: InstagramSimulator; youtube?: YouTubeSimulator } = {};
  const faults = new FaultBoard((platform, account) => {
    const issuer = simulators[platform]?.tokens;
    return issuer ? issuer.expireAccess(account) : 0;
  });
  const context: SimContext = { seed, startTime, clock, knobs, faults, recorder, dispatcher, background: new BackgroundWork(), logger };
  const accounts = { tiktok: 2, instagram: 2, youtube: 2, ...options.accounts };
  const tiktok = new TikTokSimulator(context, {
    accounts: accounts.tiktok,
    app: { clientKey: secrets.tiktokClientKey, clientSecret: secrets.tiktokClientSecret },
    webhookUrl: options.webhookTargets?.tiktok ?? null,
  });
  const instagram = new InstagramSimulator(context, {
    accounts: accounts.instagram,
    app: { appId: secrets.instagramAppId, appSecret: secrets.instagramAppSecret, verifyToken: secrets.instagramVerifyToken },
    webhookUrl: options.webhookTargets?.instagram ?? null,
  });
  const youtube = new YouTubeSimulator(context, {
    accounts: accounts.youtube,
    app: { clientId: secrets.googleClientId, clientSecret: secrets.googleClientSecret, apiKey: secrets.youtubeApiKey },
  });
  Object.assign(simulators, { tiktok, instagram, youtube });

  const initial: SimCredentials = {
    tiktok: {
      clientKey: secrets.tiktokClientKey,
      clientSecret: secrets.tiktokClientSecret,
      accounts: tiktok.users.map((u) => tiktok.issueCredential(u.openId)),
    },
    instagram: {
      appId: secrets.instagramAppId,
      appSecret: secrets.instagramAppSecret,
      verifyToken: secrets.instagramVerifyToken,
      accounts: instagram.accounts.map((a) => instagram.issueCredential(a.id)),
    },
    youtube: {
      clientId: secrets.googleClientId,
      clientSecret: secrets.googleClientSecret,
      apiKey: secrets.youtubeApiKey,
      accounts: youtube.channels.map((c) => youtube.issueCredential(c.id)),
    },
  };

  // Due events (new uploads → TikTok/WebSub pushes, expired stories → story_insights) on a simulated heartbeat.
  const interval = options.eventCheckIntervalMs ?? 60_000;
  let lastCheck = startTime;
  let closed = false;
  const heartbeat = async (): Promise<void> => {
    const now = clock.now();
    const from = lastCheck;
    lastCheck = now;
    await tiktok.emitDue(from, now);
    await instagram.emitDue(from, now);
    await youtube.emitDue(from, now);
    if (!closed) clock.schedule(now + interval, heartbeat);
  };
  clock.schedule(startTime + interval, heartbeat);

  const requests: Record<string, number> = {};
  const counted =
    (name: string, handler: SimHandler): SimHandler =>
    async (request) => {
      requests[name] = (requests[name] ?? 0) + 1;
      return handler(request);
    };

  const issueCredential = (
    platform: PlatformName,
    account: string,
    scopes?: string[],
  ): TikTokCredential | InstagramCredential | YouTubeCredential => {
    if (platform === 'tiktok') {
      if (!tiktok.users.some((u) => u.openId === account)) throw new RangeError(`No TikTok user ${account}.`);
      return tiktok.issueCredential(account, scopes);
    }
    if (platform === 'instagram') {
      if (!instagram.accounts.some((a) => a.id === account)) throw new RangeError(`No Instagram account ${account}.`);
      return instagram.issueCredential(account, scopes);
    }
    if (!youtube.channels.some((c) => c.id === account)) throw new RangeError(`No YouTube channel ${account}.`);
    return youtube.issueCredential(account, scopes);
  };

  const deliverTo = (url: string, delivery: DirectDelivery): Promise<DeliveryAttempt> => {
    const now = clock.now();
    if (delivery.platform === 'tiktok')
      return dispatcher.deliver(
        tiktokWebhook({
          url,
          clientKey: secrets.tiktokClientKey,
          clientSecret: secrets.tiktokClientSecret,
          event: delivery.event,
          openId: delivery.openId,
          content: delivery.content,
          createTime: now,
        }),
      );
    if (delivery.platform === 'instagram')
      return dispatcher.deliver(
        instagramWebhook({
          url,
          appSecret: secrets.instagramAppSecret,
          accountId: delivery.accountId,
          field: delivery.field,
          value: delivery.value,
          time: now,
        }),
      );
    const video = youtube.channels.flatMap((c) => c.videos.publishedBy(now)).find((v) => v.id === delivery.videoId);
    if (!video) throw new RangeError(`No published YouTube video ${delivery.videoId}.`);
    const body = delivery.kind === 'deleted' ? youtube.hub.deletedFeed(video) : youtube.hub.videoFeed(video, video.title);
    const secret = delivery.secret;
    return dispatcher.deliver({
      platform: 'youtube',
      event: `websub.${delivery.kind}`,
      url,
      body,
      contentType: 'application/atom+xml',
      sign: (raw): Record<string, string> => (secret === undefined ? {} : { 'x-hub-signature': websubSignature(secret, raw) }),
    });
  };

  // eslint-disable-next-line prefer-const -- assigned after the server knows its port
  let sim: PlatformSim;
  const server = await startHttpServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    maxBodyBytes: 8 * 1024 * 1024,
    logger,
    routes: {
      tiktok: counted('tiktok', tiktok.handle),
      instagram: counted('instagram', instagram.handle),
      youtube: counted('youtube', youtube.handle),
      google: counted('google', youtube.handleGoogle),
      _sim: (request) => handleAdmin(sim, request),
    },
  });
  const origin = server.origin;
  youtube.setOrigin(origin);

  sim = {
    baseUrls: {
      origin,
      tiktok: `${origin}/tiktok`,
      instagram: `${origin}/instagram`,
      youtube: `${origin}/youtube/youtube/v3`,
      youtubeAnalytics: `${origin}/youtube/analytics`,
      youtubeWebSubHub: `${origin}/youtube/websub/subscribe`,
      googleOAuth: `${origin}/google/oauth2/token`,
      tiktokOAuth: `${origin}/tiktok/v2/oauth/token/`,
      admin: `${origin}/_sim`,
    },
    now: () => clock.now(),
    advance: (ms) => clock.advance(ms),
    setTime: (time) => clock.setTime(time),
    groundTruth: (window) => recorder.query(window),
    faults: {
      set: (spec) => faults.set(spec),
      clear: (filter) => faults.clear(filter),
      list: () => faults.list(),
      expireTokens: (platform, account) =>
        faults.set({ platform, kind: 'expire-token', ...(account === undefined ? {} : { account }) }).applied,
    },
    knobs,
    setKnobs: (changes) => {
      applyKnobs(knobs, changes);
      dispatcher.setPolicy(knobs.webhooks);
    },
    webhooks: {
      deliverTo,
      attempts: (filter) => dispatcher.attempts(filter),
      pendingRetries: () => dispatcher.pending(),
      setPolicy: (changes) => {
        applyKnobs(knobs, { webhooks: changes });
        dispatcher.setPolicy(knobs.webhooks);
      },
      setTarget: (platform, url) => {
        if (platform === 'tiktok') tiktok.webhookUrl = url;
        else instagram.webhookUrl = url;
      },
      tiktokRemoveAuthorization: (openId, reason) => tiktok.removeAuthorization(openId, reason),
      instagramVerify: (url, verifyToken) => instagram.verify(url, verifyToken),
      instagramComment: (mediaId) => instagram.emitComment(mediaId),
      instagramMention: (mediaId, commentId) => instagram.emitMention(mediaId, commentId),
      youtubeSubscriptions: () => youtube.hub.subscriptions(),
      youtubeVerifications: () => youtube.hub.verifications(),
      youtubeDeleteVideo: (videoId) => youtube.deleteVideo(videoId),
      youtubeChangeTitle: (videoId, title) => youtube.changeTitle(videoId, title),
    },
    credentials: () => structuredClone(initial),
    issueCredential,
    stats: () => ({
      now: clock.now(),
      requests: { ...requests },
      youtubeQuota: youtube.quotaStatus(),
      tokens: { tiktok: tiktok.tokens.stats(), instagram: instagram.tokens.stats(), youtube: youtube.tokens.stats() },
      webhooks: { attempts: dispatcher.attempts().length, pendingRetries: dispatcher.pending() },
      faults: faults.list(),
    }),
    idle: () => context.background.idle(),
    tiktok,
    instagram,
    youtube,
    close: async () => {
      closed = true;
      dispatcher.close();
      clock.close();
      await context.background.idle();
      await server.close();
    },
  };
  return sim;
}
