// Id batching with partial success. Platforms look up many ids per call — YouTube videos.list
// `id=` (≤50; unknown or private ids are silently absent from `items`), TikTok /v2/video/query/
// (≤20), Meta Graph `POST /?batch=[…]` (≤50 sub-requests, each with its own status) — and one bad
// id must not sink the other 49. fetchInBatches reports every id as ok, missing or failed; an id
// that failed inside a batch is fetched once more alone, then reported alone with its reason.
import { TributaryError, isTributaryError } from '@tributary/errors';
import type { ApiRequest, Requester } from './contracts.ts';
import { parseJsonText } from './http-json.ts';
import { metaGraphErrors } from './profile.ts';
import { selectPath } from './paginators.ts';
import type { Selector } from './paginators.ts';

export type ItemOutcome<R> = { status: 'ok'; value: R } | { status: 'missing' } | { status: 'failed'; reason: unknown };

export type BatchItemResult<R> = { id: string; attempts: number } & ItemOutcome<R>;

export interface FetchInBatchesOptions<R> {
  /** Ids per call (the platform maximum: 50 YouTube and Meta, 20 TikTok). */
  size: number;
  /** Fetches one batch; ids absent from the map are reported as missing. */
  fetch(ids: readonly string[]): Promise<ReadonlyMap<string, ItemOutcome<R>>>;
  /**
   * When a whole batch call fails, whether to fetch its ids one by one: by default for data errors
   * (one malformed id can fail a whole TikTok batch), not for transient or credential errors,
   * which the requester has already retried and which would fail alone too.
   */
  isolateAfterBatchFailure?: (error: unknown) => boolean;
  /** Batches in flight at once (default 1). */
  concurrency?: number;
}

export interface BatchReport<R> {
  /** One entry per distinct id, in input order. */
  results: BatchItemResult<R>[];
  ok: number;
  missing: number;
  failed: number;
}

function isDataError(error: unknown): boolean {
  return isTributaryError(error) && error.failureType === 'data';
}

async function fetchAlone<R>(id: string, fetch: FetchInBatchesOptions<R>['fetch']): Promise<ItemOutcome<R>> {
  try {
    return (await fetch([id])).get(id) ?? { status: 'missing' };
  } catch (error) {
    return { status: 'failed', reason: error };
  }
}

async function runBatch<R>(ids: readonly string[], options: FetchInBatchesOptions<R>): Promise<BatchItemResult<R>[]> {
  let outcomes: ReadonlyMap<string, ItemOutcome<R>>;
  try {
    outcomes = await options.fetch(ids);
  } catch (error) {
    const isolate = ids.length > 1 && (options.isolateAfterBatchFailure ?? isDataError)(error);
    if (!isolate) return ids.map((id) => ({ id, attempts: 1, status: 'failed', reason: error }));
    return Promise.all(ids.map(async (id) => ({ id, attempts: 2, ...(await fetchAlone(id, options.fetch)) })));
  }
  const results: BatchItemResult<R>[] = [];
  for (const id of ids) {
    const outcome = outcomes.get(id) ?? { status: 'missing' };
    if (outcome.status !== 'failed' || ids.length === 1) results.push({ id, attempts: 1, ...outcome });
    else results.push({ id, attempts: 2, ...(await fetchAlone(id, options.fetch)) });
  }
  return results;
}

/** Splits `ids` (deduplicated) into batches and reports every id; never throws for a single id's failure. */
export async function fetchInBatches<R>(ids: readonly string[], options: FetchInBatchesOptions<R>): Promise<BatchReport<R>> {
  if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('fetchInBatches: size must be a positive integer');
  const unique = [...new Set(ids)];
  const batches: string[][] = [];
  for (let i = 0; i < unique.length; i += options.size) batches.push(unique.slice(i, i + options.size));
  const byBatch: BatchItemResult<R>[][] = new Array<BatchItemResult<R>[]>(batches.length);
  let nextBatch = 0;
  const worker = async (): Promise<void> => {
    while (nextBatch < batches.length) {
      const index = nextBatch++;
      byBatch[index] = await runBatch(batches[index]!, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 1, batches.length) }, worker));
  const results = byBatch.flat();
  return {
    results,
    ok: results.filter((r) => r.status === 'ok').length,
    missing: results.filter((r) => r.status === 'missing').length,
    failed: results.filter((r) => r.status === 'failed').length,
  };
}

export interface IdListFetchOptions<T> {
  requester: Requester;
  /** The call for a batch of ids (YouTube `query.id = ids.join(',')`, TikTok `json.filters.video_ids = ids`). */
  request(ids: readonly string[]): ApiRequest;
  /** Where the returned objects are (`items` for YouTube, `data.videos` for TikTok). */
  items: Selector<T[]>;
  idOf(item: T): string;
}

