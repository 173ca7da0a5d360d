// sink-clickhouse against the test stack, in-process: every event lands exactly once with its
// lineage; poison records go to the dead-letter topic and the rest land; an in-flight range
// whose owner died after the INSERT is re-formed and de-duplicated; ClickHouse unreachable for a
// while → nothing dead-lettered, everything lands once.
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { createClickHouseClient } from '@tributary/clickhouse';
import { DLQ_HEADERS, createProducer } from '@tributary/kafka';
import type { Producer } from '@tributary/kafka';
import { startSink } from '@tributary/sink-clickhouse';
import type { Sink, SinkOptions } from '@tributary/sink-clickhouse';
import { useTestStack } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { committedOffsets, delay, headerText, readRaw, waitFor } from './kafka-runtime-fixture.ts';
import { landedCounts, landedRows, makePost, prepareSinkTarget, quietLogger } from './sink-fixture.ts';
import type { SinkTarget } from './sink-fixture.ts';

function sinkOptions(target: SinkTarget, overrides: Partial<SinkOptions> = {}): SinkOptions {
  return {
    groupId: target.groupId,
    topics: [target.topicEntry],
    deadLetterTopic: target.deadLetterTopic,
    maxBatchRows: 50,
    maxBatchBytes: 1024 * 1024,
    maxBatchWaitMs: 200,
    insertFormat: 'JSONEachRow',
    fromBeginning: true,
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 500,
    retryInitialDelayMs: 100,
    retryMaxDelayMs: 1_000,
    shutdownTimeoutMs: 10_000,
    migrate: false,
    crashPoint: '',
    crashAfterInserts: 1,
    ...overrides,
  };
}

