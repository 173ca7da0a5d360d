// YouTube simulator (base `<origin>/youtube`):
//   Data API v3 at /youtube/v3 (real https://www.googleapis.com/youtube/v3):
//     channels.list (part, id | mine), playlistItems.list (playlistId, maxResults ≤ 50, pageToken;
//     a new etag on every call), videos.list (id ≤ 50, unknown ids silently missing, statistics as
//     strings, If-None-Match → 304), commentThreads.list (videoId | allThreadsRelatedToChannelId,
//     maxResults ≤ 100). Quota: dailyQuotaUnits per day, 1 unit per list call (also invalid ones),
//     reset at midnight quotaTimeZone; exhausted → 403 quotaExceeded.
//   Analytics v2 at /analytics/v2/reports (real https://youtubeanalytics.googleapis.com/v2/reports).
//   WebSub hub at /websub/subscribe.
// Google OAuth token endpoint: <origin>/google/oauth2/token (real https://oauth2.googleapis.com/token).
import { padBody } from '../core/body-faults.ts';
import { bearerToken, formParams, jsonResponse, segments } from '../core/exchange.ts';
import type { SimRequest, SimResponse } from '../core/exchange.ts';
import { runEndpoint } from '../core/endpoint.ts';
import type { EndpointContext, EndpointDeps } from '../core/endpoint.ts';
import { SeededRandom } from '../core/random.ts';
import type { SimContext } from '../core/sim-context.ts';
import { TokenIssuer } from '../core/token-issuer.ts';
import { parseReportQuery, runReport } from './analytics.ts';
import {
  analyticsNotSupported,
  authError,
  backendError,
  badParameter,
  googleError,
  invalidPageToken,
  quotaExceeded,
  rateLimitExceeded,
} from './errors.ts';
import { commentsAt, createChannels, etagOf, isoDuration, rfc3339, videoStatistics } from './model.ts';
import type { YouTubeChannel, YouTubeVideo } from './model.ts';
import { DailyQuota, nextZonedMidnight } from './quota.ts';
import { WebSubHub } from './websub.ts';

export interface GoogleApp {
  clientId: string;
  clientSecret: string;
  apiKey: string;
}

export interface YouTubeCredential {
  channelId: string;
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: number;
  scopes: string[];
}

const DATA_ENDPOINTS: Record<string, string> = {
  channels: 'channels.list',
  playlistItems: 'playlistItems.list',
  videos: 'videos.list',
  commentThreads: 'commentThreads.list',
};
const METHOD_COST: Record<string, number> = { 'channels.list': 1, 'playlistItems.list': 1, 'videos.list': 1, 'commentThreads.list': 1 };
const SCOPES = ['https://www.googleapis.com/auth/youtube.readonly', 'https://www.googleapis.com/auth/yt-analytics.readonly'];
const THUMB = (id: string): Record<string, unknown> => ({
  default: { url: `https://i.ytimg.com/vi/${id}/default.jpg`, width: 120, height: 90 },
});

export class YouTubeSimulator {
  readonly channels: YouTubeChannel[];
  readonly app: GoogleApp;
  readonly tokens: TokenIssuer;
  readonly hub: WebSubHub;
  readonly quota = new DailyQuota();
  readonly #context: SimContext;
  readonly #deps: EndpointDeps;
  readonly #random: SeededRandom;
  #deleted = new Set<string>();
  #titles = new Map<string, string>();
  #calls = 0;
  #origin = '';

