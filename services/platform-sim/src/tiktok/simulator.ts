// TikTok Display API v2 simulator (base `<origin>/tiktok`, real `https://open.tiktokapis.com`):
//   GET  /v2/user/info/?fields=…             user.info.basic / .profile / .stats scopes
//   POST /v2/video/list/?fields=…            {max_count 1–20, cursor: ms timestamp} → {videos, cursor, has_more}
//   POST /v2/video/query/?fields=…           {filters: {video_ids ≤ 20}}; unknown ids are simply absent
//   POST /v2/oauth/token/                    refresh_token grant, rotating refresh tokens
//   POST /v2/oauth/revoke/
// Rate limit: rateLimitPerMinute per endpoint in a sliding minute → 429 rate_limit_exceeded, no headers.
// Webhooks: video.publish.completed for videos published after the start; authorization.removed on demand.
import { padBody } from '../core/body-faults.ts';
import { bearerToken, formParams, jsonBody, segments } from '../core/exchange.ts';
import type { SimRequest, SimResponse } from '../core/exchange.ts';
import { runEndpoint } from '../core/endpoint.ts';
import type { EndpointContext, EndpointDeps } from '../core/endpoint.ts';
import { SeededRandom } from '../core/random.ts';
import type { SimContext } from '../core/sim-context.ts';
import { SlidingWindowLimiter } from '../core/sliding-window.ts';
import { TokenIssuer } from '../core/token-issuer.ts';
import type { IssuedTokens } from '../core/token-issuer.ts';
import type { DeliveryAttempt } from '../core/webhook-delivery.ts';
import { tiktokEnvelope, tiktokError, tiktokOAuthError } from './errors.ts';
import { ALL_SCOPES, createUsers, renderUser, renderVideo, USER_FIELD_SCOPES, USER_FIELDS, VIDEO_FIELDS } from './model.ts';
import type { TikTokUser, TikTokVideo } from './model.ts';
import { tiktokWebhook } from './webhooks.ts';

export interface TikTokApp {
  clientKey: string;
  clientSecret: string;
}

export interface TikTokCredential {
  openId: string;
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: number;
  refreshExpiresAt: number;
  scopes: string[];
}

const ENDPOINTS: Record<string, string> = {
  'GET /v2/user/info': 'user.info',
  'POST /v2/video/list': 'video.list',
  'POST /v2/video/query': 'video.query',
  'POST /v2/oauth/token': 'oauth.token',
  'POST /v2/oauth/revoke': 'oauth.revoke',
};

export class TikTokSimulator {
  readonly users: TikTokUser[];
  readonly app: TikTokApp;
  readonly tokens: TokenIssuer;
  webhookUrl: string | null;
  readonly #context: SimContext;
  readonly #deps: EndpointDeps;
  readonly #limiter = new SlidingWindowLimiter(60_000);

