// Instagram Graph API simulator (base `<origin>/instagram`, real `https://graph.facebook.com`;
// the graph.instagram.com token refresh lives at the same base). Token: `access_token` query
// parameter (or Bearer). Paths may carry any version segment (`/v25.0/…`) or none.
//   GET  /{ig-user-id}?fields=…                  (also /me)
//   GET  /{ig-user-id}/media?fields=…&limit=&after=   cursor paging; stop when paging.next is absent
//   GET  /{ig-user-id}/stories                   live stories only (storyLifetimeMs)
//   GET  /{ig-user-id}/insights?metric=…&period=day&metric_type=total_value&since=&until=
//   GET  /{ig-media-id}?fields=…
//   GET  /{ig-media-id}/insights?metric=…         per media_product_type lists; deprecated → code 100
//   GET  /{ig-media-id}/comments?fields=…&limit=&after=
//   POST /?batch=[…]                              ≤ 50 sub-requests, each counted
//   GET  /refresh_access_token?grant_type=ig_refresh_token&access_token=   (≥ 24 h old tokens)
// Usage headers and throttling: usage.ts. Webhooks: webhooks.ts (story_insights at expiry; comments and mentions on demand).
import { padBody } from '../core/body-faults.ts';
import { bearerToken, formParams, jsonBody, jsonResponse, segments } from '../core/exchange.ts';
import type { SimRequest, SimResponse } from '../core/exchange.ts';
import { runEndpoint } from '../core/endpoint.ts';
import type { EndpointContext, EndpointDeps } from '../core/endpoint.ts';
import { SeededRandom } from '../core/random.ts';
import type { SimContext } from '../core/sim-context.ts';
import { traceId } from '../core/sim-context.ts';
import { TokenIssuer } from '../core/token-issuer.ts';
import type { DeliveryAttempt } from '../core/webhook-delivery.ts';
import { graphError, graphHeaders, invalidParameter, missingObject, serverError, throttleError, tokenError } from './errors.ts';
import {
  ACCOUNT_METRICS,
  commentsAt,
  commentsBetween,
  createAccounts,
  DEPRECATED_METRICS,
  followersAt,
  graphTime,
  MEDIA_FIELDS,
  MEDIA_METRICS,
  mediaValue,
  USER_FIELDS,
} from './model.ts';
import type { InstagramAccount, InstagramComment, InstagramMedia } from './model.ts';
import { MetaUsage } from './usage.ts';
import { instagramWebhook, verifySubscription } from './webhooks.ts';
import type { InstagramField, VerificationResult } from './webhooks.ts';

export interface InstagramApp {
  appId: string;
  appSecret: string;
  verifyToken: string;
}

export interface InstagramCredential {
  igUserId: string;
  accessToken: string;
  accessExpiresAt: number;
  issuedAt: number;
}

const DEFAULT_MEDIA_FIELDS = ['id'];
const MAX_LIMIT = 100;
const MAX_BATCH = 50;
const MAX_INSIGHTS_SPAN_S = 30 * 86_400;

export class InstagramSimulator {
  readonly accounts: InstagramAccount[];
  readonly app: InstagramApp;
  readonly tokens: TokenIssuer;
  webhookUrl: string | null;
  readonly #context: SimContext;
  readonly #deps: EndpointDeps;
  readonly #usage = new MetaUsage();
  #pagesServed = 0;
  #pageRandom: SeededRandom;

