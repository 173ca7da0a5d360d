// Declarative paginators: async generators over a Requester, one strategy per pagination style.
//   cursorPaginator       TikTok: body cursor + has_more (cursor in the JSON body or the query)
//   pageTokenPaginator    YouTube: nextPageToken → pageToken
//   graphCursorPaginator  Meta Graph: paging.cursors.after → after; stops only when paging.next is
//                         absent (an empty `data` page with `next` is not the end)
// Every page is yielded as { items, response, cursorAfter, pageNumber }: cursorAfter is what to
// resume from to get the page after this one, so the runtime checkpoints it once Kafka has
// acknowledged the page's events. A cursor the run has already used is refused
// (CONNECTOR_PAGINATION_LOOP, after the page that returned it has been yielded); maxPages stops
// quietly with a resumable cursorAfter.
import { TributaryError } from '@tributary/errors';
import type { ApiRequest, ApiResponse, QueryValue, Requester } from './contracts.ts';

export interface Page<T> {
  items: T[];
  response: ApiResponse;
  /** Resume from here to get the next page; null when this was the last page. */
  cursorAfter: string | null;
  /** 1-based, counted within this run. */
  pageNumber: number;
}

export interface PaginationOptions {
  /** Cursor to resume from (a previous page's cursorAfter); the first page otherwise. */
  startCursor?: string | null;
  /** Stop after this many pages; the last page's cursorAfter resumes the rest. */
  maxPages?: number;
}

/** A path into the body (`data.videos`) or a function. */
export type Selector<R> = string | ((body: unknown) => R);

/** The value at a dotted path (`data.videos`), or undefined. */
export function selectPath(body: unknown, path: string): unknown {
  let current: unknown = body;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function selectItems<T>(body: unknown, selector: Selector<unknown>, endpoint: string): T[] {
  const value = typeof selector === 'string' ? selectPath(body, selector) : selector(body);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new TributaryError(
      'CONNECTOR_RESPONSE_MALFORMED',
      `${endpoint}: the page's items (${typeof selector === 'string' ? selector : 'selector'}) are not an array`,
      {
        failureType: 'data',
        retryable: false,
        details: { endpoint },
      },
    );
  }
  return value as T[];
}

function cursorText(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return null;
}

/** How one pagination style reads a page and asks for the next. */
export interface PaginationStrategy<T> {
  /** The request for the page at `cursor` (null: the first page). */
  request(cursor: string | null): ApiRequest;
  /** The page's items and the cursor of the next page (null: this was the last). */
  read(body: unknown, endpoint: string): { items: T[]; next: string | null };
}

/** Drives any strategy; the three factories below are strategies with platform defaults. */
export async function* paginate<T>(
  requester: Requester,
  strategy: PaginationStrategy<T>,
  options: PaginationOptions = {},
): AsyncGenerator<Page<T>> {
  const seen = new Set<string>();
  let cursor = options.startCursor ?? null;
  if (cursor !== null) seen.add(cursor);
  for (let pageNumber = 1; options.maxPages === undefined || pageNumber <= options.maxPages; pageNumber++) {
    const request = strategy.request(cursor);
    const response = await requester.request(request);
    const { items, next } = strategy.read(response.body, request.endpoint);
    yield { items, response, cursorAfter: next, pageNumber };
    if (next === null) return;
    if (seen.has(next)) {
      throw new TributaryError(
        'CONNECTOR_PAGINATION_LOOP',
        `${request.endpoint}: page ${pageNumber} points back to cursor ${JSON.stringify(next)}, which this run already followed`,
        {
          failureType: 'data',
          retryable: false,
          hint: 'The platform handed out a cursor twice; following it would loop forever. The pages before it were delivered.',
          details: { endpoint: request.endpoint, cursor: next, pageNumber },
        },
      );
    }
    seen.add(next);
    cursor = next;
  }
}

export interface CursorPaginatorOptions<T> extends PaginationOptions {
  /** The first page's request; the cursor is added to its JSON body (or query). */
  request: ApiRequest;
  items: Selector<T[]>;
  /** Default `data.cursor`. */
  cursor?: Selector<unknown>;
  /** Default `data.has_more`; false ends pagination whatever the cursor says. */
  hasMore?: Selector<unknown>;
  /** Where the cursor goes: `json` (default, TikTok's POST bodies) or `query`. */
  cursorIn?: 'json' | 'query';
  /** Parameter name, default `cursor`. */
  cursorParam?: string;
  /** TikTok cursors are int64 milliseconds: sent as a JSON number (default) or as a string. */
  cursorType?: 'number' | 'string';
}

