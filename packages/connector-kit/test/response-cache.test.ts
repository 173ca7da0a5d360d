import assert from 'node:assert/strict';
import type { ApiRequest, ApiResponse } from '../src/contracts.ts';
import { ResponseCache, SingleFlight, requestCacheKey } from '../src/response-cache.ts';

const response = (body: unknown): ApiResponse => ({ status: 200, body, headers: {}, requestId: null, receivedAt: 0, source: 'network' });

describe('requestCacheKey', () => {
  const base: ApiRequest = { endpoint: 'videos.list', method: 'GET', path: '/videos', credential: 'c1' };

  it('ignores query order and separates credentials, methods and bodies', () => {
    const key = (request: ApiRequest, url: string): string => requestCacheKey(request, new URL(url));
    assert.equal(key(base, 'https://h/videos?a=1&b=2'), key(base, 'https://h/videos?b=2&a=1'));
    assert.notEqual(key(base, 'https://h/videos?a=1'), key({ ...base, credential: 'c2' }, 'https://h/videos?a=1'));
    assert.notEqual(
      key({ ...base, method: 'POST', json: { x: 1 } }, 'https://h/v'),
      key({ ...base, method: 'POST', json: { x: 2 } }, 'https://h/v'),
    );
  });
});

describe('ResponseCache', () => {
  it('expires by TTL and evicts the least recently used entry', () => {
    const cache = new ResponseCache(2);
    cache.store('a', response('A'), 0);
    cache.store('b', response('B'), 0);
    assert.equal(cache.fresh('a', 100, 50)?.body, 'A'); // touch a: b is now the oldest
    cache.store('c', response('C'), 60);
    assert.equal(cache.fresh('b', 100, 60), undefined);
    assert.equal(cache.fresh('a', 100, 101), undefined, 'older than the TTL');
    assert.equal(cache.fresh('c', 100, 101)?.body, 'C');
  });
});

describe('SingleFlight', () => {
  it('runs identical concurrent calls once; a caller that aborts alone only stops waiting', async () => {
    const flights = new SingleFlight<string>();
    let runs = 0;
    let finish!: (value: string) => void;
    let flightSignal!: AbortSignal;
    const execute = (signal: AbortSignal): Promise<string> => {
      runs++;
      flightSignal = signal;
      return new Promise((resolve) => (finish = resolve));
    };
    const leaving = new AbortController();
    const first = flights.run('k', leaving.signal, execute);
    const second = flights.run('k', undefined, execute);
    await new Promise((resolve) => setImmediate(resolve));
    leaving.abort(new Error('left'));
    await assert.rejects(first, /left/);
    assert.equal(flightSignal.aborted, false);
    finish('done');
    assert.deepEqual(await second, { value: 'done', shared: true });
    assert.equal(runs, 1);
    assert.equal(flights.inFlight, 0);
  });

  it('aborts the execution when every caller has aborted', async () => {
    const flights = new SingleFlight<string>();
    let flightSignal!: AbortSignal;
    const controller = new AbortController();
    const only = flights.run('k', controller.signal, (signal) => {
      flightSignal = signal;
      return new Promise(() => {});
    });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('gone'));
    await assert.rejects(only, /gone/);
    assert.equal(flightSignal.aborted, true);
    assert.equal(flights.inFlight, 0);
  });
});