  constructor(context: SimContext, options: { accounts: number; app: InstagramApp; webhookUrl: string | null }) {
    this.#context = context;
    this.app = options.app;
    this.webhookUrl = options.webhookUrl;
    this.accounts = createAccounts(context.seed, options.accounts, context.startTime, context.knobs.content);
    this.#pageRandom = new SeededRandom(context.seed, 'instagram', 'pages');
    this.tokens = new TokenIssuer(context.clock, new SeededRandom(context.seed, 'instagram', 'tokens'), {
      accessTtlMs: context.knobs.instagram.tokenTtlMs,
      refreshTtlMs: null,
      rotateRefresh: false,
      accessPrefix: 'IGAA',
      refreshPrefix: 'unused',
    });
    this.#deps = {
      platform: 'instagram',
      clock: context.clock,
      faults: context.faults,
      recorder: context.recorder,
      timestamps: { epochSeconds: ['time'], isoStrings: ['timestamp'] },
      faultResponses: {
        throttled: (fault, request) => {
          const account = this.tokens.checkAccess(bearerToken(request));
          const headers: Record<string, string> =
            fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
          if (fault.usageHeaders)
            Object.assign(
              headers,
              MetaUsage.saturated(account.ok ? account.accountId : null, Math.ceil((fault.retryAfterSeconds ?? 600) / 60)),
            );
          return throttleError(context.knobs.instagram.throttleStatus, fault.code ?? 4, headers);
        },
        serverError: (fault) => serverError(fault.status ?? 500),
      },
    };
  }

  issueCredential(
    igUserId: string,
    scopes = ['instagram_business_basic', 'instagram_business_manage_insights', 'instagram_business_manage_comments'],
  ): InstagramCredential {
    this.tokens.policy.accessTtlMs = this.#context.knobs.instagram.tokenTtlMs;
    const issued = this.tokens.issue(igUserId, scopes, false);
    return { igUserId, accessToken: issued.accessToken, accessExpiresAt: issued.accessExpiresAt, issuedAt: issued.issuedAt };
  }

  /** The GET Meta sends when a subscription is saved; ok when the receiver echoed the challenge. */
  verify(url = this.webhookUrl, verifyToken = this.app.verifyToken): Promise<VerificationResult> {
    if (url === null) throw new RangeError('No Instagram webhook URL configured.');
    const challenge = String(
      new SeededRandom(this.#context.seed, 'instagram', 'challenge', this.#context.clock.now()).int(100_000_000, 999_999_999),
    );
    return verifySubscription(url, verifyToken, challenge, this.#context.knobs.webhooks.timeoutMs);
  }

  deliver(url: string, accountId: string, field: InstagramField, value: Record<string, unknown>): Promise<DeliveryAttempt> {
    return this.#context.dispatcher.deliver(
      instagramWebhook({ url, appSecret: this.app.appSecret, accountId, field, value, time: this.#context.clock.now() }),
    );
  }

  /** A `comments` notification for the newest visible comment of a media (or a new synthetic one). */
  emitComment(mediaId: string, url = this.webhookUrl): Promise<DeliveryAttempt> {
    if (url === null) throw new RangeError('No Instagram webhook URL configured.');
    const now = this.#context.clock.now();
    const media = this.#findMedia(mediaId, now);
    if (!media) throw new RangeError(`No visible Instagram media ${mediaId}.`);
    const comment: InstagramComment = commentsAt(media, now).at(-1) ?? {
      id: `18${new SeededRandom(mediaId, 'webhook-comment', now).digits(15, '0123456789')}`,
      mediaId,
      text: 'First! 🎉',
      username: 'fan_first',
      fromId: '17841400000000001',
      publishedAt: now,
      likeCount: 0,
    };
    return this.deliver(url, media.ownerId, 'comments', {
      id: comment.id,
      from: { id: comment.fromId, username: comment.username },
      text: comment.text,
      media: { id: media.id, media_product_type: media.productType },
    });
  }

  emitMention(mediaId: string, commentId?: string, url = this.webhookUrl): Promise<DeliveryAttempt> {
    if (url === null) throw new RangeError('No Instagram webhook URL configured.');
    const media = this.#findMedia(mediaId, this.#context.clock.now());
    if (!media) throw new RangeError(`No visible Instagram media ${mediaId}.`);
    return this.deliver(url, media.ownerId, 'mentions', {
      media_id: mediaId,
      ...(commentId === undefined ? {} : { comment_id: commentId }),
    });
  }

  /** story_insights for each story that expired in (from, to]; comments for new comments on media published after the start. */
  async emitDue(from: number, to: number): Promise<void> {
    if (this.webhookUrl === null) return;
    const lifetime = this.#context.knobs.instagram.storyLifetimeMs;
    if (this.#context.knobs.instagram.commentWebhooks)
      for (const account of this.accounts)
        for (const media of account.media.publishedBetween(this.#context.startTime, to))
          for (const comment of commentsBetween(media, from, to))
            await this.deliver(this.webhookUrl, account.id, 'comments', {
              id: comment.id,
              from: { id: comment.fromId, username: comment.username },
              text: comment.text,
              media: { id: media.id, media_product_type: media.productType },
            });
    for (const account of this.accounts)
      for (const story of account.stories.publishedBetween(from - lifetime, to - lifetime)) {
        const at = story.publishedAt + lifetime;
        await this.deliver(this.webhookUrl, account.id, 'story_insights', {
          media_id: story.id,
          reach: mediaValue(story, 'reach', at),
          views: mediaValue(story, 'views', at),
          replies: mediaValue(story, 'replies', at),
          taps_forward: Math.floor(mediaValue(story, 'navigation', at) * 0.6),
          taps_back: Math.floor(mediaValue(story, 'navigation', at) * 0.1),
          exits: Math.floor(mediaValue(story, 'navigation', at) * 0.3),
        });
      }
  }

  handle = async (request: SimRequest): Promise<SimResponse> => {
    const parts = segments(request.path);
    if (parts[0] !== undefined && /^v\d+\.\d+$/.test(parts[0])) parts.shift();
    if (request.method === 'POST' && parts.length === 0)
      return runEndpoint(this.#deps, 'batch', request, (context) => this.#batch(context));
    if (request.method !== 'GET') return invalidParameter(`Unsupported ${request.method} request.`);
    if (parts.length === 1 && parts[0] === 'refresh_access_token')
      return runEndpoint(this.#deps, 'refresh_access_token', request, (context) => this.#refresh(context));
    const [id = '', edge] = parts;
    const endpoint = edge === undefined ? 'node' : edge;
    if (parts.length > 2 || (edge !== undefined && !['media', 'stories', 'insights', 'comments'].includes(edge)))
      return invalidParameter(`Unknown path components: /${parts.slice(1).join('/')}`);
    return runEndpoint(this.#deps, endpoint, request, (context) => this.#graph(context, id, edge));
  };

  #graph(context: EndpointContext, id: string, edge: string | undefined): SimResponse {
    const knobs = this.#context.knobs.instagram;
    const token = bearerToken(context.request);
    const auth = this.tokens.checkAccess(token);
    if (!auth.ok) {
      const expiredAt = auth.reason === 'expired' ? this.#expiry(token) : undefined;
      return tokenError(knobs.authErrorStatus, token === null ? 'missing' : auth.reason, knobs.expiredSubcode, expiredAt);
    }
    const usage = this.#usage.record(auth.accountId, context.now, knobs);
    if (usage.throttledBy)
      return throttleError(knobs.throttleStatus, usage.throttledBy === 'app' ? 4 : knobs.bucThrottleCode, usage.headers);
    const account = this.accounts.find((a) => a.id === auth.accountId);
    if (!account) return tokenError(knobs.authErrorStatus, 'unknown', knobs.expiredSubcode);
    const response = this.#route(context, account, id === 'me' ? account.id : id, edge);
    return { ...response, headers: { ...response.headers, ...usage.headers } };
  }

  #route(context: EndpointContext, account: InstagramAccount, id: string, edge: string | undefined): SimResponse {
    if (id === account.id) {
      if (edge === undefined) return this.#user(context, account);
      if (edge === 'media') return this.#mediaList(context, account);
      if (edge === 'stories') return this.#stories(context, account);
      if (edge === 'insights') return this.#accountInsights(context, account);
      return missingObject(`${id}/${edge}`);
    }
    const media = this.#findMedia(id, context.now, account);
    const story = media ?? this.#findExpiredStory(id, context.now, account);
    if (!story) return missingObject(id);
    if (edge === undefined)
      return media ? this.#ok(this.#renderMedia(context, media, this.#fields(context, DEFAULT_MEDIA_FIELDS))) : missingObject(id);
    if (edge === 'insights') return this.#mediaInsights(context, story, media === null);
    if (edge === 'comments' && media) return this.#comments(context, media);
    return missingObject(`${id}/${edge}`);
  }

  #fields(context: EndpointContext, defaults: string[]): string[] {
    const raw = context.request.query.get('fields');
    return raw === null
      ? defaults
      : raw
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean);
  }

  #ok(value: unknown): SimResponse {
    return jsonResponse(200, value, graphHeaders(traceId(11)));
  }

  #user(context: EndpointContext, account: InstagramAccount): SimResponse {
    const fields = this.#fields(context, ['id', 'username']);
    const unknown = fields.filter((f) => !USER_FIELDS.includes(f));
    if (unknown.length > 0) return invalidParameter(`Tried accessing nonexisting field (${unknown[0]}) on node type (IGUser)`);
    const all: Record<string, unknown> = {
      id: account.id,
      username: account.username,
      name: account.name,
      biography: account.biography,
      followers_count: followersAt(account, context.now),
      follows_count: account.followsCount,
      media_count: account.media.publishedBy(context.now).length,
      profile_picture_url: `https://scontent.cdninstagram.com/sim/${account.id}.jpg`,
      website: `https://example.com/${account.username}`,
    };
    const rendered = Object.fromEntries(fields.map((f) => [f, all[f]]));
    context.served.entity('account', account.id, account.id);
    context.served.metric('account', account.id, numbers(rendered));
    return this.#ok(rendered);
  }

  #renderMedia(context: EndpointContext, media: InstagramMedia, fields: string[]): Record<string, unknown> {
    const permalink = `https://www.instagram.com/${media.productType === 'REELS' ? 'reel' : media.productType === 'STORY' ? 'stories/' + media.username : 'p'}/${media.shortcode}/`;
    const all: Record<string, unknown> = {
      id: media.id,
      caption: media.productType === 'STORY' ? undefined : media.caption,
      media_type: media.mediaType,
      media_product_type: media.productType,
      media_url: media.mediaUrlHidden
        ? undefined
        : `https://scontent.cdninstagram.com/sim/${media.id}.${media.mediaType === 'VIDEO' ? 'mp4' : 'jpg'}`,
      permalink,
      shortcode: media.shortcode,
      thumbnail_url: media.mediaType === 'VIDEO' ? `https://scontent.cdninstagram.com/sim/${media.id}_thumb.jpg` : undefined,
      timestamp: graphTime(media.publishedAt),
      username: media.username,
      like_count: mediaValue(media, 'likes', context.now),
      comments_count: mediaValue(media, 'comments', context.now),
      is_comment_enabled: true,
      owner: { id: media.ownerId },
    };
    const rendered: Record<string, unknown> = {};
    for (const field of fields) if (all[field] !== undefined) rendered[field] = all[field];
    if (!('id' in rendered)) rendered.id = media.id; // Graph always returns the id
    context.served.entity(media.productType === 'STORY' ? 'story' : 'media', media.id, media.ownerId);
    context.served.metric(media.productType === 'STORY' ? 'story' : 'media', media.id, numbers(rendered));
    return rendered;
  }

  #mediaList(context: EndpointContext, account: InstagramAccount): SimResponse {
    const fields = this.#fields(context, DEFAULT_MEDIA_FIELDS);
    const unknown = fields.filter((f) => !MEDIA_FIELDS.includes(f));
    if (unknown.length > 0) return invalidParameter(`Tried accessing nonexisting field (${unknown[0]}) on node type (IGMedia)`);
    const newestFirst = account.media.publishedBy(context.now).reverse();
    return this.#page(
      context,
      newestFirst,
      (m) => String(m.publishedAt),
      (m) => this.#renderMedia(context, m, fields),
      `${account.id}/media`,
    );
  }

  #stories(context: EndpointContext, account: InstagramAccount): SimResponse {
    const fields = this.#fields(context, DEFAULT_MEDIA_FIELDS);
    const lifetime = this.#context.knobs.instagram.storyLifetimeMs;
    const live = account.stories
      .publishedBy(context.now)
      .filter((s) => s.publishedAt + lifetime > context.now)
      .reverse();
    const data = live.map((story) => this.#renderMedia(context, story, fields));
    const first = live[0];
    const last = live.at(-1);
    return this.#ok({
      data,
      ...(first && last
        ? { paging: { cursors: { before: cursor(String(first.publishedAt)), after: cursor(String(last.publishedAt)) } } }
        : {}),
    });
  }

  #comments(context: EndpointContext, media: InstagramMedia): SimResponse {
    const fields = this.#fields(context, ['id', 'text', 'timestamp']);
    const comments = commentsAt(media, context.now).reverse();
    return this.#page(
      context,
      comments,
      (c) => `${c.publishedAt}:${c.id}`,
      (c) => {
        const all: Record<string, unknown> = {
          id: c.id,
          text: c.text,
          timestamp: graphTime(c.publishedAt),
          username: c.username,
          like_count: c.likeCount,
          from: { id: c.fromId, username: c.username },
          media: { id: c.mediaId },
        };
        context.served.entity('comment', c.id, media.ownerId);
        return Object.fromEntries(fields.filter((f) => f in all).map((f) => [f, all[f]]));
      },
      `${media.id}/comments`,
    );
  }

  /** Cursor paging over a newest-first list; `key` is the item's position, encoded in the opaque cursor. */
  #page<T>(
    context: EndpointContext,
    items: T[],
    key: (item: T) => string,
    render: (item: T) => Record<string, unknown>,
    path: string,
  ): SimResponse {
    const knobs = this.#context.knobs.instagram;
    const query = context.request.query;
    const limitParam = Number(query.get('limit') ?? 25);
    if (!Number.isInteger(limitParam) || limitParam < 1) return invalidParameter('limit must be a positive integer');
    const limit = Math.min(limitParam, MAX_LIMIT);
    const after = query.get('after');
    const afterKey = after === null ? null : decodeCursor(after);
    if (after !== null && afterKey === null) return invalidParameter('Invalid cursor');
    const start = afterKey === null ? 0 : items.findIndex((item) => compareKeys(key(item), afterKey) < 0);
    const remaining = start < 0 ? [] : items.slice(start);
    this.#pagesServed += 1;

    const link = (afterCursor: string): string => {
      const next = new URL(`${context.request.baseUrl}/${knobs.apiVersion}/${path}`);
      for (const [name, value] of query) if (name !== 'after' && name !== 'before') next.searchParams.set(name, value);
      next.searchParams.set('after', afterCursor);
      return next.toString();
    };
    const emptyByKnob = knobs.emptyPageEvery > 0 && this.#pagesServed % knobs.emptyPageEvery === 0;
    if (remaining.length > 0 && (emptyByKnob || context.pageFault('empty-page'))) {
      // Empty, yet `next` continues from the same position: stopping here would lose the rest.
      const here = after ?? cursor(key(remaining[0]!) + '~');
      return this.#ok({ data: [], paging: { cursors: { before: here, after: here }, next: link(here) } });
    }
    const huge = context.pageFault('huge-page');
    let size = huge ? (huge.items ?? 1000) : limit;
    if (!huge && size > 1 && this.#pageRandom.chance(knobs.shortPageProbability)) size = this.#pageRandom.int(1, size - 1);
    const page = remaining.slice(0, size);
    const data = page.map(render);
    const body: Record<string, unknown> = { data };
    if (page.length > 0) {
      const before = cursor(key(page[0]!));
      const afterCursor = cursor(key(page.at(-1)!));
      const repeat = after !== null ? context.pageFault('repeat-cursor') : null;
      const paging: Record<string, unknown> = { cursors: { before, after: repeat ? after : afterCursor } };
      if (remaining.length > page.length) paging.next = link(repeat && after !== null ? after : afterCursor);
      if (after !== null) paging.previous = `${link(before).replace('after=', 'before=')}`;
      body.paging = paging;
    }
    const response = this.#ok(body);
    return huge ? { ...response, body: padBody(response.body.toString(), huge.bytes ?? 8 * 1024 * 1024) } : response;
  }

  #mediaInsights(context: EndpointContext, media: InstagramMedia, expired: boolean): SimResponse {
    const knobs = this.#context.knobs.instagram;
    const raw = context.request.query.get('metric');
    if (!raw) return invalidParameter('The parameter metric is required');
    const metrics = raw
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    const deprecated = metrics.find((m) => DEPRECATED_METRICS.includes(m));
    if (deprecated)
      return invalidParameter(
        `Starting from version v22.0 and for all versions starting April 21, 2025, the ${deprecated} metric is no longer supported. Please use views instead.`,
      );
    const allowed = MEDIA_METRICS[media.productType];
    const unsupported = metrics.find((m) => !allowed.includes(m));
    if (unsupported)
      return invalidParameter(`The Media Insights API does not support the ${unsupported} metric for this media product type.`);
    if (expired) return knobs.expiredStoryInsights === 'error' ? missingObject(`${media.id}/insights`) : this.#ok({ data: [] });
    if (context.now - media.publishedAt < knobs.insightsAvailableAfterMs) return this.#ok({ data: [] });
    if (mediaValue(media, 'reach', context.now) < knobs.minReachForInsights)
      return graphError(400, { message: '(#10) Not enough viewers for the media to show insights', type: 'OAuthException', code: 10 });
    const values: Record<string, number> = {};
    const data = metrics.map((name) => {
      const value = mediaValue(media, name, context.now);
      values[name] = value;
      return {
        name,
        period: 'lifetime',
        values: [{ value }],
        title: title(name),
        description: `Simulated ${name}.`,
        id: `${media.id}/insights/${name}/lifetime`,
      };
    });
    context.served.entity(media.productType === 'STORY' ? 'story' : 'media', media.id, media.ownerId);
    context.served.metric(media.productType === 'STORY' ? 'story-insights' : 'media-insights', media.id, values);
    return this.#ok({ data });
  }

  #accountInsights(context: EndpointContext, account: InstagramAccount): SimResponse {
    const query = context.request.query;
    const raw = query.get('metric');
    if (!raw) return invalidParameter('The parameter metric is required');
    const metrics = raw
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    const deprecated = metrics.find((m) => DEPRECATED_METRICS.includes(m));
    if (deprecated)
      return invalidParameter(
        `Starting from version v22.0 and for all versions starting April 21, 2025, the ${deprecated} metric is no longer supported. Please use views instead.`,
      );
    const unknown = metrics.find((m) => !ACCOUNT_METRICS.includes(m));
    if (unknown) return invalidParameter(`metric[0] must be one of the following values: ${ACCOUNT_METRICS.join(', ')}`);
    const period = query.get('period') ?? 'day';
    const until = Number(query.get('until') ?? Math.floor(context.now / 1000));
    const since = Number(query.get('since') ?? until - 86_400);
    if (!Number.isFinite(since) || !Number.isFinite(until) || since >= until)
      return invalidParameter('since must be before until (Unix seconds)');
    if (until - since > MAX_INSIGHTS_SPAN_S)
      return invalidParameter('There cannot be more than 30 days (2592000 s) between since and until');
    const from = since * 1000;
    const to = Math.min(until * 1000, context.now);
    const media = [...account.media.publishedBy(to), ...account.stories.publishedBy(to)];
    const delta = (metric: string): number =>
      media.reduce((sum, m) => sum + Math.max(0, mediaValue(m, metric, to) - mediaValue(m, metric, from)), 0);
    const values: Record<string, number> = {};
    const data = metrics.map((name) => {
      const value =
        name === 'follower_count'
          ? followersAt(account, to) - followersAt(account, from)
          : name === 'accounts_engaged'
            ? Math.floor(delta('reach') * 0.1)
            : delta(name === 'saves' ? 'saved' : name);
      values[name] = value;
      return {
        name,
        period,
        title: title(name),
        description: `Simulated ${name}.`,
        total_value: { value },
        id: `${account.id}/insights/${name}/${period}`,
      };
    });
    context.served.entity('account', account.id, account.id);
    context.served.metric('account-insights', account.id, values);
    return this.#ok({ data });
  }

  async #batch(context: EndpointContext): Promise<SimResponse> {
    const request = context.request;
    const form = request.headers['content-type']?.includes('json') ? null : formParams(request);
    const json = form === null ? (jsonBody(request) as Record<string, unknown> | undefined) : undefined;
    const rawBatch =
      request.query.get('batch') ??
      form?.get('batch') ??
      (json?.batch === undefined ? null : typeof json.batch === 'string' ? json.batch : JSON.stringify(json.batch));
    const token =
      request.query.get('access_token') ??
      form?.get('access_token') ??
      (typeof json?.access_token === 'string' ? json.access_token : null) ??
      bearerToken(request);
    const includeHeaders = (request.query.get('include_headers') ?? form?.get('include_headers') ?? 'true') !== 'false';
    let items: unknown;
    try {
      items = rawBatch === null ? null : JSON.parse(rawBatch);
    } catch {
      items = null;
    }
    if (!Array.isArray(items)) return invalidParameter('The parameter batch is required and must be a JSON array');
    if (items.length > MAX_BATCH) return invalidParameter('Too many requests in batch message. Maximum batch size is 50');
    const results = [];
    for (const item of items as { method?: string; relative_url?: string }[]) {
      const method = (item.method ?? 'GET').toUpperCase();
      const relative = new URL(`http://batch/${(item.relative_url ?? '').replace(/^\//, '')}`);
      if (!relative.searchParams.has('access_token') && token !== null) relative.searchParams.set('access_token', token);
      const answer = await this.handle({
        method,
        path: relative.pathname,
        query: relative.searchParams,
        headers: {},
        body: Buffer.alloc(0),
        baseUrl: request.baseUrl,
      });
      if (answer.hang) {
        results.push(null);
        continue;
      }
      results.push({
        code: answer.status,
        ...(includeHeaders ? { headers: Object.entries(answer.headers).map(([name, value]) => ({ name, value })) } : {}),
        body: answer.body.toString(),
      });
    }
    return this.#ok(results);
  }

  #refresh(context: EndpointContext): SimResponse {
    const knobs = this.#context.knobs.instagram;
    const query = context.request.query;
    if (query.get('grant_type') !== 'ig_refresh_token') return invalidParameter('grant_type must be ig_refresh_token');
    this.tokens.policy.accessTtlMs = knobs.tokenTtlMs;
    const token = query.get('access_token');
    const result = this.tokens.refreshAccess(token, knobs.refreshMinAgeMs);
    if (!result.ok) {
      if (result.reason === 'too-young') return invalidParameter('The access token must be at least 24 hours old to be refreshed');
      return tokenError(
        knobs.authErrorStatus,
        result.reason === 'expired' ? 'expired' : result.reason === 'revoked' ? 'revoked' : 'unknown',
        knobs.expiredSubcode,
        this.#expiry(token),
      );
    }
    return this.#ok({
      access_token: result.accessToken,
      token_type: 'bearer',
      expires_in: Math.round((result.accessExpiresAt - context.now) / 1000),
    });
  }

  #expiry(token: string | null): number | undefined {
    return token === null ? undefined : this.#context.clock.now();
  }

  #findMedia(id: string, now: number, account?: InstagramAccount): InstagramMedia | null {
    const lifetime = this.#context.knobs.instagram.storyLifetimeMs;
    for (const candidate of account ? [account] : this.accounts) {
      const media = candidate.media.publishedBy(now).find((m) => m.id === id);
      if (media) return media;
      const story = candidate.stories.publishedBy(now).find((s) => s.id === id && s.publishedAt + lifetime > now);
      if (story) return story;
    }
    return null;
  }

  #findExpiredStory(id: string, now: number, account: InstagramAccount): InstagramMedia | null {
    return account.stories.publishedBy(now).find((s) => s.id === id) ?? null;
  }
}

function cursor(key: string): string {
  return Buffer.from(`sim:${key}`).toString('base64url');
}

function decodeCursor(text: string): string | null {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  return decoded.startsWith('sim:') ? decoded.slice(4) : null;
}

/** Keys are `<ms>` or `<ms>:<id>`; newest first means descending. A trailing `~` sorts just above its base. */
function compareKeys(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function numbers(values: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
}

function title(metric: string): string {
  return metric.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());
}
