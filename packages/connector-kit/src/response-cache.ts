// The cache stage of the pipeline: a TTL cache of whole responses, the last etag and body of
// each request (for If-None-Match revalidation), and single-flight de-duplication of identical
// concurrent requests. Bodies are shared between callers, not copied: treat them as read-only.
import type { ApiRequest, ApiResponse } from './contracts.ts';

/** Identity of a request for caching: credential, method, endpoint, URL with sorted query, JSON body. Never the token. */
export function requestCacheKey(request: ApiRequest, url: URL): string {
  const query = [...url.searchParams].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const search = new URLSearchParams(query).toString();
  const body = request.json === undefined ? '' : JSON.stringify(request.json);
  return [request.credential ?? '', request.method, request.endpoint, `${url.origin}${url.pathname}?${search}`, body].join('\n');
}

interface Stored {
  response: ApiResponse;
  storedAt: number;
}

interface StoredEtag {
  etag: string;
  response: ApiResponse;
}

/** Least-recently-used maps of responses and etags, each bounded to `maxEntries`. */
export class ResponseCache {
  private readonly responses = new Map<string, Stored>();
  private readonly etags = new Map<string, StoredEtag>();
  private readonly maxEntries: number;

  constructor(maxEntries = 1000) {
    this.maxEntries = maxEntries;
  }

  /** A stored response younger than `ttlMs`, if any. */
  fresh(key: string, ttlMs: number, now: number): ApiResponse | undefined {
    const stored = this.responses.get(key);
    if (!stored) return undefined;
    if (now - stored.storedAt > ttlMs) return undefined;
    touch(this.responses, key, stored);
    return stored.response;
  }

  store(key: string, response: ApiResponse, now: number): void {
    touch(this.responses, key, { response, storedAt: now });
    evict(this.responses, this.maxEntries);
  }

  etagFor(key: string): StoredEtag | undefined {
    const stored = this.etags.get(key);
    if (stored) touch(this.etags, key, stored);
    return stored;
  }

  storeEtag(key: string, etag: string, response: ApiResponse): void {
    touch(this.etags, key, { etag, response });
    evict(this.etags, this.maxEntries);
  }

  get size(): { responses: number; etags: number } {
    return { responses: this.responses.size, etags: this.etags.size };
  }
}

function touch<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
}

function evict<V>(map: Map<string, V>, maxEntries: number): void {
  while (map.size > maxEntries) map.delete(map.keys().next().value!);
}

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiting: number;
}

/**
 * Identical concurrent calls share one execution. The execution gets its own AbortSignal, aborted
 * only when every caller waiting on it has aborted; a caller that aborts alone just stops waiting.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();

  async run(
    key: string,
    signal: AbortSignal | undefined,
    execute: (signal: AbortSignal) => Promise<T>,
  ): Promise<{ value: T; shared: boolean }> {
    signal?.throwIfAborted();
    let flight = this.flights.get(key);
    const shared = flight !== undefined;
    if (!flight) {
      const controller = new AbortController();
      const created: Flight<T> = { controller, waiting: 0, promise: Promise.resolve().then(() => execute(controller.signal)) };
      created.promise
        .finally(() => {
          if (this.flights.get(key) === created) this.flights.delete(key);
        })
        .catch(() => {}); // each waiter sees the rejection through its own race below
      this.flights.set(key, created);
      flight = created;
    }
    flight.waiting++;
    try {
      return { value: await raceAbort(flight.promise, signal), shared };
    } finally {
      flight.waiting--;
      if (flight.waiting === 0 && signal?.aborted) {
        if (this.flights.get(key) === flight) this.flights.delete(key);
        flight.controller.abort(signal.reason);
      }
    }
  }

  get inFlight(): number {
    return this.flights.size;
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
