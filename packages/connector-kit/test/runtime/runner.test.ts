// The source runtime with a fake Requester, a fake EventWriter, the in-memory checkpoint store
// and the ManualClock: progress only after acknowledgement, resume, lookback, deterministic ids,
// adaptive cadence, priorities, backfill, and failure isolation.
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { RetriesExhaustedError, TributaryError, isTributaryError } from '@tributary/errors';
import { startTracing } from '@tributary/telemetry';
import { Registry } from 'prom-client';
import { ManualClock } from '../../src/clock.ts';
import { createMemoryCheckpointStore } from '../../src/runtime/checkpoint-store.ts';
import type { CollectorCheckpoint } from '../../src/runtime/checkpoint-store.ts';
import { EventsRejectedError } from '../../src/runtime/event-writer.ts';
import { backfillStreamName, runSource, validateDeclaration } from '../../src/runtime/runner.ts';
import type { RunSourceOptions, SourceRun } from '../../src/runtime/runner.ts';
import type { ScopeConfig } from '../../src/runtime/declarations.ts';
import { DAY, FakePlatform, FakeRequester, FakeWriter, HOUR, MINUTE, capturingLogger, settle, testDeclaration } from './fixtures.ts';
import type { DeclarationOptions, FakePost } from './fixtures.ts';

const START = Date.UTC(2026, 10, 1, 12);
const SOURCE = 'source-test';

interface Harness {
  clock: ManualClock;
  platform: FakePlatform;
  requester: FakeRequester;
  writer: FakeWriter;
  checkpoints: ReturnType<typeof createMemoryCheckpointStore>;
  metrics: Registry;
  lines: Array<Record<string, unknown>>;
  start(overrides?: Partial<Omit<RunSourceOptions, 'declaration'>> & { declaration?: DeclarationOptions }): SourceRun;
  stop(): Promise<void>;
}

function harness(initial: CollectorCheckpoint[] = []): Harness {
  const clock = new ManualClock(START);
  const platform = new FakePlatform(() => clock.now());
  const requester = new FakeRequester(platform, () => clock.now());
  const writer = new FakeWriter();
  const checkpoints = createMemoryCheckpointStore(initial);
  const metrics = new Registry();
  const { logger, lines } = capturingLogger();
  let controller: AbortController | undefined;
  let run: SourceRun | undefined;
  return {
    clock,
    platform,
    requester,
    writer,
    checkpoints,
    metrics,
    lines,
    start(overrides = {}) {
      controller = new AbortController();
      const { declaration, ...rest } = overrides;
      run = runSource({
        declaration: testDeclaration(declaration),
        requester,
        writer,
        checkpoints,
        clock,
        logger,
        metrics,
        scopes: [{ id: 'acc-1' }],
        mode: 'incremental',
        signal: controller.signal,
        ...rest,
      });
      return run;
    },
    async stop() {
      controller?.abort();
      await run?.done;
    },
  };
}

function posts(count: number, newest: number, spacingMs: number, prefix = 'p'): FakePost[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `${prefix}${index + 1}`,
    createdAt: newest - index * spacingMs,
    title: `post ${index + 1}`,
    views: 0,
  }));
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  const value = metric?.values.find((entry) => Object.entries(labels).every(([key, expected]) => entry.labels[key] === expected));
  return value?.value ?? 0;
}

