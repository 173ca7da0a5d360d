// The runtime with the request pipeline's own paginator (paginators.ts `paginate`): its pages fit
// the declaration's Paginator shape, and its refusal of a repeated cursor
// (CONNECTOR_PAGINATION_LOOP) fails the walk after the pages before it were acknowledged, then
// the stored cursor is forgotten so the next walk starts at the top.
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { ManualClock } from '../../src/clock.ts';
import type { ApiRequest, ApiResponse, Requester } from '../../src/contracts.ts';
import { paginate } from '../../src/paginators.ts';
import { createMemoryCheckpointStore } from '../../src/runtime/checkpoint-store.ts';
import { listStream } from '../../src/runtime/declarations.ts';
import { runSource } from '../../src/runtime/runner.ts';
import { FakeWriter, MINUTE, capturingLogger, settle } from './fixtures.ts';

interface Video {
  id: string;
  create_time: number;
}

describe('connector-kit/runtime with the pipeline paginator', () => {
  it('acknowledges and checkpoints the pages before a repeated cursor, reports the loop, and starts over at the top next time', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 1));
    const now = clock.now();
    const calls: Array<string | null> = [];
    // A platform that hands out cursor "2" again on the second page (a fault the simulators reproduce).
    const requester: Requester = {
      async request<T>(request: ApiRequest): Promise<ApiResponse<T>> {
        const cursor = (request.json as { cursor?: string } | undefined)?.cursor ?? null;
        calls.push(cursor);
        const videos: Video[] =
          cursor === null
            ? [
                { id: 'v1', create_time: now - 1 * MINUTE },
                { id: 'v2', create_time: now - 2 * MINUTE },
              ]
            : [
                { id: 'v3', create_time: now - 3 * MINUTE },
                { id: 'v4', create_time: now - 4 * MINUTE },
              ];
        return {
          status: 200,
          body: { data: { videos, cursor: '2', has_more: true } } as T,
          headers: {},
          requestId: null,
          receivedAt: clock.now(),
          source: 'network',
        };
      },
      health: () => ({
        platform: 'TIKTOK',
        credentials: [],
        circuits: [],
        quotas: [],
        cache: { hits: 0, misses: 0, notModified: 0, shared: 0 },
      }),
      close: async () => undefined,
    };
    const stream = listStream<Video>({
      name: 'videos',
      everyMs: 30 * MINUTE,
      lookbackMs: 24 * 60 * MINUTE,
      request: () => ({ endpoint: 'video.list', method: 'POST', path: '/v2/video/list/', json: { max_count: 2 } }),
      paginate: (pipeline, first, startCursor) =>
        paginate<Video>(
          pipeline,
          {
            request: (cursor) => (cursor === null ? first : { ...first, json: { ...(first.json as object), cursor } }),
            read: (body) => {
              const data = (body as { data: { videos: Video[]; cursor: string; has_more: boolean } }).data;
              return { items: data.videos, next: data.has_more ? data.cursor : null };
            },
          },
          { startCursor },
        ),
      map: (video) => [{ topic: 'social.raw.posts', key: `TIKTOK:${video.id}`, value: { envelope: { event_id: video.id } } }],
      watermark: (video) => video.create_time,
    });
    const writer = new FakeWriter();
    const checkpoints = createMemoryCheckpointStore();
    const metrics = new Registry();
    const controller = new AbortController();
    const run = runSource({
      declaration: { name: 'source-test', platform: 'TIKTOK', streams: [stream] },
      requester,
      writer,
      checkpoints,
      clock,
      logger: capturingLogger().logger,
      metrics,
      scopes: [{ id: 'acc-1' }],
      mode: 'incremental',
      signal: controller.signal,
    });
    await settle();
    assert.deepEqual(writer.eventIds(), ['v1', 'v2', 'v3', 'v4'], 'both pages before the loop were written');
    const puts = checkpoints.history.map((entry) => ('cursor' in entry ? entry.cursor : 'forgotten'));
    assert.deepEqual(puts, ['2', '2', null], 'each page checkpointed after its write; the looping cursor then forgotten');
    const failures = (await metrics.getSingleMetric('tributary_source_stream_failures_total')!.get()).values;
    assert.deepEqual(
      failures.map((value) => [value.labels.code, value.value]),
      [['CONNECTOR_PAGINATION_LOOP', 1]],
    );
    await clock.advanceAsync(30 * MINUTE);
    assert.equal(calls[2], null, 'the next walk starts at the top');
    controller.abort();
    await run.done;
  });
});