/** A fetch for id-list endpoints: each requested id is ok when an item carries it, missing otherwise. */
export function idListFetch<T>(options: IdListFetchOptions<T>): FetchInBatchesOptions<T>['fetch'] {
  return async (ids) => {
    const response = await options.requester.request(options.request(ids));
    const items = typeof options.items === 'string' ? selectPath(response.body, options.items) : options.items(response.body);
    const wanted = new Set(ids);
    const outcomes = new Map<string, ItemOutcome<T>>();
    for (const item of Array.isArray(items) ? (items as T[]) : []) {
      const id = options.idOf(item);
      if (wanted.has(id)) outcomes.set(id, { status: 'ok', value: item });
    }
    return outcomes;
  };
}

export interface MetaBatchFetchOptions {
  requester: Requester;
  /** The sub-request for one id, relative to the Graph version root: `${id}?fields=id,like_count`. */
  relativeUrl(id: string): string;
  /** Default `graph.batch`. */
  endpoint?: string;
  credential?: string;
  priority?: ApiRequest['priority'];
}

/**
 * A fetch for the Graph API batch endpoint: `POST /?batch=[{method,relative_url}]`. The answer is
 * an array in request order of `{code, headers, body}` with `body` a JSON string, or null for a
 * sub-request that timed out. Each sub-request counts against rate limits, so the call costs one
 * unit per id. Object-not-found (code 100, subcode 33) is missing; other errors fail that id only.
 */
export function metaGraphBatchFetch(options: MetaBatchFetchOptions): FetchInBatchesOptions<unknown>['fetch'] {
  const endpoint = options.endpoint ?? 'graph.batch';
  return async (ids) => {
    const batch = ids.map((id) => ({ method: 'GET', relative_url: options.relativeUrl(id) }));
    const response = await options.requester.request({
      endpoint,
      method: 'POST',
      path: '/',
      query: { batch: JSON.stringify(batch), include_headers: false },
      cost: ids.length,
      ...(options.credential === undefined ? {} : { credential: options.credential }),
      ...(options.priority === undefined ? {} : { priority: options.priority }),
    });
    if (!Array.isArray(response.body)) {
      throw new TributaryError('CONNECTOR_RESPONSE_MALFORMED', `${endpoint}: the batch answer is not an array`, {
        failureType: 'data',
        retryable: false,
        details: { endpoint },
      });
    }
    const answers = response.body as unknown[];
    const outcomes = new Map<string, ItemOutcome<unknown>>();
    ids.forEach((id, index) => outcomes.set(id, metaBatchItem(answers[index], endpoint, id, response.receivedAt)));
    return outcomes;
  };
}

function metaBatchItem(answer: unknown, endpoint: string, id: string, now: number): ItemOutcome<unknown> {
  const item = typeof answer === 'object' && answer !== null ? (answer as { code?: unknown; body?: unknown }) : null;
  if (!item) {
    return {
      status: 'failed',
      reason: itemError('CONNECTOR_BATCH_ITEM_FAILED', `${endpoint}: no answer for ${id} (the sub-request timed out)`, 'transient', { id }),
    };
  }
  const code = Number(item.code);
  let body: unknown;
  try {
    body = typeof item.body === 'string' ? parseJsonText(item.body) : (item.body ?? null);
  } catch {
    return {
      status: 'failed',
      reason: itemError('CONNECTOR_RESPONSE_MALFORMED', `${endpoint}: the answer for ${id} is not JSON`, 'data', { id, code }),
    };
  }
  if (code >= 200 && code < 300) return { status: 'ok', value: body };
  const verdict = metaGraphErrors(code, body, {}, { now });
  if (verdict?.code === '100/33') return { status: 'missing' };
  const kind = verdict?.kind ?? (code >= 500 ? 'transient' : 'client');
  const failureType = kind === 'transient' || kind === 'throttled' ? 'transient' : kind.startsWith('auth') ? 'config' : 'data';
  return {
    status: 'failed',
    reason: itemError(
      'CONNECTOR_BATCH_ITEM_FAILED',
      `${endpoint}: ${id} failed with HTTP ${code} ${verdict?.code ?? ''} ${verdict?.message ?? ''}`.trim(),
      failureType,
      {
        id,
        status: code,
        verdict: kind,
        ...(verdict ? { platformCode: verdict.code } : {}),
      },
    ),
  };
}

function itemError(
  code: string,
  message: string,
  failureType: 'transient' | 'data' | 'config',
  details: Record<string, unknown>,
): TributaryError {
  return new TributaryError(code, message, { failureType, details });
}
