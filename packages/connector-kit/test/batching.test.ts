import assert from 'node:assert/strict';
import { TributaryError } from '@tributary/errors';
import type { TributaryError as TributaryErrorType } from '@tributary/errors';
import { fetchInBatches, idListFetch, metaGraphBatchFetch } from '../src/batching.ts';
import type { ItemOutcome } from '../src/batching.ts';
import { FakeRequester } from './pipeline-fakes.ts';

const ids = (n: number, prefix = 'v'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('fetchInBatches', () => {
  it('splits ids into batches of the given size and reports every id in input order', async () => {
    const batches: string[][] = [];
    const report = await fetchInBatches(ids(120), {
      size: 50,
      fetch: (batch) => {
        batches.push([...batch]);
        return Promise.resolve(new Map(batch.map((id) => [id, { status: 'ok', value: id.toUpperCase() } as const])));
      },
    });
    assert.deepEqual(
      batches.map((b) => b.length),
      [50, 50, 20],
    );
    assert.equal(report.ok, 120);
    assert.deepEqual(
      report.results.map((r) => r.id),
      ids(120),
    );
  });

  it('retries a failed item alone once, then reports it alone; the rest proceed', async () => {
    const calls: string[][] = [];
    const report = await fetchInBatches(['a', 'bad', 'flaky', 'gone'], {
      size: 20,
      fetch: (batch) => {
        calls.push([...batch]);
        const outcomes = new Map<string, ItemOutcome<string>>();
        for (const id of batch) {
          if (id === 'bad') outcomes.set(id, { status: 'failed', reason: new Error(`bad id, attempt ${calls.length}`) });
          else if (id === 'flaky')
            outcomes.set(id, batch.length > 1 ? { status: 'failed', reason: new Error('flaky') } : { status: 'ok', value: 'recovered' });
          else if (id !== 'gone') outcomes.set(id, { status: 'ok', value: id });
        }
        return Promise.resolve(outcomes);
      },
    });
    assert.deepEqual(calls, [['a', 'bad', 'flaky', 'gone'], ['bad'], ['flaky']]);
    assert.deepEqual(
      report.results.map((r) => [r.id, r.status, r.attempts]),
      [
        ['a', 'ok', 1],
        ['bad', 'failed', 2],
        ['flaky', 'ok', 2],
        ['gone', 'missing', 1],
      ],
    );
    const bad = report.results[1]!;
    assert.ok(bad.status === 'failed' && /attempt 2/.test((bad.reason as Error).message));
    assert.deepEqual([report.ok, report.missing, report.failed], [2, 1, 1]);
  });

  it('splits a batch rejected as a data error into single-id calls', async () => {
    const calls: string[][] = [];
    const report = await fetchInBatches(['ok1', 'malformed-id', 'ok2'], {
      size: 20,
      fetch: (batch) => {
        calls.push([...batch]);
        if (batch.includes('malformed-id')) {
          return Promise.reject(
            new TributaryError('CONNECTOR_REQUEST_REJECTED', 'invalid_params', { failureType: 'data', retryable: false }),
          );
        }
        return Promise.resolve(new Map(batch.map((id) => [id, { status: 'ok', value: id } as const])));
      },
    });
    assert.equal(calls.length, 4);
    assert.deepEqual(
      report.results.map((r) => r.status),
      ['ok', 'failed', 'ok'],
    );
  });

  it('does not split a batch that failed for a transient or credential reason', async () => {
    let calls = 0;
    const exhausted = new TributaryError('CONNECTOR_CIRCUIT_OPEN', 'open', { failureType: 'transient' });
    const report = await fetchInBatches(ids(30), {
      size: 20,
      fetch: (batch) => {
        calls++;
        return batch.includes('v0')
          ? Promise.reject(exhausted)
          : Promise.resolve(new Map(batch.map((id) => [id, { status: 'ok', value: 1 } as const])));
      },
    });
    assert.equal(calls, 2);
    assert.equal(report.failed, 20);
    assert.equal(report.ok, 10);
    assert.ok(report.results.filter((r) => r.status === 'failed').every((r) => r.status === 'failed' && r.reason === exhausted));
  });

  it('deduplicates ids and rejects a non-positive size', async () => {
    const report = await fetchInBatches(['x', 'x', 'y'], { size: 5, fetch: () => Promise.resolve(new Map()) });
    assert.equal(report.results.length, 2);
    await assert.rejects(fetchInBatches(['x'], { size: 0, fetch: () => Promise.resolve(new Map()) }), RangeError);
  });
});

describe('idListFetch', () => {
  it('YouTube videos.list: ids absent from items are missing, not errors', async () => {
    const requester = new FakeRequester((request) => ({
      items: String(request.query?.id)
        .split(',')
        .filter((id) => !id.startsWith('private'))
        .map((id) => ({ id, statistics: { viewCount: '12' } })),
    }));
    const fetch = idListFetch<{ id: string }>({
      requester,
      request: (batch) => ({ endpoint: 'videos.list', method: 'GET', path: '/videos', query: { id: batch.join(','), part: 'statistics' } }),
      items: 'items',
      idOf: (item) => item.id,
    });
    const report = await fetchInBatches(['v1', 'private-1', 'v2'], { size: 50, fetch });
    assert.deepEqual(
      report.results.map((r) => [r.id, r.status]),
      [
        ['v1', 'ok'],
        ['private-1', 'missing'],
        ['v2', 'ok'],
      ],
    );
    assert.equal(requester.requests.length, 1);
  });

  it('TikTok video/query: ids in the JSON filter, 20 per call', async () => {
    const requester = new FakeRequester((request) => ({
      data: { videos: (request.json as { filters: { video_ids: string[] } }).filters.video_ids.map((id) => ({ id })) },
      error: { code: 'ok' },
    }));
    const fetch = idListFetch<{ id: string }>({
      requester,
      request: (batch) => ({
        endpoint: 'video.query',
        method: 'POST',
        path: '/v2/video/query/',
        query: { fields: 'id,view_count' },
        json: { filters: { video_ids: batch } },
      }),
      items: 'data.videos',
      idOf: (video) => video.id,
    });
    const report = await fetchInBatches(ids(45), { size: 20, fetch });
    assert.equal(report.ok, 45);
    assert.deepEqual(
      requester.requests.map((r) => (r.json as { filters: { video_ids: string[] } }).filters.video_ids.length),
      [20, 20, 5],
    );
  });
});

describe('metaGraphBatchFetch', () => {
  it('reads per-item codes and string bodies: ok, missing (100/33), failed alone after one more try', async () => {
    const requester = new FakeRequester((request) => {
      const batch = JSON.parse(String(request.query?.batch)) as Array<{ relative_url: string }>;
      return batch.map(({ relative_url }) => {
        const id = relative_url.split('?')[0]!;
        if (id === 'deleted')
          return {
            code: 400,
            body: JSON.stringify({ error: { message: 'Object does not exist', code: 100, error_subcode: 33, fbtrace_id: 'T' } }),
          };
        if (id === 'few-viewers')
          return {
            code: 400,
            body: JSON.stringify({ error: { message: '(#10) Not enough viewers for the media to show insights', code: 10 } }),
          };
        if (id === 'timed-out') return null;
        return { code: 200, headers: [], body: `{"id":"${id}","like_count":18446744073709551615}` };
      });
    });
    const fetch = metaGraphBatchFetch({ requester, relativeUrl: (id) => `${id}?fields=id,like_count`, credential: 'ig-1' });
    const report = await fetchInBatches(['m1', 'deleted', 'few-viewers', 'timed-out', 'm2'], { size: 50, fetch });
    assert.deepEqual(
      report.results.map((r) => [r.id, r.status]),
      [
        ['m1', 'ok'],
        ['deleted', 'missing'],
        ['few-viewers', 'failed'],
        ['timed-out', 'failed'],
        ['m2', 'ok'],
      ],
    );
    const ok = report.results[0]!;
    assert.ok(ok.status === 'ok');
    assert.deepEqual(ok.value, { id: 'm1', like_count: '18446744073709551615' });
    const fewViewers = report.results[2]!;
    assert.ok(fewViewers.status === 'failed');
    assert.equal((fewViewers.reason as TributaryErrorType).details.platformCode, '10');
    assert.equal((fewViewers.reason as TributaryErrorType).failureType, 'data');
    assert.equal((report.results[3] as { reason: TributaryErrorType }).reason.failureType, 'transient');
    // One batch call, then one single-id retry for each of the two failures.
    assert.equal(requester.requests.length, 3);
    assert.deepEqual(
      requester.requests.map((r) => [r.method, r.path, r.cost, r.query?.include_headers]),
      [
        ['POST', '/', 5, false],
        ['POST', '/', 1, false],
        ['POST', '/', 1, false],
      ],
    );
  });
});
