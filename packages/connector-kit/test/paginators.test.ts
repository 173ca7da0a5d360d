import assert from 'node:assert/strict';
import type { TributaryError } from '@tributary/errors';
import { ManualClock } from '../src/clock.ts';
import type { ApiRequest } from '../src/contracts.ts';
import {
  cursorPagination,
  cursorPaginator,
  graphCursorPagination,
  graphCursorPaginator,
  pageTokenPagination,
  pageTokenPaginator,
} from '../src/paginators.ts';
import type { Paginator } from '../src/runtime/declarations.ts';
import type { Page } from '../src/paginators.ts';
import { definePlatformProfile, metaGraphErrors } from '../src/profile.ts';
import { createRequester } from '../src/requester.ts';
import { FakeAuthenticator, FakeRequester } from './pipeline-fakes.ts';
import { startScriptedPlatform } from './scripted-platform.ts';

async function collect<T>(
  pages: AsyncGenerator<Page<T>>,
): Promise<{ pages: Array<Omit<Page<T>, 'response'>>; error: TributaryError | null }> {
  const seen: Array<Omit<Page<T>, 'response'>> = [];
  try {
    for await (const { items, cursorAfter, pageNumber } of pages) seen.push({ items, cursorAfter, pageNumber });
    return { pages: seen, error: null };
  } catch (error) {
    return { pages: seen, error: error as TributaryError };
  }
}

const tiktokList: ApiRequest = {
  endpoint: 'video.list',
  method: 'POST',
  path: '/v2/video/list/',
  query: { fields: 'id' },
  json: { max_count: 2 },
  credential: 'u1',
};

function tiktokPage(ids: string[], cursor: number, hasMore: boolean): unknown {
  return { data: { videos: ids.map((id) => ({ id })), cursor, has_more: hasMore }, error: { code: 'ok', message: '', log_id: 'L' } };
}

describe('cursorPaginator (TikTok)', () => {
  it('sends the cursor back in the JSON body as a number and stops when has_more is false', async () => {
    const requester = new FakeRequester(
      (_r, i) =>
        [tiktokPage(['a', 'b'], 1700000000000, true), tiktokPage(['c'], 1690000000000, true), tiktokPage([], 1680000000000, false)][i],
    );
    const { pages, error } = await collect(cursorPaginator<{ id: string }>(requester, { request: tiktokList, items: 'data.videos' }));
    assert.equal(error, null);
    assert.deepEqual(pages, [
      { items: [{ id: 'a' }, { id: 'b' }], cursorAfter: '1700000000000', pageNumber: 1 },
      { items: [{ id: 'c' }], cursorAfter: '1690000000000', pageNumber: 2 },
      { items: [], cursorAfter: null, pageNumber: 3 },
    ]);
    assert.deepEqual(
      requester.requests.map((r) => r.json),
      [{ max_count: 2 }, { max_count: 2, cursor: 1700000000000 }, { max_count: 2, cursor: 1690000000000 }],
    );
  });

  it('refuses a repeated cursor, naming it, after delivering the pages before it', async () => {
    const requester = new FakeRequester((_r, i) => tiktokPage([`v${i}`], i === 0 ? 111 : 222, true));
    const { pages, error } = await collect(cursorPaginator(requester, { request: tiktokList, items: 'data.videos' }));
    assert.equal(error?.code, 'CONNECTOR_PAGINATION_LOOP');
    assert.match(error!.message, /"222"/);
    assert.equal(error!.details.cursor, '222');
    assert.equal(pages.length, 3);
    assert.equal(requester.requests.length, 3);
  });

  it('stops at maxPages with a cursor to resume from, and resumes from it', async () => {
    const requester = new FakeRequester((request) => {
      const cursor = (request.json as { cursor?: number }).cursor ?? 0;
      return tiktokPage([`after-${cursor}`], cursor + 10, cursor < 40);
    });
    const first = await collect(cursorPaginator(requester, { request: tiktokList, items: 'data.videos', maxPages: 2 }));
    assert.deepEqual(
      first.pages.map((p) => p.cursorAfter),
      ['10', '20'],
    );
    const rest = await collect(
      cursorPaginator(requester, { request: tiktokList, items: 'data.videos', startCursor: first.pages[1]!.cursorAfter }),
    );
    assert.deepEqual(
      rest.pages.map((p) => p.items),
      [[{ id: 'after-20' }], [{ id: 'after-30' }], [{ id: 'after-40' }]],
    );
    assert.equal(rest.pages.at(-1)!.cursorAfter, null);
  });

  it('refuses a page whose items are not an array', async () => {
    const requester = new FakeRequester(() => ({ data: { videos: { not: 'a list' }, has_more: false } }));
    const { error } = await collect(cursorPaginator(requester, { request: tiktokList, items: 'data.videos' }));
    assert.equal(error?.code, 'CONNECTOR_RESPONSE_MALFORMED');
  });
});

