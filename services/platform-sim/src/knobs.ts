// Every number and behaviour switch of the simulators. Defaults follow the fact sheet
// (/work/shared/research/platform-apis.md); UNCONFIRMED facts are knobs here. Knobs can be changed
// at runtime (sim.setKnobs, POST /_sim/knobs); handlers read them on every request.
import type { DeliveryPolicy } from './core/webhook-delivery.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface ContentKnobs {
  /** Posts/videos/media per account published before the start. */
  postsPerAccount: number;
  /** How far back those are spread. */
  historyDays: number;
  /** New posts per account per simulated day after the start (average). */
  newPostsPerDay: number;
  /** Probability that a post gets one downward metric revision in its first week. */
  revisionProbability: number;
  /** Instagram stories per account per simulated day. */
  storiesPerDay: number;
}

export interface TikTokKnobs {
  /** Requests per endpoint per sliding minute before 429 rate_limit_exceeded. */
  rateLimitPerMinute: number;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  /** Refresh returns a new refresh token and the old one dies (Nov 2026 docs). */
  rotateRefreshTokens: boolean;
  /** Emit some video ids as unquoted integers above 2^53 (a bad-input case; the API documents strings). */
  bigIntIds: boolean;
  /** HTTP status of OAuth error bodies (UNCONFIRMED). */
  oauthErrorStatus: number;
  /** HTTP status of scope_not_authorized (the sheet: 401). */
  scopeErrorStatus: number;
}

export interface InstagramKnobs {
  /** Version segment the sim advertises in paging links; any vNN.0 is accepted. */
  apiVersion: string;
  /** App calls per rolling hour that make X-App-Usage call_count 100 % (200 × users). */
  appCallsPerHour: number;
  /** Calls per account per rolling 24 h that make the BUC call_count 100 % (UNCONFIRMED formula). */
  bucCallsPerDay: number;
  /** Usage headers appear only once usage reaches this percentage ("after enough calls"). */
  usageHeaderMinPercent: number;
  /** Graph error code when the BUC budget is spent (80002 is UNCONFIRMED). */
  bucThrottleCode: number;
  /** HTTP status of throttling errors (codes 4/17/32/613/800xx; UNCONFIRMED, typically 400). */
  throttleStatus: number;
  /** HTTP status of token errors (code 190; typically 400). */
  authErrorStatus: number;
  /** Probability that a media/comments page is short (fewer items than limit, cursor still exact). */
  shortPageProbability: number;
  /** Every Nth page is empty but still has `next` (0: never). */
  emptyPageEvery: number;
  storyLifetimeMs: number;
  /** Send a `comments` notification for every new comment on media published after the start. */
  commentWebhooks: boolean;
  /** Insights of an expired story: an error (code 100 subcode 33) or an empty data array. */
  expiredStoryInsights: 'error' | 'empty';
  /** Media younger than this get an empty insights data array (data lag; up to 48 h real). */
  insightsAvailableAfterMs: number;
  /** Media whose reach is below this get error code 10 "Not enough viewers". */
  minReachForInsights: number;
  /** Long-lived token lifetime (60 days). */
  tokenTtlMs: number;
  /** ig_refresh_token works only for tokens at least this old (24 h). */
  refreshMinAgeMs: number;
  /** Graph error subcode for an expired token (463 UNCONFIRMED). */
  expiredSubcode: number;
}

export interface YouTubeKnobs {
  dailyQuotaUnits: number;
  /** Units a 304 Not Modified costs (sources disagree: UNCONFIRMED). */
  notModifiedCost: number;
  /** Zone whose midnight resets the quota. */
  quotaTimeZone: string;
  /** Probability that a request gets 403 rateLimitExceeded (short-term throttling). */
  rateLimitExceededProbability: number;
  /** Google access token lifetime (expires_in ≈ 3599 s). */
  accessTokenTtlMs: number;
  /** Refresh token lifetime; 0 = never expires (7 days for apps in Testing status). */
  refreshTokenTtlMs: number;
  /** Spelling of Analytics creatorContentType values (UNCONFIRMED). */
  creatorContentTypeSpelling: 'UPPER_SNAKE' | 'camelCase';
  /** Analytics data ends this many days before today (48–72 h processing). */
  analyticsLagDays: number;
  /** WebSub lease when hub.lease_seconds is absent (≈5 days UNCONFIRMED). */
  defaultLeaseSeconds: number;
  /** pageInfo.totalResults is off by up to this fraction ("approximate"). */
  totalResultsJitter: number;
  /** Videos up to this duration (s) are Shorts. */
  shortsMaxSeconds: number;
}

export interface SimKnobs {
  content: ContentKnobs;
  tiktok: TikTokKnobs;
  instagram: InstagramKnobs;
  youtube: YouTubeKnobs;
  webhooks: DeliveryPolicy;
}

export function defaultKnobs(): SimKnobs {
  return {
    content: { postsPerAccount: 60, historyDays: 28, newPostsPerDay: 2, revisionProbability: 0.05, storiesPerDay: 3 },
    tiktok: {
      rateLimitPerMinute: 600,
      accessTokenTtlMs: 2 * HOUR,
      refreshTokenTtlMs: 180 * DAY,
      rotateRefreshTokens: true,
      bigIntIds: false,
      oauthErrorStatus: 400,
      scopeErrorStatus: 401,
    },
    instagram: {
      apiVersion: 'v25.0',
      appCallsPerHour: 400,
      bucCallsPerDay: 4800,
      usageHeaderMinPercent: 1,
      bucThrottleCode: 80002,
      throttleStatus: 400,
      authErrorStatus: 400,
      shortPageProbability: 0,
      emptyPageEvery: 0,
      storyLifetimeMs: DAY,
      commentWebhooks: true,
      expiredStoryInsights: 'error',
      insightsAvailableAfterMs: 0,
      minReachForInsights: 0,
      tokenTtlMs: 60 * DAY,
      refreshMinAgeMs: DAY,
      expiredSubcode: 463,
    },
    youtube: {
      dailyQuotaUnits: 10_000,
      notModifiedCost: 1,
      quotaTimeZone: 'America/Los_Angeles',
      rateLimitExceededProbability: 0,
      accessTokenTtlMs: 3_599_000,
      refreshTokenTtlMs: 0,
      creatorContentTypeSpelling: 'UPPER_SNAKE',
      analyticsLagDays: 2,
      defaultLeaseSeconds: 432_000,
      totalResultsJitter: 0.05,
      shortsMaxSeconds: 180,
    },
    webhooks: {
      timeoutMs: 5_000,
      maxAttempts: 12,
      initialBackoffMs: 60_000,
      backoffMultiplier: 2,
      maxBackoffMs: 12 * HOUR,
      maxRetrySpanMs: 72 * HOUR,
      duplicateProbability: 0,
    },
  };
}

export type KnobChanges = { [P in keyof SimKnobs]?: Partial<SimKnobs[P]> };

/** Applies changes in place (handlers hold the same object). Unknown names are refused. */
export function applyKnobs(knobs: SimKnobs, changes: KnobChanges): void {
  for (const [group, values] of Object.entries(changes)) {
    const target = (knobs as unknown as Record<string, Record<string, unknown>>)[group];
    if (!target) throw new RangeError(`Unknown knob group ${group}.`);
    for (const [name, value] of Object.entries(values ?? {})) {
      if (!(name in target)) throw new RangeError(`Unknown knob ${group}.${name}.`);
      if (typeof value !== typeof target[name]) throw new TypeError(`Knob ${group}.${name} must be a ${typeof target[name]}.`);
      target[name] = value;
    }
  }
}