  constructor(context: SimContext, options: { accounts: number; app: TikTokApp; webhookUrl: string | null }) {
    this.#context = context;
    this.app = options.app;
    this.webhookUrl = options.webhookUrl;
    this.users = createUsers(context.seed, options.accounts, context.startTime, context.knobs.content);
    const knobs = context.knobs.tiktok;
    this.tokens = new TokenIssuer(context.clock, new SeededRandom(context.seed, 'tiktok', 'tokens'), {
      accessTtlMs: knobs.accessTokenTtlMs,
      refreshTtlMs: knobs.refreshTokenTtlMs,
      rotateRefresh: knobs.rotateRefreshTokens,
      accessPrefix: 'act.',
      refreshPrefix: 'rft.',
    });
    this.#deps = {
      platform: 'tiktok',
      clock: context.clock,
      faults: context.faults,
      recorder: context.recorder,
      timestamps: { epochSeconds: ['create_time'], isoStrings: [] },
      faultResponses: {
        throttled: (fault) =>
          tiktokError(
            429,
            'rate_limit_exceeded',
            context.clock.now(),
            undefined,
            fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
          ),
        serverError: (fault) => tiktokError(fault.status ?? 500, 'internal_error', context.clock.now()),
      },
    };
  }

  issueCredential(openId: string, scopes: string[] = ALL_SCOPES): TikTokCredential {
    this.#syncPolicy();
    const issued = this.tokens.issue(openId, scopes);
    return toCredential(issued);
  }

  /** Revokes the user's tokens, then delivers authorization.removed (the token is already dead when it arrives). */
  async removeAuthorization(openId: string, reason = 1, url = this.webhookUrl): Promise<DeliveryAttempt | null> {
    this.tokens.revokeAccount(openId);
    return url === null ? null : this.deliver(url, 'authorization.removed', openId, { reason });
  }

  deliver(
    url: string,
    event: 'authorization.removed' | 'video.publish.completed',
    openId: string,
    content: Record<string, unknown>,
  ): Promise<DeliveryAttempt> {
    return this.#context.dispatcher.deliver(
      tiktokWebhook({
        url,
        clientKey: this.app.clientKey,
        clientSecret: this.app.clientSecret,
        event,
        openId,
        content,
        createTime: this.#context.clock.now(),
      }),
    );
  }

  /** video.publish.completed for each video published in (from, to]. */
  async emitDue(from: number, to: number): Promise<void> {
    if (this.webhookUrl === null) return;
    for (const user of this.users)
      for (const video of user.videos.publishedBetween(Math.max(from, this.#context.startTime), to))
        await this.deliver(this.webhookUrl, 'video.publish.completed', user.openId, {
          share_id: `video.${video.id}.sim`,
          publish_id: `v_pub_sim~${video.id}`,
          video_id: video.id,
        });
  }

  handle = async (request: SimRequest): Promise<SimResponse> => {
    const path = `/${segments(request.path).join('/')}`;
    const endpoint = ENDPOINTS[`${request.method} ${path}`];
    if (!endpoint) return tiktokError(404, 'invalid_params', this.#context.clock.now(), `No endpoint ${request.method} ${request.path}.`);
    this.#syncPolicy();
    return runEndpoint(this.#deps, endpoint, request, (context) => {
      if (endpoint === 'oauth.token') return this.#token(context);
      if (endpoint === 'oauth.revoke') return this.#revoke(context);
      if (!this.#limiter.tryHit(endpoint, context.now, this.#context.knobs.tiktok.rateLimitPerMinute))
        return tiktokError(429, 'rate_limit_exceeded', context.now);
      const auth = this.tokens.checkAccess(bearerToken(request));
      if (!auth.ok) return tiktokError(401, 'access_token_invalid', context.now);
      const user = this.users.find((u) => u.openId === auth.accountId);
      if (!user) return tiktokError(401, 'access_token_invalid', context.now);
      const fields = (request.query.get('fields') ?? '')
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean);
      if (endpoint === 'user.info') return this.#userInfo(context, user, fields, auth.scopes);
      if (!auth.scopes.includes('video.list'))
        return tiktokError(this.#context.knobs.tiktok.scopeErrorStatus, 'scope_not_authorized', context.now);
      const unknown = fields.filter((f) => !(VIDEO_FIELDS as readonly string[]).includes(f));
      if (fields.length === 0 || unknown.length > 0)
        return tiktokError(
          400,
          'invalid_params',
          context.now,
          fields.length === 0 ? 'fields is required.' : `Invalid fields: ${unknown.join(',')}.`,
        );
      return endpoint === 'video.list' ? this.#videoList(context, user, fields) : this.#videoQuery(context, user, fields);
    });
  };

  #syncPolicy(): void {
    const knobs = this.#context.knobs.tiktok;
    Object.assign(this.tokens.policy, {
      accessTtlMs: knobs.accessTokenTtlMs,
      refreshTtlMs: knobs.refreshTokenTtlMs,
      rotateRefresh: knobs.rotateRefreshTokens,
    });
  }

  #userInfo(context: EndpointContext, user: TikTokUser, fields: string[], scopes: string[]): SimResponse {
    const unknown = fields.filter((f) => !(USER_FIELDS as readonly string[]).includes(f));
    if (fields.length === 0 || unknown.length > 0)
      return tiktokError(
        400,
        'invalid_params',
        context.now,
        fields.length === 0 ? 'fields is required.' : `Invalid fields: ${unknown.join(',')}.`,
      );
    if (fields.some((f) => !scopes.includes(USER_FIELD_SCOPES[f] ?? '')))
      return tiktokError(this.#context.knobs.tiktok.scopeErrorStatus, 'scope_not_authorized', context.now);
    const rendered = renderUser(user, fields, context.now);
    context.served.entity('user', user.openId, user.openId);
    context.served.metric('user', user.openId, pickNumbers(rendered));
    return this.#ok({ user: rendered }, context.now);
  }

  #videoList(context: EndpointContext, user: TikTokUser, fields: string[]): SimResponse {
    const body = jsonBody(context.request) as { max_count?: unknown; cursor?: unknown } | undefined;
    const maxCount = body?.max_count ?? 10;
    const cursor = body?.cursor ?? null;
    if (typeof maxCount !== 'number' || !Number.isInteger(maxCount) || maxCount < 1 || maxCount > 20)
      return tiktokError(400, 'invalid_params', context.now, 'max_count must be an integer between 1 and 20.');
    if (cursor !== null && (typeof cursor !== 'number' || !Number.isInteger(cursor) || cursor < 0))
      return tiktokError(400, 'invalid_params', context.now, 'cursor must be a UTC Unix timestamp in milliseconds.');
    const before = cursor === null || cursor === 0 ? Infinity : cursor;
    const older = user.videos
      .publishedBy(context.now)
      .filter((v) => v.publishedAt < before)
      .reverse();

    if (context.pageFault('empty-page')) return this.#ok({ videos: [], cursor: cursor ?? context.now, has_more: true }, context.now);
    const huge = context.pageFault('huge-page');
    const page = older.slice(0, huge ? (huge.items ?? 1000) : maxCount);
    const repeat = cursor !== null && cursor !== 0 ? context.pageFault('repeat-cursor') : null;
    const videos = page.map((video) => this.#serveVideo(context, video, fields));
    const nextCursor = repeat ? cursor : (page.at(-1)?.publishedAt ?? cursor ?? context.now);
    const response = this.#ok({ videos, cursor: nextCursor, has_more: older.length > page.length }, context.now);
    return huge ? { ...response, body: padBody(response.body.toString(), huge.bytes ?? 8 * 1024 * 1024) } : response;
  }

  #videoQuery(context: EndpointContext, user: TikTokUser, fields: string[]): SimResponse {
    const body = jsonBody(context.request) as { filters?: { video_ids?: unknown } } | undefined;
    const ids = body?.filters?.video_ids;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 20 || ids.some((id) => typeof id !== 'string'))
      return tiktokError(400, 'invalid_params', context.now, 'filters.video_ids must list 1 to 20 video ids (strings).');
    const wanted = new Set(ids as string[]);
    const videos = user.videos
      .publishedBy(context.now)
      .filter((v) => wanted.has(v.id))
      .reverse()
      .map((video) => this.#serveVideo(context, video, fields));
    return this.#ok({ videos, cursor: 0, has_more: false }, context.now);
  }

  #serveVideo(context: EndpointContext, video: TikTokVideo, fields: string[]): Record<string, unknown> {
    const rendered = renderVideo(video, fields, context.now);
    context.served.entity('video', video.id, video.openId);
    context.served.metric('video', video.id, pickNumbers(rendered, ['create_time', 'duration', 'height', 'width']));
    return rendered;
  }

  #ok(data: unknown, time: number): SimResponse {
    const response = tiktokEnvelope(200, 'ok', data, time);
    if (!this.#context.knobs.tiktok.bigIntIds) return response;
    // Bad-input knob: ids ending in an even digit become unquoted integers above 2^53.
    return { ...response, body: response.body.toString().replace(/"id":"(\d{17,}[02468])"/g, '"id":$1') };
  }

  #token(context: EndpointContext): SimResponse {
    const form = formParams(context.request);
    const status = this.#context.knobs.tiktok.oauthErrorStatus;
    if (form.get('client_key') !== this.app.clientKey || form.get('client_secret') !== this.app.clientSecret)
      return tiktokOAuthError(status, 'invalid_client', 'Client key or secret is invalid.', context.now);
    if (form.get('grant_type') !== 'refresh_token')
      return tiktokOAuthError(status, 'unsupported_grant_type', 'Only grant_type=refresh_token is simulated.', context.now);
    const result = this.tokens.refresh(form.get('refresh_token'));
    if (!result.ok)
      return tiktokOAuthError(status, 'invalid_grant', `Refresh token is invalid or expired (${result.reason}).`, context.now);
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        open_id: result.accountId,
        scope: result.scopes.join(','),
        access_token: result.accessToken,
        expires_in: Math.round((result.accessExpiresAt - context.now) / 1000),
        refresh_token: result.refreshToken,
        refresh_expires_in: Math.round(((result.refreshExpiresAt ?? context.now) - context.now) / 1000),
        token_type: 'Bearer',
      }),
    };
  }

  #revoke(context: EndpointContext): SimResponse {
    const form = formParams(context.request);
    if (form.get('client_key') !== this.app.clientKey || form.get('client_secret') !== this.app.clientSecret)
      return tiktokOAuthError(
        this.#context.knobs.tiktok.oauthErrorStatus,
        'invalid_client',
        'Client key or secret is invalid.',
        context.now,
      );
    const check = this.tokens.checkAccess(form.get('token'));
    if (check.ok) this.tokens.revokeAccount(check.accountId);
    return { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
  }
}

function toCredential(issued: IssuedTokens): TikTokCredential {
  return {
    openId: issued.accountId,
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken ?? '',
    accessExpiresAt: issued.accessExpiresAt,
    refreshExpiresAt: issued.refreshExpiresAt ?? Infinity,
    scopes: issued.scopes,
  };
}

function pickNumbers(values: Record<string, unknown>, except: string[] = []): Record<string, number> {
  return Object.fromEntries(Object.entries(values).filter(([key, value]) => typeof value === 'number' && !except.includes(key))) as Record<
    string,
    number
  >;
}