describe('sink-clickhouse (integration)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let producer: Producer;
  const sinks: Sink[] = [];
  const targets: SinkTarget[] = [];

  before(async () => {
    stack = await useTestStack();
    producer = await createProducer({ kafka: stack.kafka, logger: quietLogger, clientName: 'sink-test' });
  });

  after(async () => {
    for (const sink of sinks) await sink.stop(0).catch(() => undefined);
    await producer?.close();
    for (const target of targets) {
      await target.clickhouse.command({ query: `DROP DATABASE IF EXISTS ${target.database}` }).catch(() => undefined);
      await target.clickhouse.close();
    }
  });

  async function target(partitions: number): Promise<SinkTarget> {
    const created = await prepareSinkTarget(stack, partitions);
    targets.push(created);
    return created;
  }

  async function produce(target: SinkTarget, run: string, count: number): Promise<void> {
    const records = [...Array(count).keys()].map((n) => {
      const post = makePost(run, n);
      return { topic: target.topic, key: `TIKTOK:${post.envelope.entity_id}`, value: target.encoder.encode(post) };
    });
    for (let i = 0; i < records.length; i += 500) await producer.send(records.slice(i, i + 500));
  }

  async function run(options: SinkOptions, clickhouseUrl?: string, crash?: (point: string) => void): Promise<Sink> {
    const t = targets.find((entry) => entry.groupId === options.groupId)!;
    const clickhouse = clickhouseUrl
      ? createClickHouseClient({ ...t.clickhouseSettings, url: clickhouseUrl, requestTimeoutMs: 2_000 }, 'sink-test')
      : t.clickhouse;
    const sink = await startSink({
      options,
      kafka: stack.kafka,
      registry: stack.registry,
      clickhouse,
      logger: quietLogger,
      ...(crash ? { crash } : {}),
    });
    sinks.push(sink);
    return sink;
  }

  it('lands every event exactly once with its lineage, and commits the end of each range with empty metadata', async () => {
    const t = await target(3);
    const count = 600;
    await produce(t, 'lineage', count);
    const sink = await run(sinkOptions(t));
    await waitFor(`${count} rows`, async () => (await landedCounts(t)).rows >= count, 60_000);
    await delay(500);
    await sink.stop();
    const rows = await landedRows(t);
    assert.equal(rows.length, count);
    assert.equal(new Set(rows.map((row) => row.event_id)).size, count);
    assert.equal(new Set(rows.map((row) => `${row.source_partition}:${row.source_offset}`)).size, count, 'one row per Kafka record');
    for (const row of rows) {
      assert.equal(row.source_topic, t.topic);
      assert.ok(row.source_partition >= 0 && row.source_partition < 3);
      assert.match(row.source_offset, /^[0-9]+$/);
      assert.ok(row.schema_id > 0);
    }
    const perPartition = new Map<number, number>();
    for (const row of rows) perPartition.set(row.source_partition, (perPartition.get(row.source_partition) ?? 0) + 1);
    const offsets = await committedOffsets(stack.kafka, t.groupId, t.topic);
    for (const [partition, landed] of perPartition)
      assert.equal(offsets[partition], String(landed), `partition ${partition} committed to its end`);
    assert.equal(sink.stats().deadLetters, 0);
  });

  it('JSONCompactEachRow lands the same rows as JSONEachRow, including rows whose extension slots differ', async () => {
    const t = await target(2);
    const posts = [...Array(120).keys()].map((n) => {
      const post = makePost('formats', n);
      if (n % 3 === 0) post.extensions.tiktok = null; // no tiktok_* keys in this row: the compact body pads them
      return post;
    });
    await producer.send(posts.map((post) => ({ topic: t.topic, key: `TIKTOK:${post.envelope.entity_id}`, value: t.encoder.encode(post) })));
    const compactDb = await prepareSinkTarget(stack, 1); // only its database: the same topic lands twice
    targets.push(compactDb);
    const compactTarget: SinkTarget = { ...t, database: compactDb.database, clickhouse: compactDb.clickhouse, groupId: compactDb.groupId };
    targets.push(compactTarget);
    const sinkJson = await run(sinkOptions(t, { maxBatchRows: 40 }));
    const sinkCompact = await startSink({
      options: sinkOptions(compactTarget, { maxBatchRows: 40, insertFormat: 'JSONCompactEachRow' }),
      kafka: stack.kafka,
      registry: stack.registry,
      clickhouse: compactDb.clickhouse,
      logger: quietLogger,
    });
    sinks.push(sinkCompact);
    await waitFor(
      '120 rows each',
      async () => (await landedCounts(t)).rows >= 120 && (await landedCounts(compactTarget)).rows >= 120,
      60_000,
    );
    await Promise.all([sinkJson.stop(), sinkCompact.stop()]);
    const all = async (client: SinkTarget['clickhouse']): Promise<unknown[]> =>
      (await (
        await client.query({ query: 'SELECT * EXCEPT (ingested_at) FROM landing_posts ORDER BY event_id', format: 'JSONEachRow' })
      ).json()) as unknown[];
    const [jsonRows, compactRows] = [await all(t.clickhouse), await all(compactDb.clickhouse)];
    assert.equal(compactRows.length, 120);
    assert.deepEqual(compactRows, jsonRows);
    const missingSlot = (jsonRows as Record<string, unknown>[]).filter((row) => row.tiktok_share_url === null).length;
    assert.equal(missingSlot, 40, 'the rows without a tiktok slot kept their column defaults');
  });

  it('sends poison records to the dead-letter topic with their context, and lands the rest', async () => {
    const t = await target(1);
    await produce(t, 'poison-a', 40);
    const outOfRange = makePost('poison', 1);
    outOfRange.envelope.collected_at = Date.UTC(2400, 0, 1);
    await producer.send([
      { topic: t.topic, key: 'bad-magic', value: Buffer.from('not avro at all') },
      { topic: t.topic, key: 'truncated', value: t.encoder.encode(makePost('poison', 0)).subarray(0, 20) },
      { topic: t.topic, key: 'out-of-range', value: t.encoder.encode(outOfRange) },
      { topic: t.topic, key: 'null', value: null },
    ]);
    await produce(t, 'poison-b', 40);
    const sink = await run(sinkOptions(t, { maxBatchRows: 30 }));
    await waitFor('80 rows', async () => (await landedCounts(t)).rows >= 80, 60_000);
    const dead = await readRaw(stack.kafka, t.deadLetterTopic, 4, 30_000);
    await sink.stop();
    assert.equal((await landedCounts(t)).rows, 80);
    assert.deepEqual(dead.map((record) => record.key).sort(), ['bad-magic', 'null', 'out-of-range', 'truncated']);
    for (const record of dead) {
      assert.equal(record.headers[DLQ_HEADERS.originTopic], t.topic);
      assert.equal(record.headers[DLQ_HEADERS.service], 'sink-clickhouse');
      assert.match(record.headers[DLQ_HEADERS.originOffset] ?? '', /^[0-9]+$/);
    }
    assert.equal(
      headerText(dead.find((record) => record.key === 'out-of-range')!.headers, DLQ_HEADERS.errorCode),
      'CLICKHOUSE_TIMESTAMP_OUT_OF_RANGE',
    );
    assert.equal(dead.find((record) => record.key === 'bad-magic')!.value?.toString(), 'not avro at all', 'original bytes');
    assert.deepEqual(await committedOffsets(stack.kafka, t.groupId, t.topic), { 0: '84' });
  });

  it('isolates rows that decode but ClickHouse refuses (a table CHECK) by halving the batch: those are dead-lettered, the rest land once', async () => {
    const t = await target(1);
    // An operator's constraint stands in for any refusal of a well-formed row (VIOLATED_CONSTRAINT, a data error).
    await t.clickhouse.command({ query: `ALTER TABLE landing_posts ADD CONSTRAINT no_refused_text CHECK position(text, 'refused') = 0` });
    const posts = [...Array(50).keys()].map((n) => makePost('refusal', n));
    const refusedAt = [0, 17, 18, 49];
    for (const n of refusedAt) posts[n]!.text = `post ${n} refused by the table`;
    await producer.send(posts.map((post) => ({ topic: t.topic, key: `TIKTOK:${post.envelope.entity_id}`, value: t.encoder.encode(post) })));
    const sink = await run(sinkOptions(t, { maxBatchRows: 50, maxBatchWaitMs: 500 }));
    const dead = await readRaw(stack.kafka, t.deadLetterTopic, refusedAt.length, 60_000);
    await waitFor('46 rows', async () => (await landedCounts(t)).rows >= 46, 60_000);
    await waitFor('offsets committed', async () => (await committedOffsets(stack.kafka, t.groupId, t.topic))[0] === '50', 30_000);
    await sink.stop();
    assert.deepEqual(await landedCounts(t), { rows: 46, unique: 46 });
    assert.deepEqual(
      dead.map((record) => Number(record.headers[DLQ_HEADERS.originOffset])).sort((a, b) => a - b),
      refusedAt,
      'exactly the refused records, by offset',
    );
    for (const record of dead) {
      assert.equal(headerText(record.headers, DLQ_HEADERS.stage), 'sink');
      assert.match(headerText(record.headers, DLQ_HEADERS.errorMessage) ?? '', /no_refused_text/);
      const original = posts[Number(record.headers[DLQ_HEADERS.originOffset])]!;
      assert.deepEqual(record.value, t.encoder.encode(original), 'original bytes');
    }
    const landedIds = new Set((await landedRows(t)).map((row) => row.event_id));
    for (const [n, post] of posts.entries()) assert.equal(landedIds.has(post.envelope.event_id), !refusedAt.includes(n), `post ${n}`);
    assert.equal(sink.stats().deadLetters, refusedAt.length);
  });

  it('re-forms a range inserted but not committed by a dead owner: the retry is de-duplicated', async () => {
    const t = await target(1);
    await produce(t, 'reform', 120);
    let crashed = false;
    const doomed = await run(sinkOptions(t, { maxBatchRows: 50, crashPoint: 'after-insert', crashAfterInserts: 2 }), undefined, () => {
      crashed = true;
      throw new Error('simulated crash after insert');
    });
    await assert.rejects(doomed.done, /simulated crash/);
    assert.ok(crashed);
    const afterCrash = await landedCounts(t);
    assert.equal(afterCrash.rows, 100, 'two batches inserted, the second one not committed');
    const offsets = await committedOffsets(stack.kafka, t.groupId, t.topic);
    assert.equal(offsets[0], '50', 'the position is at the start of the in-flight range');

    const survivor = await run(sinkOptions(t, { maxBatchRows: 7 }));
    await waitFor('committed to 120', async () => (await committedOffsets(stack.kafka, t.groupId, t.topic))[0] === '120', 60_000);
    await survivor.stop();
    assert.equal(survivor.stats().reformed, 1);
    assert.deepEqual(await landedCounts(t), { rows: 120, unique: 120 });
  });

  it('a rebalance hands paused, in-flight partitions to another sink, which re-forms their ranges: every event once', async () => {
    const t = await target(4);
    // Sink A reaches ClickHouse only through a proxy that resets every connection.
    const sockets = new Set<Socket>();
    const dead: Server = createServer((client) => {
      sockets.add(client);
      client.destroy();
    });
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    try {
      await produce(t, 'rebalance', 400);
      const a = await run(sinkOptions(t, { maxBatchRows: 40 }), `http://127.0.0.1:${(dead.address() as { port: number }).port}`);
      await waitFor('sink A retrying its in-flight ranges', () => a.stats().retries >= 8, 30_000);
      const b = await run(sinkOptions(t, { maxBatchRows: 25 }));
      await waitFor('sink B lands its share after the rebalance', async () => (await landedCounts(t)).rows > 0, 60_000);
      assert.ok(b.stats().reformed >= 1, 'B re-formed the in-flight ranges A left in the partitions it was given');
      // The partitions A kept were resumed after the rebalance: A retries their ranges again.
      const retriesAfterRebalance = a.stats().retries;
      await waitFor('sink A retrying the partitions it kept', () => a.stats().retries >= retriesAfterRebalance + 2, 30_000);
      assert.ok((await landedCounts(t)).rows < 400, "the partitions A kept wait for A's ClickHouse");
      await a.stop(0);
      await waitFor('400 rows once A left the group', async () => (await landedCounts(t)).rows >= 400, 60_000);
      await delay(1_000);
      await b.stop();
      assert.deepEqual(await landedCounts(t), { rows: 400, unique: 400 });
      assert.ok(b.stats().reformed >= 4, `every partition's in-flight range re-formed (${b.stats().reformed})`);
      assert.equal(a.stats().deadLetters + b.stats().deadLetters, 0);
      const offsets = await committedOffsets(stack.kafka, t.groupId, t.topic);
      assert.equal(
        Object.values(offsets).reduce((sum, offset) => sum + Number(offset), 0),
        400,
        'every partition committed to its end',
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      dead.close();
    }
  });

  it('ClickHouse unreachable, then TOO_MANY_PARTS, then answering but its responses lost: retries with the same token, nothing dead-lettered, everything lands once', async () => {
    const t = await target(2);
    const upstream = new URL(stack.clickhouse.url);
    // refuse: connections reset at once; drop-responses: requests reach ClickHouse (the INSERT
    // happens) but the answer never comes back (ambiguous outcome, F7); up: a plain proxy.
    // too-many-parts: ClickHouse's answer to inserts faster than merges (code 252, F10).
    let mode: 'refuse' | 'too-many-parts' | 'drop-responses' | 'up' = 'refuse';
    const sockets = new Set<Socket>();
    const proxy: Server = createServer((client) => {
      if (mode === 'refuse') return client.destroy();
      if (mode === 'too-many-parts') {
        const body =
          'Code: 252. DB::Exception: Too many parts (3001 with average size of 1.00 KiB) in table. Merges are processing significantly slower than inserts. (TOO_MANY_PARTS)\n';
        client.once('data', () =>
          client.end(
            `HTTP/1.1 500 Internal Server Error\r\nX-ClickHouse-Exception-Code: 252\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
          ),
        );
        client.on('error', () => client.destroy());
        return;
      }
      const server = connect(Number(upstream.port || 80), upstream.hostname);
      sockets.add(client).add(server);
      client.pipe(server);
      if (mode === 'up') server.pipe(client);
      else server.once('data', () => (client.destroy(), server.destroy()));
      const close = () => (client.destroy(), server.destroy());
      client.on('error', close).on('close', close);
      server.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as { port: number }).port;
    try {
      await produce(t, 'outage', 300);
      const sink = await run(sinkOptions(t, { maxBatchRows: 40 }), `http://127.0.0.1:${port}`);
      await waitFor('retries while ClickHouse is unreachable', () => sink.stats().retries >= 4, 30_000);
      assert.equal((await landedCounts(t)).rows, 0);

      mode = 'too-many-parts';
      const beforeTooManyParts = sink.stats().retries;
      await waitFor('retries on TOO_MANY_PARTS', () => sink.stats().retries >= beforeTooManyParts + 4, 30_000);
      assert.equal((await landedCounts(t)).rows, 0);
      assert.equal(sink.stats().deadLetters, 0);

      mode = 'drop-responses';
      const retries = sink.stats().retries;
      await waitFor(
        'inserts that land without an answer',
        async () => (await landedCounts(t)).rows > 0 && sink.stats().retries >= retries + 4,
        30_000,
      );
      assert.equal(sink.stats().batches, 0, 'no batch is committed without an answer');
      const duringLoss = await landedCounts(t);
      assert.equal(duringLoss.rows, duringLoss.unique, 'retried inserts are de-duplicated');

      mode = 'up';
      await waitFor('300 rows after ClickHouse is back', async () => (await landedCounts(t)).rows >= 300, 60_000);
      await delay(1_000);
      await sink.stop();
      assert.deepEqual(await landedCounts(t), { rows: 300, unique: 300 });
      assert.equal(sink.stats().deadLetters, 0);
      assert.deepEqual(await readRaw(stack.kafka, t.deadLetterTopic, 1, 2_000), [], 'nothing in the dead-letter topic');
    } finally {
      for (const socket of sockets) socket.destroy();
      proxy.close();
    }
  });
});
