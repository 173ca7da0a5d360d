// The whole chain (issue 5): platform simulators → three source processes (their main.ts) →
// social.raw.* → transform-enrich → social.enriched.* → transform-quality → social.curated.* /
// social.quarantine.* → sink-clickhouse → ClickHouse, on topics and a database of its own.
//   1. Every post, metric snapshot and account the simulators served is in the curated tables
//      exactly once, or was quarantined — and every quarantined event is in the quarantine
//      table with the reasons the quality stage gave it. Curated rows carry enrichment and a
//      quality verdict; posts polled several times get deltas against their previous snapshot.
//   2. Replay: moving transform-enrich back to the start of the raw topics reprocesses
//      everything through enrich, quality and the sink, and the final tables do not change.
import assert from 'node:assert/strict';
import { avroType } from '@tributary/events';
import type { EventSchemaName } from '@tributary/events';
import { connectTopicAdmin, readQuarantineHeaders, readTopicToEnd } from '@tributary/kafka';
import { startPlatformSim } from '@tributary/platform-sim';
import type { PlatformSim } from '@tributary/platform-sim';
import { startProcessor } from '@tributary/processor-kit';
import type { ProcessorHandle, ProcessorServiceSettings } from '@tributary/processor-kit';
import { startSink } from '@tributary/sink-clickhouse';
import type { Sink } from '@tributary/sink-clickhouse';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { ENRICH, loadEnrichSettings } from '@tributary/transform-enrich';
import { QUALITY, loadQualitySettings } from '@tributary/transform-quality';
import { groupLag } from '../../packages/cli/src/demo/progress.ts';
import { replay } from '../../packages/cli/src/operations/replay.ts';
import { errorLines, freePort, servedKeys, simulatorEnvironment, spawnSource, testSinkOptions } from './collection-fixture.ts';
import type { IsolatedRun, SourceName, SourceProcess } from './collection-fixture.ts';
import { delay, quietLogger, waitFor } from './kafka-runtime-fixture.ts';
import { EVENT_SCHEMAS_BY_TYPE, isolatedPipeline } from './pipeline-fixture.ts';
import type { IsolatedPipeline } from './pipeline-fixture.ts';

const TYPES = Object.keys(EVENT_SCHEMAS_BY_TYPE) as Array<keyof typeof EVENT_SCHEMAS_BY_TYPE>;
const QUARANTINED_TYPES = TYPES.filter((type) => type !== 'deletions');

interface Quarantined {
  type: string;
  key: string;
  eventId: string;
  reasons: string[];
}