describe('connector-kit/runtime/runner', () => {
  it('puts a page checkpoint only after the writer resolved for that page', async () => {
    const h = harness();
    h.platform.posts = posts(3, START - MINUTE, MINUTE);
    let release!: () => void;
    h.writer.hold = new Promise<void>((resolve) => (release = resolve));
    h.start({ declaration: { resumable: true } });
    await settle();
    assert.ok(h.requester.of('posts.list').length >= 1, 'the first page was fetched');
    assert.equal(
      h.checkpoints.history.filter((entry) => 'stream' in entry && entry.stream === 'posts').length,
      0,
      'nothing is checkpointed while Kafka has not acknowledged',
    );
    release();
    h.writer.hold = undefined;
    await settle();
    const walk = h.checkpoints.history.filter((entry): entry is CollectorCheckpoint => 'stream' in entry && entry.stream === 'posts');
    assert.deepEqual(
      walk.map((entry) => entry.cursor),
      ['2', null],
      'mid-walk cursor, then the finished walk',
    );
    assert.equal(walk.at(-1)!.watermark, START - MINUTE, 'the watermark is the newest item of the finished walk');
    await h.stop();
  });

  it('does not advance the checkpoint when the writer rejects, and reports the failure by code', async () => {
    const h = harness([
      {
        source: SOURCE,
        stream: 'posts',
        scope: 'acc-1',
        cursor: null,
        watermark: START - 10 * HOUR,
        backfill_reached: null,
        updated_at: 1,
      },
    ]);
    h.platform.posts = posts(3, START - MINUTE, MINUTE);
    h.writer.failWith = new TributaryError('KAFKA_PRODUCE_FAILED', 'broker down', { failureType: 'transient' });
    h.start();
    await settle();
    assert.deepEqual(h.checkpoints.get(SOURCE, 'posts', 'acc-1')?.watermark, START - 10 * HOUR, 'unchanged');
    assert.equal(h.checkpoints.history.filter((entry) => 'stream' in entry && entry.stream === 'posts').length, 0);
    assert.equal(
      await metricValue(h.metrics, 'tributary_source_stream_failures_total', { stream: 'posts', code: 'KAFKA_PRODUCE_FAILED' }),
      1,
    );
    const logged = h.lines.find((line) => line.code === 'KAFKA_PRODUCE_FAILED');
    assert.ok(logged, 'the failure is logged with its code');

    // Kafka is back: the next cadence succeeds and only then moves the watermark.
    h.writer.failWith = undefined;
    await h.clock.advanceAsync(30 * MINUTE);
    assert.equal(h.checkpoints.get(SOURCE, 'posts', 'acc-1')?.watermark, START - MINUTE);
    await h.stop();
  });

  it('resumes an unfinished walk from its checkpointed cursor after a restart', async () => {
    const first = harness();
    first.platform.posts = posts(6, START - MINUTE, MINUTE);
    // The walk dies on its third page (a crash stand-in): pages 1 and 2 are acknowledged and checkpointed.
    let pagesWritten = 0;
    const write = first.writer.write.bind(first.writer);
    first.writer.write = async (events) => {
      if (events.some((event) => event.topic === 'social.raw.posts')) pagesWritten += 1;
      if (pagesWritten === 3) throw new TributaryError('KAFKA_PRODUCE_FAILED', 'crash', { failureType: 'transient' });
      await write(events);
    };
    first.start({ declaration: { resumable: true } });
    await settle();
    await first.stop();
    const saved = first.checkpoints.get(SOURCE, 'posts', 'acc-1')!;
    assert.equal(saved.cursor, '4', 'two pages of two acknowledged');
    assert.equal(saved.watermark, null, 'no watermark before a walk finishes');

    const second = harness([saved]);
    second.platform.posts = first.platform.posts;
    const run = second.start({ declaration: { resumable: true } });
    await settle();
    const lists = second.requester.of('posts.list');
    assert.equal(lists[0]!.query?.cursor, '4', 'the restarted walk starts at the saved cursor');
    const written = second.writer.written
      .flat()
      .filter((event) => event.topic === 'social.raw.posts')
      .map((event) => event.key);
    assert.deepEqual(written.slice(0, 2), ['TIKTOK:p5', 'TIKTOK:p6'], 'the rest of the unfinished walk first');
    // The fan-out registry lives in memory: a walk from the top follows at once, so the posts on the pages before the
    // cursor are tracked (and polled) again; their events repeat with the same event ids.
    assert.equal(lists[1]!.query?.cursor, undefined, 'then a walk from the top');
    for (const id of ['p1', 'p2', 'p3', 'p4']) assert.ok(run.entities.get('posts', 'acc-1', id), `${id} is tracked again`);
    assert.equal(second.checkpoints.get(SOURCE, 'posts', 'acc-1')!.cursor, null, 'walk finished');
    await second.stop();
  });

  it('re-observes items within the lookback of the previous watermark, and nothing older', async () => {
    const watermark = START - 10 * HOUR;
    const h = harness([
      { source: SOURCE, stream: 'posts', scope: 'acc-1', cursor: null, watermark, backfill_reached: null, updated_at: 1 },
    ]);
    h.platform.posts = [
      { id: 'new', createdAt: START - HOUR, title: 'new', views: 0 },
      { id: 'at-watermark', createdAt: watermark, title: 'w', views: 0 },
      { id: 'in-lookback', createdAt: watermark - HOUR, title: 'l', views: 0 },
      { id: 'too-old', createdAt: watermark - 3 * HOUR, title: 'o', views: 0 },
      { id: 'older', createdAt: watermark - 4 * HOUR, title: 'o2', views: 0 },
    ];
    // No fan-out rebuild in this test: a tracking window shorter than the lookback.
    h.start({ declaration: { lookbackMs: 2 * HOUR, trackingWindowMs: HOUR } });
    await settle();
    const keys = h.writer.written
      .flat()
      .filter((event) => event.topic === 'social.raw.posts')
      .map((event) => event.key);
    assert.deepEqual(keys, ['TIKTOK:new', 'TIKTOK:at-watermark', 'TIKTOK:in-lookback']);
    assert.equal(h.requester.of('posts.list').length, 2, 'the walk stops at the page that crosses the floor');
    assert.equal(h.checkpoints.get(SOURCE, 'posts', 'acc-1')!.watermark, START - HOUR);
    await h.stop();
  });

  it('yields the same event_ids when a page is collected again after a crash between write and checkpoint', async () => {
    const h = harness();
    h.platform.posts = posts(2, START - MINUTE, MINUTE);
    const put = h.checkpoints.put.bind(h.checkpoints);
    let failPuts = true;
    h.checkpoints.put = async (checkpoint) => {
      if (failPuts && checkpoint.stream === 'posts')
        throw new TributaryError('KAFKA_PRODUCE_FAILED', 'crash before the checkpoint', { failureType: 'transient' });
      await put(checkpoint);
    };
    h.start();
    await settle();
    const firstIds = h.writer.eventIds().filter((_, index) => h.writer.written.flat()[index]!.topic === 'social.raw.posts');
    assert.equal(firstIds.length, 2);
    assert.equal(h.checkpoints.get(SOURCE, 'posts', 'acc-1'), undefined);
    failPuts = false;
    const before = h.writer.written.length;
    await h.clock.advanceAsync(30 * MINUTE);
    const again = h.writer.written
      .slice(before)
      .flat()
      .filter((event) => event.topic === 'social.raw.posts')
      .map((event) => (event.value as { envelope: { event_id: string } }).envelope.event_id);
    assert.deepEqual(again, firstIds, 'the re-collected page has the same ids (downstream de-duplicates)');
    assert.notEqual(h.checkpoints.get(SOURCE, 'posts', 'acc-1'), undefined);
    await h.stop();
  });

  it('reports events that do not fit their schema (count + log with event ids) and still checkpoints the page', async () => {
    const h = harness();
    h.platform.posts = posts(1, START - MINUTE, MINUTE);
    const write = h.writer.write.bind(h.writer);
    h.writer.write = async (events) => {
      await write(events);
      const bad = events.find((event) => event.topic === 'social.raw.posts');
      if (bad) {
        const eventId = (bad.value as { envelope: { event_id: string } }).envelope.event_id;
        throw new EventsRejectedError(
          [{ topic: bad.topic, deadLetterTopic: null, key: bad.key, eventId, paths: ['title: expected string'], message: 'bad' }],
          0,
        );
      }
    };
    h.start();
    await settle();
    assert.equal(await metricValue(h.metrics, 'tributary_source_invalid_events_total', { stream: 'posts', topic: 'social.raw.posts' }), 1);
    const line = h.lines.find((entry) => entry.code === 'CONNECTOR_EVENTS_INVALID') as { rejected: Array<{ eventId: string }> } | undefined;
    assert.ok(line, 'logged');
    assert.match(line.rejected[0]!.eventId, /^[0-9a-f]{64}$/);
    assert.equal(h.checkpoints.get(SOURCE, 'posts', 'acc-1')!.watermark, START - MINUTE, 'the stream went on');
    assert.equal(await metricValue(h.metrics, 'tributary_source_stream_failures_total', { stream: 'posts' }), 0, 'not a stream failure');
    await h.stop();
  });

  it('polls young and fast-growing posts more often than old and quiet ones', async () => {
    const h = harness();
    h.platform.posts = [
      { id: 'young-slow', createdAt: START - 10 * MINUTE, title: 'a', views: 10, viewsPerHour: 5 },
      { id: 'young-fast', createdAt: START - 10 * MINUTE, title: 'b', views: 10, viewsPerHour: 50_000 },
      { id: 'old-slow', createdAt: START - 2 * DAY, title: 'c', views: 10, viewsPerHour: 1 },
    ];
    h.start({ declaration: { listEveryMs: 12 * HOUR } });
    await h.clock.advanceAsync(12 * HOUR);
    await h.stop();
    const polls = (id: string) =>
      h.writer.written.flat().filter((event) => event.topic === 'social.raw.post-metrics' && event.key === `TIKTOK:${id}`).length;
    const youngFast = polls('young-fast');
    const youngSlow = polls('young-slow');
    const oldSlow = polls('old-slow');
    assert.ok(youngFast > youngSlow, `fast ${youngFast} > slow ${youngSlow}`);
    assert.ok(youngSlow > oldSlow, `young ${youngSlow} > old ${oldSlow}`);
    assert.ok(oldSlow >= 2 && oldSlow <= 3, `old posts every 6 h: ${oldSlow}`);
  });

  it('a targeted refresh polls that entity at once, and wake() starts a list walk before its cadence', async () => {
    const h = harness();
    h.platform.posts = [{ id: 'old', createdAt: START - 2 * DAY, title: 'o', views: 5 }];
    const run = h.start({ declaration: { listEveryMs: 12 * HOUR } });
    await h.clock.advanceAsync(1_000); // a list walk that finds new content wakes the fan-out
    assert.equal(h.requester.of('posts.metrics').length, 1, 'first poll of the discovered post, without waiting for the sweep interval');
    assert.equal(h.requester.of('posts.list').length, 1);
    // A webhook says `old` changed and a new post `announced` exists: both are polled now, not in 6 h.
    run.refresh('posts', 'acc-1', { id: 'old', publishedAt: START - 2 * DAY });
    run.refresh('posts', 'acc-1', { id: 'announced', publishedAt: START });
    h.platform.posts.push({ id: 'announced', createdAt: START, title: 'a', views: 1 });
    await h.clock.advanceAsync(1_000);
    const polled = h.requester
      .of('posts.metrics')
      .slice(1)
      .flatMap((entry) => String(entry.query?.ids).split(','));
    assert.deepEqual(polled.sort(), ['announced', 'old']);
    run.wake('posts', 'acc-1');
    await h.clock.advanceAsync(1_000);
    assert.equal(h.requester.of('posts.list').length, 2, 'the list walk ran again without waiting 12 h');
    await h.stop();
  });

  it('a batch the platform refuses fails alone: the other batches of the sweep land, the failure is counted', async () => {
    const h = harness();
    h.platform.posts = posts(6, START - 10 * MINUTE, MINUTE); // three batches of two
    h.requester.failures.push({
      endpoint: 'posts.metrics',
      when: (request) => String(request.query?.ids).split(',').includes('p3'),
      error: () => new TributaryError('CONNECTOR_REQUEST_REJECTED', 'not enough viewers', { failureType: 'data', retryable: false }),
      times: 1,
    });
    h.start();
    await h.clock.advanceAsync(1_000);
    const measured = new Set(
      h.writer.written
        .flat()
        .filter((event) => event.topic === 'social.raw.post-metrics')
        .map((event) => event.key),
    );
    assert.deepEqual([...measured].sort(), ['TIKTOK:p1', 'TIKTOK:p2', 'TIKTOK:p5', 'TIKTOK:p6']);
    assert.equal(
      await metricValue(h.metrics, 'tributary_source_stream_failures_total', {
        stream: 'post_metrics',
        code: 'CONNECTOR_REQUEST_REJECTED',
      }),
      1,
    );
    await h.clock.advanceAsync(6 * MINUTE);
    assert.ok(
      h.writer.written.flat().some((event) => event.key === 'TIKTOK:p3'),
      'the refused batch is polled again on its cadence',
    );
    await h.stop();
  });

  it('two fan-out streams over one entity set keep their own schedule and tracking window', async () => {
    const h = harness();
    h.platform.posts = [
      { id: 'young', createdAt: START - 10 * MINUTE, title: 'y', views: 0 },
      { id: 'older', createdAt: START - 2 * DAY, title: 'o', views: 0 },
    ];
    // Only the first (rebuild) walk reaches the older post; the recent stream must not make the other forget it.
    h.start({ declaration: { withRecentFanOut: true } });
    await h.clock.advanceAsync(7 * HOUR);
    const polledIds = (track: 'recent' | undefined) =>
      h.requester
        .of('posts.metrics')
        .filter((entry) => entry.query?.track === track)
        .flatMap((entry) => String(entry.query?.ids).split(','));
    assert.deepEqual([...new Set(polledIds('recent'))], ['young'], 'the one-hour stream polls only the young post');
    assert.ok(
      polledIds(undefined).filter((id) => id === 'older').length >= 2,
      'the three-day stream keeps polling the older post on its own cadence',
    );
    await h.stop();
  });

  it('tags requests by priority: ephemeral stories, fresh lists and young posts, refresh for old posts and profiles, backfill last', async () => {
    const h = harness();
    h.platform.posts = [
      { id: 'young', createdAt: START - 10 * MINUTE, title: 'y', views: 0 },
      { id: 'old', createdAt: START - 2 * DAY, title: 'o', views: 0 },
      { id: 'story', createdAt: START - HOUR, title: 's', views: 0, story: true },
    ];
    h.start({ declaration: { withStories: true }, mode: 'backfill', backfill: { startAt: START - 30 * DAY } });
    await h.clock.advanceAsync(5 * MINUTE); // the fan-out picks up what the lists discovered
    await h.stop();
    const priorities = (endpoint: string) => new Set(h.requester.of(endpoint).map((entry) => entry.priority));
    assert.deepEqual(priorities('stories.list'), new Set(['ephemeral']));
    assert.deepEqual(priorities('posts.list'), new Set(['fresh', 'backfill']));
    assert.deepEqual(priorities('profile'), new Set(['refresh']));
    const byPost = new Map(h.requester.of('posts.metrics').map((entry) => [String(entry.query?.ids), entry.priority] as const));
    assert.equal(byPost.get('story'), 'ephemeral');
    assert.equal(byPost.get('young'), 'fresh');
    assert.equal(byPost.get('old'), 'refresh');
    assert.ok(
      h.requester.requests.every((entry) => entry.credential === 'acc-1'),
      'the scope credential is on every request',
    );
  });

  it('walks a backfill to its start with progress (checkpoint, log, gauge) and resumes it after a restart', async () => {
    const startAt = START - 20 * DAY;
    const history = posts(12, START - HOUR, 2 * DAY); // p1 .. p12, the last ones before startAt
    const first = harness();
    first.platform.posts = history;
    // The backfill dies on its third page.
    let backfillPages = 0;
    const request = first.requester.request.bind(first.requester);
    first.requester.request = async (call) => {
      if (call.priority === 'backfill' && ++backfillPages === 3)
        throw new RetriesExhaustedError('CONNECTOR_RETRIES_EXHAUSTED', 'gave up', [new Error('503')]);
      return request(call);
    };
    first.start({ mode: 'backfill', backfill: { startAt, progressEveryPages: 1 } });
    await settle();
    await first.stop();
    const saved = first.checkpoints.get(SOURCE, backfillStreamName('posts'), 'acc-1')!;
    assert.equal(saved.cursor, '4');
    assert.equal(saved.backfill_reached, history[3]!.createdAt, 'the oldest item reached so far');
    assert.ok(first.lines.some((line) => line.msg === 'Backfill progress.' && line.pages === 1));
    assert.equal(
      await metricValue(first.metrics, 'tributary_source_backfill_reached_timestamp_seconds', { stream: 'posts' }),
      Math.floor(history[3]!.createdAt / 1000),
    );

    const second = harness([saved]);
    second.platform.posts = history;
    second.start({ mode: 'backfill', backfill: { startAt } });
    await settle();
    const backfillCalls = second.requester.requests.filter((entry) => entry.priority === 'backfill');
    assert.equal(backfillCalls[0]!.query?.cursor, '4', 'resumed at the saved cursor');
    const done = second.checkpoints.get(SOURCE, backfillStreamName('posts'), 'acc-1')!;
    assert.deepEqual([done.cursor, done.backfill_reached], [null, startAt], 'reached its start');
    const backfilled = second.writer.written.flat().map((event) => event.key);
    assert.ok(backfilled.includes('TIKTOK:p10') && !backfilled.includes('TIKTOK:p11'), 'stops at startAt');
    assert.ok(second.lines.some((line) => line.msg === 'Backfill reached its start.'));
    await second.stop();

    // A third start sees the finished backfill and walks nothing.
    const third = harness([done]);
    third.platform.posts = history;
    third.start({ mode: 'backfill', backfill: { startAt } });
    await settle();
    await third.stop();
    assert.equal(third.requester.requests.filter((entry) => entry.priority === 'backfill').length, 0);
  });

  it('polls what a backfill found once, at backfill priority after fresher work, then forgets it', async () => {
    const h = harness();
    // p1 is young; p2 (2 days old) only the backfill reaches but it is inside the 3-day tracking window, so it is
    // tracked like any other; p3..p8 are older than the window.
    h.platform.posts = posts(8, START - HOUR, 2 * DAY);
    h.start({ mode: 'backfill', backfill: { startAt: START - 20 * DAY }, declaration: { lookbackMs: 2 * HOUR } });
    await h.clock.advanceAsync(6 * MINUTE);
    const polls = h.requester.of('posts.metrics').map((entry) => ({ ids: String(entry.query?.ids), priority: entry.priority }));
    const historyPolls = polls.filter((poll) => poll.priority === 'backfill');
    assert.deepEqual(
      historyPolls.flatMap((poll) => poll.ids.split(',')).sort(),
      ['p3', 'p4', 'p5', 'p6', 'p7', 'p8'],
      'every post older than the window that only the backfill found got one metrics poll',
    );
    assert.deepEqual(
      polls.filter((poll) => poll.ids.split(',').includes('p2')).map((poll) => poll.priority),
      ['refresh'],
      'a found post inside the window is tracked at its age priority',
    );
    const firstHistory = polls.findIndex((poll) => poll.priority === 'backfill');
    assert.ok(
      polls.slice(firstHistory).every((poll) => poll.priority === 'backfill'),
      'fresher polls come first within a sweep',
    );
    const metricsOf = (id: string) =>
      h.writer.written.flat().filter((event) => event.topic === 'social.raw.post-metrics' && event.key === `TIKTOK:${id}`);
    assert.equal(metricsOf('p5').length, 1);
    await h.clock.advanceAsync(2 * DAY);
    assert.equal(metricsOf('p5').length, 1, 'history is polled once, not on a cadence');
    assert.ok(metricsOf('p1').length > 1, 'the young post keeps its cadence');
    await h.stop();
  });

  it('keeps other streams and scopes running when one fails, and retries the failed one on its cadence', async () => {
    const h = harness();
    h.platform.posts = posts(2, START - MINUTE, MINUTE);
    h.requester.failures.push({
      endpoint: 'profile',
      scope: 'acc-1',
      times: 1,
      error: () => new RetriesExhaustedError('CONNECTOR_RETRIES_EXHAUSTED', 'profile kept failing', [new Error('503'), new Error('503')]),
    });
    h.requester.failures.push({
      endpoint: 'posts.list',
      scope: 'acc-2',
      error: () => new TributaryError('CONNECTOR_CIRCUIT_OPEN', 'breaker open', { failureType: 'transient' }),
    });
    h.start({ scopes: [{ id: 'acc-1' }, { id: 'acc-2' }] });
    await settle();
    assert.ok(h.checkpoints.get(SOURCE, 'posts', 'acc-1'), 'posts of acc-1 ran');
    assert.ok(h.checkpoints.get(SOURCE, 'profile', 'acc-2'), 'profile of acc-2 ran');
    assert.equal(h.checkpoints.get(SOURCE, 'profile', 'acc-1'), undefined);
    assert.equal(
      await metricValue(h.metrics, 'tributary_source_stream_failures_total', { stream: 'profile', code: 'CONNECTOR_RETRIES_EXHAUSTED' }),
      1,
    );
    assert.equal(
      await metricValue(h.metrics, 'tributary_source_stream_failures_total', { stream: 'posts', code: 'CONNECTOR_CIRCUIT_OPEN' }),
      1,
    );
    await h.clock.advanceAsync(6 * HOUR);
    assert.ok(h.checkpoints.get(SOURCE, 'profile', 'acc-1'), 'the profile stream succeeded on its next cadence');
    assert.ok(h.requester.of('posts.list', 'acc-2').length > 1, 'the failing stream is retried on its cadence');
    await h.stop();
  });

  it('pauses only the streams of a suspended credential, until the requester reports it active', async () => {
    const h = harness();
    h.platform.posts = posts(1, START - MINUTE, MINUTE);
    const scopes: ScopeConfig[] = [
      { id: 'acc-1', credential: 'cred-a' },
      { id: 'acc-2', credential: 'cred-b' },
    ];
    h.requester.credentialStates.set('cred-a', 'suspended').set('cred-b', 'active');
    h.requester.failures.push({
      endpoint: 'posts.list',
      scope: 'acc-1',
      times: 1,
      error: () => new TributaryError('CONNECTOR_CREDENTIAL_SUSPENDED', 'grant revoked', { failureType: 'config' }),
    });
    const run = h.start({ scopes });
    await settle();
    const before = h.requester.requests.filter((entry) => entry.scope === 'acc-1').length;
    await h.clock.advanceAsync(6 * HOUR);
    const after = h.requester.requests.filter((entry) => entry.scope === 'acc-1').length;
    // Streams of acc-1 that started before the suspension was seen may have run once; none after.
    const suspendedAt = h.requester.of('posts.list', 'acc-1')[0]!.at;
    assert.ok(
      h.requester.requests.filter((entry) => entry.scope === 'acc-1' && entry.at > suspendedAt).length === 0,
      `no calls for acc-1 (${before} → ${after})`,
    );
    assert.ok(h.requester.requests.filter((entry) => entry.scope === 'acc-2' && entry.at > START).length > 0, 'acc-2 keeps going');
    assert.ok(run.health().some((entry) => entry.scope === 'acc-1' && entry.suspended));
    h.requester.credentialStates.set('cred-a', 'active');
    await h.clock.advanceAsync(HOUR);
    assert.ok(
      h.requester.of('posts.list', 'acc-1').some((entry) => entry.at > suspendedAt),
      'resumed once active',
    );
    await h.stop();
  });

  it('rebuilds the fan-out registry after a restart from the list walk over the tracking window', async () => {
    const watermark = START - MINUTE;
    // A checkpoint from before the restart: the normal floor (watermark - 2 h lookback) would miss p3 (2 days old).
    const h = harness([
      { source: SOURCE, stream: 'posts', scope: 'acc-1', cursor: null, watermark, backfill_reached: null, updated_at: 1 },
    ]);
    h.platform.posts = [
      { id: 'p1', createdAt: START - MINUTE, title: '1', views: 0 },
      { id: 'p2', createdAt: START - 5 * HOUR, title: '2', views: 0 },
      { id: 'p3', createdAt: START - 2 * DAY, title: '3', views: 0 },
      { id: 'p4', createdAt: START - 5 * DAY, title: '4', views: 0 },
    ];
    const run = h.start({ declaration: { trackingWindowMs: 3 * DAY } });
    await settle();
    await h.clock.advanceAsync(5 * MINUTE);
    assert.ok(run.entities.get('posts', 'acc-1', 'p3'), 'p3 is tracked again');
    assert.equal(run.entities.get('posts', 'acc-1', 'p4'), undefined, 'beyond the tracking window');
    // The next walks go back to the normal lookback only.
    const walksBefore = h.requester.of('posts.list').length;
    await h.clock.advanceAsync(30 * MINUTE);
    assert.equal(h.requester.of('posts.list').length - walksBefore, 1, 'one page: the lookback floor is reached at once');
    await h.stop();
  });

  it('on stop, finishes the page in hand (write and checkpoint) and returns', async () => {
    const h = harness();
    h.platform.posts = posts(4, START - MINUTE, MINUTE);
    let release!: () => void;
    h.writer.hold = new Promise<void>((resolve) => (release = resolve));
    h.start({ declaration: { resumable: true } });
    await settle();
    const stopped = h.stop();
    h.writer.hold = undefined;
    release();
    await stopped;
    const saved = h.checkpoints.get(SOURCE, 'posts', 'acc-1');
    assert.equal(saved?.cursor, '2', 'the page in hand was checkpointed, the walk did not go on');
    assert.equal(h.requester.of('posts.list').length, 1);
  });

  it('collects each page in a span: the mapper gets its traceparent and the write runs inside it', async () => {
    const tracing = startTracing({ serviceName: 'runner-test', otlpEndpoint: '' });
    try {
      const h = harness();
      const seen: Array<string | null> = [];
      const activeDuringWrite: string[] = [];
      const write = h.writer.write.bind(h.writer);
      h.writer.write = async (events) => {
        const span = trace.getActiveSpan();
        if (span) activeDuringWrite.push(span.spanContext().spanId);
        await write(events);
      };
      const declaration = testDeclaration();
      const profile = declaration.streams.find((stream) => stream.name === 'profile')!;
      if (profile.kind !== 'single') throw new Error('fixture changed');
      const map = profile.map;
      profile.map = (response, context) => {
        seen.push(context.traceparent);
        return map(response, context);
      };
      const controller = new AbortController();
      const run = runSource({
        declaration: { ...declaration, streams: [profile] },
        requester: h.requester,
        writer: h.writer,
        checkpoints: h.checkpoints,
        clock: h.clock,
        logger: capturingLogger().logger,
        metrics: h.metrics,
        scopes: [{ id: 'acc-1' }],
        mode: 'incremental',
        signal: controller.signal,
      });
      await settle();
      controller.abort();
      await run.done;
      assert.equal(seen.length, 1);
      const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(seen[0] ?? '');
      assert.ok(match, `traceparent ${seen[0]}`);
      assert.deepEqual(activeDuringWrite, [match[2]], 'the write (and so the producer span) runs inside the collect span');
    } finally {
      await tracing.shutdown();
    }
  });

  it('refuses a declaration with duplicate streams or a fan-out over an entity set nobody discovers', () => {
    const declaration = testDeclaration();
    assert.doesNotThrow(() => validateDeclaration(declaration));
    const posts = declaration.streams[0]!;
    const fanOut = declaration.streams.find((stream) => stream.kind === 'fan-out')!;
    assert.throws(
      () => validateDeclaration({ ...declaration, streams: [posts, { ...posts }, { ...fanOut, entitySet: 'videos' }] }),
      (error: unknown) => {
        assert.ok(isTributaryError(error));
        assert.equal(error.code, 'CONNECTOR_DECLARATION_INVALID');
        assert.equal(error.failureType, 'config');
        assert.match(error.message, /"posts" is declared twice/);
        assert.match(error.message, /entity set "videos", which no list stream discovers/);
        return true;
      },
    );
  });

  it('forgets a resume cursor the platform refuses (a data error), so the next walk starts from the top', async () => {
    const stale: CollectorCheckpoint = {
      source: SOURCE,
      stream: 'posts',
      scope: 'acc-1',
      cursor: '4',
      watermark: START - 10 * HOUR,
      backfill_reached: null,
      updated_at: 1,
    };
    const h = harness([stale]);
    h.platform.posts = posts(3, START - MINUTE, MINUTE);
    h.requester.failures.push({
      endpoint: 'posts.list',
      when: (request) => request.query?.cursor === '4',
      error: () => new TributaryError('CONNECTOR_REQUEST_REJECTED', 'HTTP 400 invalid cursor', { failureType: 'data', retryable: false }),
    });
    h.start({ declaration: { resumable: true } });
    await settle();
    assert.deepEqual(
      [h.checkpoints.get(SOURCE, 'posts', 'acc-1')?.cursor, h.checkpoints.get(SOURCE, 'posts', 'acc-1')?.watermark],
      [null, START - 10 * HOUR],
      'cursor forgotten, watermark kept',
    );
    assert.equal(
      await metricValue(h.metrics, 'tributary_source_stream_failures_total', { stream: 'posts', code: 'CONNECTOR_REQUEST_REJECTED' }),
      1,
    );
    await h.clock.advanceAsync(30 * MINUTE);
    const lists = h.requester.of('posts.list');
    assert.equal(lists[1]!.query?.cursor, undefined, 'the next walk starts at the top');
    assert.equal(h.checkpoints.get(SOURCE, 'posts', 'acc-1')?.watermark, START - MINUTE, 'and finishes');
    await h.stop();
  });

  it('treats waiting for quota as waiting, not failure: other streams go on and the waiting one finishes later', async () => {
    const h = harness();
    h.platform.posts = posts(1, START - MINUTE, MINUTE);
    const request = h.requester.request.bind(h.requester);
    h.requester.request = async (call) => {
      // The quota ledger holds the profile call for three hours (the budget resets then).
      if (call.endpoint === 'profile') await h.clock.sleep(3 * HOUR, call.signal);
      return request(call);
    };
    h.start();
    await settle();
    assert.ok(h.checkpoints.get(SOURCE, 'posts', 'acc-1'), 'posts ran while profile waited');
    assert.equal(h.checkpoints.get(SOURCE, 'profile', 'acc-1'), undefined);
    await h.clock.advanceAsync(3 * HOUR);
    assert.equal(h.checkpoints.get(SOURCE, 'profile', 'acc-1')?.watermark, START + 3 * HOUR, 'profile finished once quota was back');
    assert.equal(await metricValue(h.metrics, 'tributary_source_stream_failures_total', { stream: 'profile' }), 0);
    assert.ok(h.requester.of('posts.list').length >= 6, 'posts kept its cadence meanwhile');
    await h.stop();
  });

  it('aborts a request waiting for quota on stop, without counting a failure', async () => {
    const h = harness();
    const request = h.requester.request.bind(h.requester);
    h.requester.request = async (call) => {
      if (call.endpoint === 'profile') await h.clock.sleep(DAY, call.signal);
      return request(call);
    };
    h.start();
    await settle();
    await h.stop();
    assert.equal(await metricValue(h.metrics, 'tributary_source_stream_failures_total', { stream: 'profile' }), 0);
    assert.equal(h.checkpoints.get(SOURCE, 'profile', 'acc-1'), undefined);
  });

  it('during an outage, retries a failing fan-out on its minimum interval (not hot) and logs the streak quietly', async () => {
    const h = harness();
    h.platform.posts = posts(2, START - 10 * MINUTE, MINUTE);
    h.requester.failures.push({
      endpoint: 'posts.metrics',
      error: () => new TributaryError('CONNECTOR_CIRCUIT_OPEN', 'breaker open', { failureType: 'transient' }),
    });
    h.start({ declaration: { listEveryMs: DAY } });
    await h.clock.advanceAsync(2 * HOUR);
    await h.stop();
    const attempts = h.requester.of('posts.metrics').length;
    // TEST_CADENCE.minIntervalMs is 5 min: at most one failed sweep per 5 min over 2 h.
    assert.ok(attempts >= 20 && attempts <= 25, `${attempts} attempts in 2 h`);
    const errorLines = h.lines.filter((line) => line.code === 'CONNECTOR_CIRCUIT_OPEN' && line.level === 'error').length;
    assert.ok(errorLines >= 1 && errorLines <= 3, `${errorLines} error lines for ${attempts} failures`);
  });
});