/** TikTok style: `{"data":{…,"cursor":N,"has_more":bool}}`, cursor sent back in the body. */
export function cursorPaginator<T>(requester: Requester, options: CursorPaginatorOptions<T>): AsyncGenerator<Page<T>> {
  const param = options.cursorParam ?? 'cursor';
  const cursorSelector = options.cursor ?? 'data.cursor';
  const hasMoreSelector = options.hasMore ?? 'data.has_more';
  const strategy: PaginationStrategy<T> = {
    request(cursor) {
      if (cursor === null) return options.request;
      const value: QueryValue =
        options.cursorType === 'string' || !/^-?\d+$/.test(cursor) || !Number.isSafeInteger(Number(cursor)) ? cursor : Number(cursor);
      if (options.cursorIn === 'query') return { ...options.request, query: { ...options.request.query, [param]: value } };
      const body = typeof options.request.json === 'object' && options.request.json !== null ? options.request.json : {};
      return { ...options.request, json: { ...body, [param]: value } };
    },
    read(body, endpoint) {
      const items = selectItems<T>(body, options.items, endpoint);
      const hasMore = typeof hasMoreSelector === 'string' ? selectPath(body, hasMoreSelector) : hasMoreSelector(body);
      const cursor = cursorText(typeof cursorSelector === 'string' ? selectPath(body, cursorSelector) : cursorSelector(body));
      return { items, next: hasMore === true ? cursor : null };
    },
  };
  return paginate(requester, strategy, options);
}

export interface PageTokenPaginatorOptions<T> extends PaginationOptions {
  request: ApiRequest;
  /** Default `items`. */
  items?: Selector<T[]>;
  /** Default `nextPageToken`. */
  nextToken?: Selector<unknown>;
  /** Query parameter, default `pageToken`. */
  tokenParam?: string;
}

/** YouTube style: `nextPageToken` in the body, `pageToken` in the next query. */
export function pageTokenPaginator<T>(requester: Requester, options: PageTokenPaginatorOptions<T>): AsyncGenerator<Page<T>> {
  const param = options.tokenParam ?? 'pageToken';
  const nextSelector = options.nextToken ?? 'nextPageToken';
  return paginate(
    requester,
    {
      request: (cursor) =>
        cursor === null ? options.request : { ...options.request, query: { ...options.request.query, [param]: cursor } },
      read: (body, endpoint) => ({
        items: selectItems<T>(body, options.items ?? 'items', endpoint),
        next: cursorText(typeof nextSelector === 'string' ? selectPath(body, nextSelector) : nextSelector(body)),
      }),
    },
    options,
  );
}

export interface GraphCursorPaginatorOptions<T> extends PaginationOptions {
  request: ApiRequest;
  /** Default `data`. */
  items?: Selector<T[]>;
}

/**
 * Meta Graph style: `{"data":[…],"paging":{"cursors":{"after"},"next"}}`. The next page is the
 * first request with `after=<cursors.after>`; an edge without cursors (time-based paging) follows
 * `paging.next` itself, and that URL (its access_token removed by the requester) is the cursor.
 */
export function graphCursorPaginator<T>(requester: Requester, options: GraphCursorPaginatorOptions<T>): AsyncGenerator<Page<T>> {
  return paginate(
    requester,
    {
      request(cursor) {
        if (cursor === null) return options.request;
        if (/^https?:\/\//i.test(cursor)) return { ...options.request, path: cursor, query: {} };
        return { ...options.request, query: { ...options.request.query, after: cursor } };
      },
      read(body, endpoint) {
        const items = selectItems<T>(body, options.items ?? 'data', endpoint);
        const next = cursorText(selectPath(body, 'paging.next'));
        if (next === null) return { items, next: null };
        return { items, next: cursorText(selectPath(body, 'paging.cursors.after')) ?? withoutAccessToken(next) };
      },
    },
    options,
  );
}

function withoutAccessToken(link: string): string {
  try {
    const url = new URL(link);
    url.searchParams.delete('access_token');
    return url.toString();
  } catch {
    return link;
  }
}

/** The source runtime's paginator shape (runtime/declarations.ts `Paginator`): first request and resume cursor per walk. */
export type PaginatorFactory<T> = (requester: Requester, firstRequest: ApiRequest, resumeCursor: string | null) => AsyncGenerator<Page<T>>;

type PerWalk = 'request' | 'startCursor';

/** `cursorPaginator` as a stream declaration's `paginate`. */
export function cursorPagination<T>(options: Omit<CursorPaginatorOptions<T>, PerWalk>): PaginatorFactory<T> {
  return (requester, request, startCursor) => cursorPaginator(requester, { ...options, request, startCursor });
}

/** `pageTokenPaginator` as a stream declaration's `paginate`. */
export function pageTokenPagination<T>(options: Omit<PageTokenPaginatorOptions<T>, PerWalk> = {}): PaginatorFactory<T> {
  return (requester, request, startCursor) => pageTokenPaginator(requester, { ...options, request, startCursor });
}

/** `graphCursorPaginator` as a stream declaration's `paginate`. */
export function graphCursorPagination<T>(options: Omit<GraphCursorPaginatorOptions<T>, PerWalk> = {}): PaginatorFactory<T> {
  return (requester, request, startCursor) => graphCursorPaginator(requester, { ...options, request, startCursor });
}