describe('pipeline end to end: simulators → sources → enrich → quality → sink → ClickHouse (integration)', function () {
  this.timeout(420_000);
  let stack: TestStack;
  let pipeline: IsolatedPipeline;
  let sim: PlatformSim;
  let enrich: ProcessorHandle | undefined;
  let quality: ProcessorHandle | undefined;
  let sink: Sink | undefined;
  const sources: SourceProcess[] = [];
  const groups = { enrich: uniqueName('e2e-enrich'), quality: uniqueName('e2e-quality'), sink: uniqueName('e2e-sink') };

  before(async () => {
    stack = await useTestStack();
    pipeline = await isolatedPipeline(stack, 'pipeline');
    sim = await startPlatformSim({
      seed: uniqueName('pipeline-e2e'),
      clock: { startTime: Date.now(), speed: 1 }, // the sources run on the system clock
      accounts: { tiktok: 1, instagram: 1, youtube: 1 },
      knobs: { content: { postsPerAccount: 15, revisionProbability: 0.1 } },
    });
    // One TikTok list page dates its videos 400 days ahead: the quality stage must quarantine those posts.
    sim.faults.set({ platform: 'tiktok', kind: 'future-timestamps', endpoint: 'video.list', count: 1 });
  });

  after(async () => {
    for (const source of sources)
      if (source.process.exitCode === null && source.process.signalCode === null) source.process.kill('SIGKILL');
    await Promise.allSettled([enrich?.stop(), quality?.stop(), sink?.stop()]);
    await sim?.close();
    await pipeline?.drop();
  });

  function processorSettings<S extends ProcessorServiceSettings>(base: S, groupId: string): S {
    return {
      ...base,
      kafka: stack.kafka,
      registry: stack.registry,
      processor: {
        ...base.processor,
        groupId,
        topicOverrides: pipeline.overrides,
        fromBeginning: true,
        maxBatchRecords: 200,
        shutdownDeadlineMs: 10_000,
      },
      http: { ...base.http, port: 0 },
      telemetry: { ...base.telemetry, logLevel: 'error' },
    };
  }

  async function startStages(): Promise<void> {
    enrich = await startProcessor(ENRICH, processorSettings(loadEnrichSettings(), groups.enrich), { logger: quietLogger });
    quality = await startProcessor(QUALITY, processorSettings(loadQualitySettings(), groups.quality), { logger: quietLogger });
    sink = await startSink({
      options: testSinkOptions({
        groupId: groups.sink,
        topics: TYPES.map((type) => `${pipeline.topics[`social.curated.${type}`]}=${EVENT_SCHEMAS_BY_TYPE[type]}`),
        quarantineTopics: [
          ...QUARANTINED_TYPES.map((type) => `${pipeline.topics[`social.quarantine.${type}`]}=${EVENT_SCHEMAS_BY_TYPE[type]}`),
          pipeline.topics['dlq.transform-enrich']!,
          pipeline.topics['dlq.transform-quality']!,
        ],
        deadLetterTopic: pipeline.topics['dlq.sink-clickhouse']!,
      }),
      kafka: stack.kafka,
      registry: stack.registry,
      clickhouse: pipeline.clickhouse,
      logger: quietLogger,
    });
  }

  async function stopStages(): Promise<void> {
    await Promise.all([enrich?.stop(), quality?.stop(), sink?.stop()]);
    enrich = quality = sink = undefined;
  }

  async function rows(query: string): Promise<Array<Record<string, string>>> {
    return (await (await pipeline.clickhouse.query({ query, format: 'JSONEachRow' })).json()) as Array<Record<string, string>>;
  }
  async function keys(query: string): Promise<Set<string>> {
    return new Set((await rows(query)).map((row) => `${row.platform}:${row.id}`));
  }

  /** Every record on the run's quarantine topics, decoded, with its reasons. */
  async function quarantined(): Promise<Quarantined[]> {
    const found: Quarantined[] = [];
    for (const type of QUARANTINED_TYPES) {
      const type_ = avroType(EVENT_SCHEMAS_BY_TYPE[type] as EventSchemaName);
      await readTopicToEnd({
        kafka: stack.kafka,
        logger: quietLogger,
        clientName: 'pipeline-e2e-quarantine',
        topic: pipeline.topics[`social.quarantine.${type}`]!,
        onRecord: (record) => {
          const event = type_.fromBuffer(record.value!.subarray(5)) as {
            envelope: { event_id: string; platform: string; entity_id: string };
          };
          const headers = readQuarantineHeaders(record.headers);
          found.push({
            type,
            key: `${event.envelope.platform}:${event.envelope.entity_id}`,
            eventId: event.envelope.event_id,
            reasons: headers ? headers.reasons.split(',') : [],
          });
        },
      });
    }
    return found;
  }

  /** Sum over the groups of records not yet read. */
  async function pipelineLag(): Promise<number> {
    const admin = await connectTopicAdmin(stack.kafka, quietLogger);
    const physical = (stage: string, types: readonly string[]): string[] =>
      types.map((type) => pipeline.topics[`social.${stage}.${type}`]!);
    try {
      const lags = await Promise.all([
        groupLag(admin, groups.enrich, physical('raw', TYPES)),
        groupLag(admin, groups.quality, physical('enriched', TYPES)),
        groupLag(admin, groups.sink, [...physical('curated', TYPES), ...physical('quarantine', QUARANTINED_TYPES)]),
      ]);
      return lags.reduce((sum, lag) => sum + lag, 0);
    } finally {
      await admin.close();
    }
  }

  /** The business content of the final tables, per table and event: everything but lineage and ingestion time. */
  async function finalTables(): Promise<Record<string, Map<string, string>>> {
    const lineage = new Set(['source_topic', 'source_partition', 'source_offset', 'ingested_at', 'trace_id', 'schema_id']);
    const snapshot: Record<string, Map<string, string>> = {};
    for (const table of ['posts', 'post_metrics', 'post_metrics_latest', 'account_metrics', 'account_metrics_latest', 'comments']) {
      const columns = (
        await rows(`SELECT name FROM system.columns WHERE database = currentDatabase() AND table = '${table}' ORDER BY position`)
      )
        .map((row) => row.name!)
        .filter((name) => !lineage.has(name));
      const content = await rows(`SELECT ${columns.join(', ')} FROM ${table} FINAL ORDER BY event_id`);
      snapshot[table] = new Map(content.map((row) => [row.event_id!, JSON.stringify(row)]));
    }
    return snapshot;
  }

  /** The first difference between two snapshots of a table, as a short message; undefined when equal. */
  function firstDifference(before: Map<string, string>, after: Map<string, string>): string | undefined {
    if (before.size !== after.size) return `${before.size} rows before, ${after.size} after`;
    for (const [eventId, row] of before) {
      const other = after.get(eventId);
      if (other === row) continue;
      if (other === undefined) return `event ${eventId} is gone`;
      const a = JSON.parse(row) as Record<string, unknown>;
      const b = JSON.parse(other) as Record<string, unknown>;
      const changed = Object.keys(a).filter((column) => JSON.stringify(a[column]) !== JSON.stringify(b[column]));
      return `event ${eventId}: ${changed.map((column) => `${column} ${JSON.stringify(a[column])} → ${JSON.stringify(b[column])}`).join(', ')}`;
    }
    return undefined;
  }

  it('lands what the simulators served exactly once in the curated tables, with quarantined events accounted for by reason', async () => {
    const run: IsolatedRun = {
      topics: pipeline.topics,
      topicOverrides: pipeline.overrides.filter((entry) => entry.startsWith('social.raw.')).join(','),
      checkpointTopic: pipeline.checkpointTopic,
      database: pipeline.database,
      clickhouse: pipeline.clickhouse,
      drop: () => pipeline.drop(),
    };
    await startStages();
    for (const name of ['tiktok', 'instagram', 'youtube'] as const satisfies readonly SourceName[]) {
      const prefix = `TRIBUTARY_SOURCE_${name.toUpperCase()}`;
      // Twenty times the production cadence: posts are polled several times, so deltas have a previous snapshot.
      const env = { ...simulatorEnvironment(sim, name), [`${prefix}_CADENCE_SCALE`]: '0.05' };
      if (name === 'youtube') {
        const port = await freePort();
        env[`${prefix}_WEBSUB_SECRET`] = 'pipeline-e2e-websub-secret';
        env[`${prefix}_WEBHOOK_PORT`] = String(port);
        env[`${prefix}_WEBSUB_CALLBACK_URL`] = `http://127.0.0.1:${port}/webhooks/youtube`;
      }
      sources.push(spawnSource(stack, run, name, env));
    }
    await Promise.all(sources.map((source) => source.running));

    // Collect until every served entity is in a curated table or was quarantined, and some posts have a second snapshot.
    const missing = async (): Promise<string[]> => {
      const want = servedKeys(sim);
      const held = await quarantined();
      const quarantinedPosts = new Set(held.filter((q) => q.type === 'posts').map((q) => q.key));
      const quarantinedMetrics = new Set(held.filter((q) => q.type === 'post-metrics').map((q) => q.key));
      const posts = await keys('SELECT platform, post_id AS id FROM posts FINAL');
      const withMetrics = await keys('SELECT DISTINCT platform, post_id AS id FROM post_metrics FINAL');
      const accounts = await keys('SELECT DISTINCT platform, account_id AS id FROM account_metrics FINAL');
      const [deltas] = await rows('SELECT count() AS n FROM post_metrics FINAL WHERE views_delta IS NOT NULL');
      return [
        ...[...want.posts].filter((key) => !posts.has(key) && !quarantinedPosts.has(key)).map((key) => `post ${key}`),
        ...[...want.postsWithMetrics]
          .filter((key) => !withMetrics.has(key) && !quarantinedMetrics.has(key))
          .map((key) => `metrics of ${key}`),
        ...[...want.accounts].filter((key) => !accounts.has(key)).map((key) => `account ${key}`),
        ...(want.posts.size === 0 ? ['nothing served yet'] : []),
        ...(Number(deltas?.n ?? 0) < 5 ? ['fewer than 5 snapshots with a previous one'] : []),
      ];
    };
    let gaps: string[] = [];
    await waitFor('served entities in curated or quarantine', async () => (gaps = await missing()).length === 0, 200_000).catch(
      () => undefined,
    );
    assert.deepEqual(gaps.slice(0, 20), [], `${gaps.length} served items neither curated nor quarantined`);

    // Stop collecting; let the stages drain.
    for (const source of sources) source.process.kill('SIGTERM');
    assert.deepEqual(
      (await Promise.all(sources.map((source) => source.exit))).map((exit) => exit.code),
      [0, 0, 0],
      'each source stopped cleanly',
    );
    await waitFor('the pipeline to drain', async () => (await pipelineLag()) === 0, 60_000);
    await delay(1_000);
    gaps = await missing();
    assert.deepEqual(gaps.slice(0, 20), [], `${gaps.length} served items missing after the drain`);

    // Exactly once: one row per event in the final tables, and every Kafka record landed once.
    for (const table of ['posts', 'post_metrics', 'account_metrics', 'comments']) {
      const [counts] = await rows(`SELECT count() AS n, uniqExact(event_id) AS events FROM ${table} FINAL`);
      assert.equal(counts!.n, counts!.events, `${table}: one row per event_id`);
      const [landing] = await rows(
        `SELECT count() AS n, uniqExact(source_topic, source_partition, source_offset) AS records FROM landing_${table}`,
      );
      assert.equal(landing!.n, landing!.records, `landing_${table}: each curated record landed once`);
    }

    // Enriched and judged: every curated row carries enrichment and a quality verdict.
    const [metrics] = await rows(
      `SELECT count() AS n, countIf(engagement_basis = '') AS unenriched, countIf(quality_score IS NULL) AS unjudged,
              countIf(views_delta IS NOT NULL) AS with_delta, countIf(engagement_rate IS NOT NULL) AS with_rate
       FROM post_metrics FINAL`,
    );
    assert.equal(metrics!.unenriched, '0', 'every curated metric snapshot is enriched');
    assert.equal(metrics!.unjudged, '0', 'every curated metric snapshot has a quality score');
    assert.ok(Number(metrics!.with_delta) >= 5, `snapshots with deltas: ${metrics!.with_delta}`);
    assert.ok(Number(metrics!.with_rate) > 0, 'engagement rates computed');
    const [posts] = await rows(
      `SELECT count() AS n, countIf(quality_score IS NULL) AS unjudged, countIf(text_language_method = '') AS unenriched FROM posts FINAL`,
    );
    assert.equal(posts!.unjudged, '0');
    assert.equal(posts!.unenriched, '0');

    // Quarantine accounted for: each quarantined event is in the quarantine table with the same reasons, and not curated.
    const held = await quarantined();
    assert.ok(held.length > 0, 'the future-dated page produced quarantined posts');
    assert.ok(
      held.every((q) => q.reasons.length > 0 && q.reasons.every((reason) => /^[A-Z][A-Z0-9_]+$/.test(reason))),
      'machine-readable reasons',
    );
    const table = await rows(`SELECT event_id, arraySort(reason_codes) AS reasons, stage FROM quarantine WHERE stage = 'quality'`);
    const byEvent = new Map(table.map((row) => [row.event_id!, row]));
    assert.equal(table.length, new Set(held.map((q) => q.eventId)).size, 'one quarantine row per quarantined event');
    for (const q of held) {
      const row = byEvent.get(q.eventId);
      assert.ok(row, `quarantined event ${q.eventId} (${q.key}) is in the quarantine table`);
      assert.deepEqual(row.reasons, [...q.reasons].sort(), `reasons of ${q.eventId}`);
    }
    const curatedIds = new Set(
      (await rows('SELECT event_id FROM posts FINAL UNION ALL SELECT event_id FROM post_metrics FINAL')).map((row) => row.event_id),
    );
    assert.deepEqual(
      held.filter((q) => curatedIds.has(q.eventId)).map((q) => q.eventId),
      [],
      'no quarantined event is also curated',
    );
    const byReason = new Map<string, number>();
    for (const q of held) for (const reason of q.reasons) byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    process.stdout.write(`      quarantined by reason: ${JSON.stringify(Object.fromEntries(byReason))}\n`);

    // No processing failures on a clean run.
    const [deadLetters] = await rows(`SELECT count() AS n FROM quarantine WHERE stage != 'quality'`);
    assert.equal(deadLetters!.n, '0', 'nothing was dead-lettered by enrich, quality or the sink');
    for (const source of sources)
      assert.deepEqual(
        source.lines.filter((line) => line.level === 'fatal'),
        [],
        `source-${source.name}: no fatal line`,
      );
    for (const source of sources)
      if (errorLines(source).length > 0) process.stdout.write(`      source-${source.name} error lines: ${errorLines(source).length}\n`);
  });

  it('replays the raw topics through enrich, quality and the sink without changing the final tables', async () => {
    assert.ok(enrich && quality && sink, 'the previous test left the stages running');
    const before = await finalTables();
    const [landedBefore] = await rows('SELECT count() AS n FROM landing_post_metrics');
    await stopStages();

    let replayed = 0;
    for (const type of TYPES) {
      const result = await replay(
        { kafka: stack.kafka, registry: stack.registry, logger: quietLogger },
        { groupId: groups.enrich, topic: pipeline.topics[`social.raw.${type}`]!, start: { kind: 'earliest' }, dryRun: false },
      );
      replayed += result.totalRecords;
    }
    assert.ok(replayed > 0, 'the replay moved the enrich group back');

    await startStages();
    await waitFor(
      'the replay to drain',
      async () => (await pipelineLag()) === 0 && (enrich?.stats().consumed['social.raw.post-metrics'] ?? 0) > 0,
      120_000,
    );
    await delay(1_000);
    const [landedAfter] = await rows('SELECT count() AS n FROM landing_post_metrics');
    assert.ok(Number(landedAfter!.n) > Number(landedBefore!.n), 'the replayed records were landed again');
    const after = await finalTables();
    for (const table of Object.keys(before)) {
      if (table !== 'comments') assert.ok(before[table]!.size > 0, `${table} has rows`);
      assert.equal(firstDifference(before[table]!, after[table]!), undefined, `${table} unchanged by the replay`);
    }
  });
});