  constructor(context: SimContext, options: { accounts: number; app: GoogleApp }) {
    this.#context = context;
    this.app = options.app;
    this.channels = createChannels(
      context.seed,
      options.accounts,
      context.startTime,
      context.knobs.content,
      context.knobs.youtube.shortsMaxSeconds,
    );
    this.#random = new SeededRandom(context.seed, 'youtube', 'responses');
    this.tokens = new TokenIssuer(context.clock, new SeededRandom(context.seed, 'youtube', 'tokens'), {
      accessTtlMs: context.knobs.youtube.accessTokenTtlMs,
      refreshTtlMs: context.knobs.youtube.refreshTokenTtlMs > 0 ? context.knobs.youtube.refreshTokenTtlMs : null,
      rotateRefresh: false,
      accessPrefix: 'ya29.',
      refreshPrefix: '1//',
    });
    this.hub = new WebSubHub(context, () => `${this.#origin}/youtube/websub/subscribe`);
    this.#deps = {
      platform: 'youtube',
      clock: context.clock,
      faults: context.faults,
      recorder: context.recorder,
      timestamps: { epochSeconds: [], isoStrings: ['publishedAt', 'videoPublishedAt', 'updatedAt'] },
      faultResponses: {
        throttled: (fault) =>
          rateLimitExceeded(
            fault.status ?? 403,
            fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
          ),
        serverError: (fault) => backendError(fault.status ?? 500),
      },
    };
  }

  setOrigin(origin: string): void {
    this.#origin = origin;
  }

  issueCredential(channelId: string, scopes = SCOPES): YouTubeCredential {
    this.#syncPolicy();
    const issued = this.tokens.issue(channelId, scopes);
    return {
      channelId,
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken ?? '',
      accessExpiresAt: issued.accessExpiresAt,
      scopes,
    };
  }

  quotaStatus(): { used: number; limit: number; resetsAt: number } {
    const now = this.#context.clock.now();
    const knobs = this.#context.knobs.youtube;
    return {
      used: this.quota.used(now, knobs.quotaTimeZone),
      limit: knobs.dailyQuotaUnits,
      resetsAt: nextZonedMidnight(now, knobs.quotaTimeZone),
    };
  }

  /** Removes a video from the API and pushes an at:deleted-entry to subscribers. */
  async deleteVideo(videoId: string): Promise<void> {
    const video = this.#video(videoId);
    this.#deleted.add(videoId);
    await this.hub.notifyDeleted(video);
  }

  async changeTitle(videoId: string, title: string): Promise<void> {
    const video = this.#video(videoId);
    this.#titles.set(videoId, title);
    await this.hub.notifyVideo(video, title, 'update');
  }

  /** WebSub upload notifications for videos published in (from, to]. */
  async emitDue(from: number, to: number): Promise<void> {
    for (const channel of this.channels)
      for (const video of channel.videos.publishedBetween(Math.max(from, this.#context.startTime), to))
        await this.hub.notifyVideo(video, this.#title(video), 'upload');
  }

  handle = async (request: SimRequest): Promise<SimResponse> => {
    const parts = segments(request.path);
    if (parts[0] === 'websub' && parts[1] === 'subscribe') return this.hub.handle(request);
    if (parts[0] === 'analytics' && parts[1] === 'v2' && parts[2] === 'reports' && parts.length === 3)
      return runEndpoint(this.#deps, 'analytics.reports', request, (context) => this.#analytics(context));
    if (parts[0] === 'youtube' && parts[1] === 'v3' && parts.length === 3) {
      const endpoint = DATA_ENDPOINTS[parts[2] ?? ''];
      if (endpoint && request.method === 'GET') return runEndpoint(this.#deps, endpoint, request, (context) => this.#data(context));
    }
    return googleError(404, 'Not Found', [{ message: 'Not Found', domain: 'global', reason: 'notFound' }]);
  };

  /** Google OAuth 2.0 token endpoint: refresh_token grant. */
  handleGoogle = async (request: SimRequest): Promise<SimResponse> => {
    const parts = segments(request.path);
    const path = parts.join('/');
    if (request.method !== 'POST' || (path !== 'oauth2/token' && path !== 'token' && path !== 'oauth2/v4/token'))
      return jsonResponse(404, { error: 'not_found', error_description: `No endpoint ${request.method} /${path}` });
    return runEndpoint(this.#deps, 'oauth.token', request, (context) => {
      const form = formParams(context.request);
      if (form.get('client_id') !== this.app.clientId || form.get('client_secret') !== this.app.clientSecret)
        return jsonResponse(401, { error: 'invalid_client', error_description: 'Unauthorized' });
      if (form.get('grant_type') !== 'refresh_token')
        return jsonResponse(400, {
          error: 'unsupported_grant_type',
          error_description: 'Invalid grant_type: ' + String(form.get('grant_type')),
        });
      this.#syncPolicy();
      const result = this.tokens.refresh(form.get('refresh_token'));
      if (!result.ok)
        return jsonResponse(400, {
          error: 'invalid_grant',
          error_description: result.reason === 'unknown' ? 'Bad Request' : 'Token has been expired or revoked.',
        });
      return jsonResponse(200, {
        access_token: result.accessToken,
        expires_in: Math.round((result.accessExpiresAt - context.now) / 1000),
        scope: result.scopes.join(' '),
        token_type: 'Bearer',
      });
    });
  };

  /** Revokes a channel's grant (refresh and access tokens die; refresh → invalid_grant). */
  revokeGrant(channelId: string): void {
    this.tokens.revokeAccount(channelId);
  }

  #syncPolicy(): void {
    const knobs = this.#context.knobs.youtube;
    this.tokens.policy.accessTtlMs = knobs.accessTokenTtlMs;
    this.tokens.policy.refreshTtlMs = knobs.refreshTokenTtlMs > 0 ? knobs.refreshTokenTtlMs : null;
  }

  #video(videoId: string): YouTubeVideo {
    const now = this.#context.clock.now();
    for (const channel of this.channels) {
      const video = channel.videos.publishedBy(now).find((v) => v.id === videoId);
      if (video) return video;
    }
    throw new RangeError(`No published YouTube video ${videoId}.`);
  }

  #title(video: YouTubeVideo): string {
    return this.#titles.get(video.id) ?? video.title;
  }

  #visible(channel: YouTubeChannel, now: number): YouTubeVideo[] {
    return channel.videos.publishedBy(now).filter((v) => !this.#deleted.has(v.id));
  }

  /** Quota, short-term throttling and auth, then the method; the request is charged whatever the answer. */
  #data(context: EndpointContext): SimResponse {
    const knobs = this.#context.knobs.youtube;
    const zone = knobs.quotaTimeZone;
    if (this.quota.exhausted(context.now, zone, knobs.dailyQuotaUnits)) return quotaExceeded();
    const response = this.#method(context);
    this.quota.charge(response.status === 304 ? knobs.notModifiedCost : (METHOD_COST[context.endpoint] ?? 1), context.now, zone);
    return response;
  }

  #method(context: EndpointContext): SimResponse {
    const knobs = this.#context.knobs.youtube;
    if (this.#random.chance(knobs.rateLimitExceededProbability)) return rateLimitExceeded();
    const query = context.request.query;
    const token = bearerToken(context.request);
    const key = query.get('key');
    let channelId: string | null = null;
    if (token !== null) {
      const auth = this.tokens.checkAccess(token);
      if (!auth.ok) return authError(false);
      channelId = auth.accountId;
    } else if (key !== this.app.apiKey) {
      return key === null ? authError(true) : badParameter('key', 'API key not valid. Please pass a valid API key.', 'keyInvalid');
    }
    const part = query.get('part');
    if (!part) return badParameter('part', 'No filter selected. Expected one of: part', 'required');
    const parts = part.split(',').map((p) => p.trim());
    switch (context.endpoint) {
      case 'channels.list':
        return this.#channels(context, parts, channelId);
      case 'playlistItems.list':
        return this.#playlistItems(context, parts);
      case 'videos.list':
        return this.#videos(context, parts);
      default:
        return this.#commentThreads(context, parts);
    }
  }

  #unknownPart(parts: string[], allowed: string[]): SimResponse | null {
    const unknown = parts.find((p) => !allowed.includes(p));
    return unknown === undefined ? null : badParameter('part', `'${unknown}'`, 'unknownPart');
  }

  #maxResults(context: EndpointContext, fallback: number, max: number): number | SimResponse {
    const raw = context.request.query.get('maxResults');
    const value = raw === null ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > max)
      return badParameter('maxResults', `Invalid value '${raw}'. Values must be within the range: [0, ${max}]`, 'invalidValue');
    return value;
  }

  #list(kind: string, items: unknown[], extra: Record<string, unknown>, totalResults: number, perPage: number, etag: string): SimResponse {
    return jsonResponse(
      200,
      { kind: `youtube#${kind}ListResponse`, etag, ...extra, pageInfo: { totalResults, resultsPerPage: perPage }, items },
      { etag: `"${etag}"` },
    );
  }

  #channels(context: EndpointContext, parts: string[], tokenChannel: string | null): SimResponse {
    const bad = this.#unknownPart(parts, ['id', 'snippet', 'statistics', 'contentDetails']);
    if (bad) return bad;
    const query = context.request.query;
    let wanted: string[];
    if (query.get('mine') === 'true') {
      if (tokenChannel === null) return authError(true);
      wanted = [tokenChannel];
    } else if (query.get('id')) wanted = (query.get('id') ?? '').split(',');
    else
      return badParameter(
        'id',
        'No filter selected. Expected one of: forHandle, forUsername, id, managedByMe, mine',
        'missingRequiredParameter',
      );
    if (wanted.length > 50) return badParameter('id', 'Too many ids (at most 50).', 'invalidValue');
    const items = this.channels
      .filter((c) => wanted.includes(c.id))
      .map((channel) => {
        const videos = this.#visible(channel, context.now);
        const views = videos.reduce((sum, v) => sum + Number(videoStatistics(v, context.now).viewCount), 0);
        const all: Record<string, unknown> = {
          snippet: {
            title: channel.title,
            description: channel.description,
            customUrl: channel.customUrl,
            publishedAt: rfc3339(channel.publishedAt),
            thumbnails: THUMB(channel.id),
          },
          statistics: {
            viewCount: String(views),
            subscriberCount: String(channel.subscriberBase + Math.floor(views / 300)),
            hiddenSubscriberCount: false,
            videoCount: String(videos.length),
          },
          contentDetails: { relatedPlaylists: { likes: '', uploads: channel.uploadsPlaylistId } },
        };
        const item: Record<string, unknown> = { kind: 'youtube#channel', id: channel.id };
        for (const p of parts) if (p !== 'id') item[p] = all[p];
        item.etag = etagOf(item);
        context.served.entity('channel', channel.id, channel.id);
        if (item.statistics) context.served.metric('channel', channel.id, all.statistics as Record<string, string>);
        return item;
      });
    return this.#list('channel', items, {}, items.length, items.length, etagOf(items));
  }

  #playlistItems(context: EndpointContext, parts: string[]): SimResponse {
    const bad = this.#unknownPart(parts, ['id', 'snippet', 'contentDetails', 'status']);
    if (bad) return bad;
    const playlistId = context.request.query.get('playlistId');
    if (!playlistId) return badParameter('playlistId', 'No filter selected. Expected one of: id, playlistId', 'missingRequiredParameter');
    const channel = this.channels.find((c) => c.uploadsPlaylistId === playlistId);
    if (!channel)
      return googleError(404, "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.", [
        {
          message: "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.",
          domain: 'youtube.playlistItem',
          reason: 'playlistNotFound',
          location: 'playlistId',
          locationType: 'parameter',
        },
      ]);
    const maxResults = this.#maxResults(context, 5, 50);
    if (typeof maxResults !== 'number') return maxResults;
    const videos = this.#visible(channel, context.now).reverse();
    const offset = this.#pageOffset(context, playlistId);
    if (offset === null) return invalidPageToken();
    let pageSize = maxResults;
    const huge = context.pageFault('huge-page');
    if (huge) pageSize = huge.items ?? 1000;
    let page = videos.slice(offset, offset + pageSize);
    if (context.pageFault('empty-page')) page = [];
    let nextOffset = offset + page.length;
    const pageToken = context.request.query.get('pageToken');
    if (pageToken !== null && context.pageFault('repeat-cursor')) nextOffset = offset;
    const items = page.map((video, i) => {
      const all: Record<string, unknown> = {
        snippet: {
          publishedAt: rfc3339(video.publishedAt),
          channelId: channel.id,
          title: this.#title(video),
          description: video.description,
          thumbnails: THUMB(video.id),
          channelTitle: channel.title,
          playlistId,
          position: offset + i,
          resourceId: { kind: 'youtube#video', videoId: video.id },
          videoOwnerChannelTitle: channel.title,
          videoOwnerChannelId: channel.id,
        },
        contentDetails: { videoId: video.id, videoPublishedAt: rfc3339(video.publishedAt) },
        status: { privacyStatus: 'public' },
      };
      const item: Record<string, unknown> = {
        kind: 'youtube#playlistItem',
        etag: etagOf([video.id, this.#calls]),
        id: Buffer.from(`${playlistId}.${video.id}`).toString('base64url'),
      };
      for (const p of parts) if (p !== 'id') item[p] = all[p];
      context.served.entity('video', video.id, channel.id);
      return item;
    });
    const extra: Record<string, unknown> = {};
    if (nextOffset < videos.length && (page.length > 0 || nextOffset === offset))
      extra.nextPageToken = encodePageToken(playlistId, nextOffset);
    if (offset > 0) extra.prevPageToken = encodePageToken(playlistId, Math.max(0, offset - maxResults));
    const jitter = this.#context.knobs.youtube.totalResultsJitter;
    const total = Math.max(0, Math.round(videos.length * (1 + this.#random.float(-jitter, jitter))));
    // A new etag on every call, as the real playlistItems.list does.
    const response = this.#list('playlistItem', items, extra, total, maxResults, etagOf([playlistId, offset, ++this.#calls]));
    return huge ? { ...response, body: padBody(response.body.toString(), huge.bytes ?? 8 * 1024 * 1024) } : response;
  }

  #pageOffset(context: EndpointContext, scope: string): number | null {
    const token = context.request.query.get('pageToken');
    if (token === null || token === '') return 0;
    return decodePageToken(token, scope);
  }

  #videos(context: EndpointContext, parts: string[]): SimResponse {
    const bad = this.#unknownPart(parts, ['id', 'snippet', 'contentDetails', 'statistics', 'status', 'liveStreamingDetails']);
    if (bad) return bad;
    const ids = (context.request.query.get('id') ?? '').split(',').filter(Boolean);
    if (ids.length === 0) return badParameter('id', 'No filter selected. Expected one of: chart, id, myRating', 'missingRequiredParameter');
    if (ids.length > 50) return badParameter('id', 'The request specifies more than 50 video ids.', 'invalidValue');
    const byId = new Map(this.channels.flatMap((c) => this.#visible(c, context.now)).map((v) => [v.id, v]));
    const videos = [...new Set(ids)].map((id) => byId.get(id)).filter((v) => v !== undefined);
    const items = videos.map((video) => {
      const statistics = videoStatistics(video, context.now);
      const all: Record<string, unknown> = {
        snippet: {
          publishedAt: rfc3339(video.publishedAt),
          channelId: video.channelId,
          title: this.#title(video),
          description: video.description,
          thumbnails: THUMB(video.id),
          channelTitle: video.channelTitle,
          categoryId: '22',
          liveBroadcastContent: 'none',
        },
        contentDetails: {
          duration: isoDuration(video.durationSeconds),
          dimension: '2d',
          definition: 'hd',
          caption: 'false',
          licensedContent: false,
          projection: 'rectangular',
        },
        statistics,
        status: {
          uploadStatus: 'processed',
          privacyStatus: 'public',
          license: 'youtube',
          embeddable: true,
          publicStatsViewable: true,
          madeForKids: false,
        },
        liveStreamingDetails:
          video.kind === 'live'
            ? { actualStartTime: rfc3339(video.publishedAt), actualEndTime: rfc3339(video.publishedAt + video.durationSeconds * 1000) }
            : undefined,
      };
      const item: Record<string, unknown> = { kind: 'youtube#video', id: video.id };
      for (const p of parts) if (p !== 'id' && all[p] !== undefined) item[p] = all[p];
      item.etag = etagOf(item);
      return { video, item, statistics };
    });
    const etag = etagOf(items.map((i) => i.item));
    const ifNoneMatch = context.request.headers['if-none-match']?.replaceAll('"', '').trim();
    if (ifNoneMatch === etag) return { status: 304, headers: { etag: `"${etag}"` }, body: '' };
    for (const { video, statistics } of items) {
      context.served.entity('video', video.id, video.channelId);
      if (parts.includes('statistics')) context.served.metric('video', video.id, statistics);
    }
    return this.#list(
      'video',
      items.map((i) => i.item),
      {},
      items.length,
      items.length,
      etag,
    );
  }

  #commentThreads(context: EndpointContext, parts: string[]): SimResponse {
    const bad = this.#unknownPart(parts, ['id', 'snippet', 'replies']);
    if (bad) return bad;
    const query = context.request.query;
    const videoId = query.get('videoId');
    const channelId = query.get('allThreadsRelatedToChannelId');
    if (!videoId && !channelId)
      return badParameter(
        'videoId',
        'No filter selected. Expected one of: allThreadsRelatedToChannelId, id, videoId',
        'missingRequiredParameter',
      );
    const maxResults = this.#maxResults(context, 20, 100);
    if (typeof maxResults !== 'number') return maxResults;
    const videos = this.channels
      .flatMap((c) => this.#visible(c, context.now))
      .filter((v) => (videoId ? v.id === videoId : v.channelId === channelId));
    if (videoId && videos.length === 0)
      return googleError(
        404,
        'The video identified by the <code><a href="/youtube/v3/docs/commentThreads/list#videoId">videoId</a></code> parameter could not be found.',
        [
          {
            message: 'The video identified by the videoId parameter could not be found.',
            domain: 'youtube.commentThread',
            reason: 'videoNotFound',
            location: 'videoId',
            locationType: 'parameter',
          },
        ],
      );
    const comments = videos
      .flatMap((v) => commentsAt(v, context.now))
      .sort((a, b) => b.publishedAt - a.publishedAt || (a.id < b.id ? 1 : -1));
    const scope = videoId ?? channelId ?? '';
    const offset = this.#pageOffset(context, scope);
    if (offset === null) return invalidPageToken();
    const page = comments.slice(offset, offset + maxResults);
    const items = page.map((comment) => {
      const snippet = {
        authorDisplayName: comment.author,
        authorChannelUrl: `https://www.youtube.com/${comment.author}`,
        textDisplay: comment.text,
        textOriginal: comment.text,
        likeCount: comment.likeCount,
        publishedAt: rfc3339(comment.publishedAt),
        updatedAt: rfc3339(comment.publishedAt),
        videoId: comment.videoId,
        channelId: comment.channelId,
        canRate: true,
        viewerRating: 'none',
      };
      const topLevelComment = { kind: 'youtube#comment', etag: etagOf(snippet), id: comment.id, snippet };
      const item: Record<string, unknown> = { kind: 'youtube#commentThread', etag: etagOf([comment.id, snippet]), id: comment.id };
      if (parts.includes('snippet'))
        item.snippet = {
          channelId: comment.channelId,
          videoId: comment.videoId,
          topLevelComment,
          canReply: true,
          totalReplyCount: 0,
          isPublic: true,
        };
      context.served.entity('comment', comment.id, comment.channelId);
      return item;
    });
    const extra: Record<string, unknown> = {};
    if (offset + page.length < comments.length) extra.nextPageToken = encodePageToken(scope, offset + page.length);
    return jsonResponse(200, {
      kind: 'youtube#commentThreadListResponse',
      etag: etagOf(items),
      ...extra,
      pageInfo: { totalResults: page.length, resultsPerPage: maxResults },
      items,
    });
  }

  #analytics(context: EndpointContext): SimResponse {
    const auth = this.tokens.checkAccess(bearerToken(context.request));
    if (!auth.ok) return authError(bearerToken(context.request) === null);
    const query = parseReportQuery(context.request.query);
    if (typeof query === 'string')
      return googleError(400, query, [{ message: query, domain: 'global', reason: 'required' }], 'INVALID_ARGUMENT');
    const ids = context.request.query.get('ids');
    const channel = this.channels.find((c) =>
      ids === 'channel==MINE' ? c.id === auth.accountId : ids === `channel==${c.id}` && c.id === auth.accountId,
    );
    if (!channel)
      return googleError(403, 'Forbidden', [{ message: 'Forbidden', domain: 'global', reason: 'forbidden' }], 'PERMISSION_DENIED');
    const result = runReport(channel, query, context.now, this.#context.knobs.youtube);
    if (!result.ok) return analyticsNotSupported();
    for (const row of result.served) {
      context.served.entity('video', row.video, channel.id);
      context.served.metric('video-analytics', row.video, row.values);
    }
    return jsonResponse(200, result.table);
  }
}

/** Opaque to clients (`CAUQAA…`-like); carries the list scope so a token from another list is invalid. */
function encodePageToken(scope: string, offset: number): string {
  return `CA${Buffer.from(JSON.stringify({ s: scope, o: offset })).toString('base64url')}`;
}

function decodePageToken(token: string, scope: string): number | null {
  if (!token.startsWith('CA')) return null;
  try {
    const value = JSON.parse(Buffer.from(token.slice(2), 'base64url').toString('utf8')) as { s?: unknown; o?: unknown };
    return value.s === scope && typeof value.o === 'number' && Number.isInteger(value.o) && value.o >= 0 ? value.o : null;
  } catch {
    return null;
  }
}