describe('pageTokenPaginator (YouTube)', () => {
  const playlistItems: ApiRequest = {
    endpoint: 'playlistItems.list',
    method: 'GET',
    path: '/playlistItems',
    query: { playlistId: 'UU1', maxResults: 50 },
  };

  it('passes nextPageToken as pageToken until there is none', async () => {
    const requester = new FakeRequester(
      (_r, i) => [{ items: [1, 2], nextPageToken: 'CAIQAA' }, { items: [3], nextPageToken: 'CAQQAA' }, { items: [4] }][i],
    );
    const { pages, error } = await collect(pageTokenPaginator<number>(requester, { request: playlistItems }));
    assert.equal(error, null);
    assert.deepEqual(
      pages.map((p) => [p.items, p.cursorAfter]),
      [
        [[1, 2], 'CAIQAA'],
        [[3], 'CAQQAA'],
        [[4], null],
      ],
    );
    assert.deepEqual(
      requester.requests.map((r) => r.query?.pageToken),
      [undefined, 'CAIQAA', 'CAQQAA'],
    );
    assert.equal(requester.requests[1]!.query?.playlistId, 'UU1');
  });

  it('refuses a token it has already followed', async () => {
    const requester = new FakeRequester(() => ({ items: [1], nextPageToken: 'SAME' }));
    const { pages, error } = await collect(pageTokenPaginator(requester, { request: playlistItems }));
    assert.equal(error?.code, 'CONNECTOR_PAGINATION_LOOP');
    assert.equal(pages.length, 2);
  });

  it('treats the resume cursor as already followed', async () => {
    const requester = new FakeRequester(() => ({ items: [1], nextPageToken: 'START' }));
    const { pages, error } = await collect(pageTokenPaginator(requester, { request: playlistItems, startCursor: 'START' }));
    assert.equal(requester.requests[0]!.query?.pageToken, 'START');
    assert.equal(error?.code, 'CONNECTOR_PAGINATION_LOOP');
    assert.equal(pages.length, 1);
  });
});

describe('graphCursorPaginator (Meta)', () => {
  const media: ApiRequest = {
    endpoint: 'media.list',
    method: 'GET',
    path: '/1784/media',
    query: { fields: 'id', limit: 25 },
    credential: 'ig-1',
  };
  const page = (data: unknown[], after: string | null, next: boolean): unknown => ({
    data,
    paging: {
      cursors: { before: 'B', ...(after ? { after } : {}) },
      ...(next ? { next: `https://graph.facebook.com/v25.0/1784/media?after=${after}&access_token=SECRET` } : {}),
    },
  });

  it('continues past an empty page that still has next and stops only when next is absent', async () => {
    const requester = new FakeRequester(
      (_r, i) => [page([{ id: '1' }], 'c1', true), page([], 'c2', true), page([{ id: '2' }], 'c3', false)][i],
    );
    const { pages, error } = await collect(graphCursorPaginator(requester, { request: media }));
    assert.equal(error, null);
    assert.deepEqual(
      pages.map((p) => [p.items.length, p.cursorAfter]),
      [
        [1, 'c1'],
        [0, 'c2'],
        [1, null],
      ],
    );
    assert.deepEqual(
      requester.requests.map((r) => r.query?.after),
      [undefined, 'c1', 'c2'],
    );
  });

  it('refuses a repeated after cursor', async () => {
    const requester = new FakeRequester(() => page([{ id: 'x' }], 'stuck', true));
    const { error } = await collect(graphCursorPaginator(requester, { request: media }));
    assert.equal(error?.code, 'CONNECTOR_PAGINATION_LOOP');
    assert.equal(error?.details.cursor, 'stuck');
  });

  it('follows paging.next on edges without cursors, with the token taken out of the cursor', async () => {
    const requester = new FakeRequester((_r, i) =>
      i === 0
        ? { data: [{ v: 1 }], paging: { next: 'https://graph.facebook.com/v25.0/1784/insights?since=1&until=2&access_token=SECRET' } }
        : { data: [{ v: 2 }], paging: {} },
    );
    const { pages } = await collect(graphCursorPaginator(requester, { request: media }));
    assert.equal(pages[0]!.cursorAfter, 'https://graph.facebook.com/v25.0/1784/insights?since=1&until=2');
    assert.equal(requester.requests[1]!.path, 'https://graph.facebook.com/v25.0/1784/insights?since=1&until=2');
  });

  it('resumes from a stored cursor', async () => {
    const requester = new FakeRequester(() => page([{ id: '9' }], null, false));
    await collect(graphCursorPaginator(requester, { request: media, startCursor: 'c7' }));
    assert.equal(requester.requests[0]!.query?.after, 'c7');
  });

  it('pages through the real requester against a scripted Graph API', async () => {
    const platform = await startScriptedPlatform();
    const requester = createRequester({
      profile: definePlatformProfile({
        platform: 'INSTAGRAM',
        baseUrl: platform.url,
        apiVersion: 'v25.0',
        token: { in: 'query', name: 'access_token' },
        classify: metaGraphErrors,
      }),
      authenticator: new FakeAuthenticator({ 'ig-1': 'live-token' }),
      clock: new ManualClock(),
    });
    try {
      platform.script((exchange) => {
        const after = exchange.query.get('after');
        const next = (cursor: string): string => `${platform.url}/v25.0/1784/media?after=${cursor}&access_token=live-token`;
        if (!after) {
          const raw = `{"data":[{"id":17841405793187218123}],"paging":{"cursors":{"after":"p1"},"next":${JSON.stringify(next('p1'))}}}`;
          return { raw, headers: { 'content-type': 'application/json' } };
        }
        if (after === 'p1') return { json: { data: [], paging: { cursors: { after: 'p2' }, next: next('p2') } } };
        return { json: { data: [{ id: 2 }], paging: { cursors: { after: 'p3' } } } };
      });
      const { pages, error } = await collect(graphCursorPaginator<{ id: unknown }>(requester, { request: media }));
      assert.equal(error, null);
      assert.deepEqual(
        pages.map((p) => p.items),
        [[{ id: '17841405793187218123' }], [], [{ id: 2 }]],
      );
      assert.ok(platform.exchanges.every((e) => e.query.get('access_token') === 'live-token' && e.path === '/v25.0/1784/media'));
    } finally {
      await requester.close();
      await platform.close();
    }
  });
});

describe('paginator factories for stream declarations', () => {
  it('fit the runtime Paginator shape: first request and resume cursor per walk', async () => {
    const paginate: Paginator<{ id: string }> = cursorPagination<{ id: string }>({ items: 'data.videos' });
    const requester = new FakeRequester(() => tiktokPage(['z'], 5, false));
    const pages: unknown[] = [];
    for await (const page of paginate(requester, tiktokList, '42')) pages.push(page.items);
    assert.deepEqual(pages, [[{ id: 'z' }]]);
    assert.deepEqual(requester.requests[0]!.json, { max_count: 2, cursor: 42 });
    const youtubeWalk: Paginator<number> = pageTokenPagination<number>();
    const graphWalk: Paginator<unknown> = graphCursorPagination();
    assert.equal(typeof youtubeWalk, 'function');
    assert.equal(typeof graphWalk, 'function');
  });
});
