// sink-clickhouse lands quarantine records and dead letters in the `quarantine` table against the
// test stack: each record once, with its reason codes and its bytes unchanged — undecodable ones
// and ones without headers included — also across a crash after an INSERT that was not
// committed; a row the table refuses is dead-lettered once and, read back from the sink's own
// dead-letter topic, skipped instead of looping.
import assert from 'node:assert/strict';
import { DLQ_HEADERS, QUARANTINE_HEADERS, createProducer, deadLetterRecord } from '@tributary/kafka';
import type { Producer, ProducedRecord } from '@tributary/kafka';
import { TributaryError } from '@tributary/errors';
import type { Post } from '@tributary/events';
import { startSink } from '@tributary/sink-clickhouse';
import type { Sink, SinkOptions } from '@tributary/sink-clickhouse';
import { uniqueName, useTestStack } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { committedOffsets, createTopics, readRaw, waitFor } from './kafka-runtime-fixture.ts';
import { makePost, prepareSinkTarget, quietLogger } from './sink-fixture.ts';
import type { SinkTarget } from './sink-fixture.ts';

interface QuarantineTarget extends SinkTarget {
  /** Dead letters of another service (stands in for dlq.transform-enrich). */
  serviceDeadLetterTopic: string;
}

interface QuarantineRowRead {
  source_topic: string;
  source_partition: number;
  source_offset: string;
  stage: string;
  service: string;
  reason_codes: string[];
  event_id: string;
  platform: string;
  origin_topic: string;
  origin_offset: string;
  error_message: string;
  payload_hex: string;
}

function sinkOptions(target: QuarantineTarget, overrides: Partial<SinkOptions> = {}): SinkOptions {
  return {
    groupId: target.groupId,
    topics: [],
    quarantineTopics: [target.topicEntry, target.serviceDeadLetterTopic, target.deadLetterTopic],
    deadLetterTopic: target.deadLetterTopic,
    maxBatchRows: 7,
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

function quarantinedPost(run: string, n: number): Post {
  const post = makePost(run, n);
  post.quality = {
    score: 0,
    ruleset_version: 'test-rules/1',
    flags: [
      { code: 'TIMESTAMP_IN_FUTURE', severity: 'HARD', field: 'envelope.observed_at', detail: `post ${n} observed in the future` },
      { code: 'VELOCITY_ANOMALY', severity: 'WARN', field: null, detail: null },
    ],
  };
  return post;
}

describe('sink-clickhouse quarantine table (integration)', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let producer: Producer;
  const sinks: Sink[] = [];
  const targets: QuarantineTarget[] = [];

  before(async () => {
    stack = await useTestStack();
    producer = await createProducer({ kafka: stack.kafka, logger: quietLogger, clientName: 'sink-quarantine-test' });
  });

  after(async () => {
    for (const sink of sinks) await sink.stop(0).catch(() => undefined);
    await producer?.close();
    for (const target of targets) {
      await target.clickhouse.command({ query: `DROP DATABASE IF EXISTS ${target.database}` }).catch(() => undefined);
      await target.clickhouse.close();
    }
  });

  async function target(): Promise<QuarantineTarget> {
    const base = await prepareSinkTarget(stack, 2); // its Post topic is the quarantine topic
    const serviceDeadLetterTopic = `dlq.${uniqueName('enrich')}`;
    await createTopics(stack.kafka, [[serviceDeadLetterTopic, 2]]);
    const created = { ...base, serviceDeadLetterTopic };
    targets.push(created);
    return created;
  }

  async function run(t: QuarantineTarget, options: SinkOptions, crash?: (point: string) => void): Promise<Sink> {
    const sink = await startSink({
      options,
      kafka: stack.kafka,
      registry: stack.registry,
      clickhouse: t.clickhouse,
      logger: quietLogger,
      ...(crash ? { crash } : {}),
    });
    sinks.push(sink);
    return sink;
  }

  async function rows(t: QuarantineTarget): Promise<QuarantineRowRead[]> {
    const result = await t.clickhouse.query({
      query: `SELECT source_topic, source_partition, toString(source_offset) AS source_offset, stage, service, reason_codes, event_id,
                     platform, origin_topic, toString(origin_offset) AS origin_offset, error_message, hex(payload) AS payload_hex
              FROM quarantine`,
      format: 'JSONEachRow',
    });
    return (await result.json()) as QuarantineRowRead[];
  }

  async function count(t: QuarantineTarget): Promise<number> {
    const result = await t.clickhouse.query({ query: 'SELECT count() AS n FROM quarantine', format: 'JSONEachRow' });
    return Number(((await result.json()) as { n: string }[])[0]?.n ?? 0);
  }

  /** Quarantined posts n ∈ [from, to) with the headers transform-quality sets. */
  function quarantineRecords(t: QuarantineTarget, run: string, from: number, to: number): ProducedRecord[] {
    const out: ProducedRecord[] = [];
    for (let n = from; n < to; n += 1) {
      const post = quarantinedPost(run, n);
      out.push({
        topic: t.topic,
        key: `TIKTOK:${post.envelope.entity_id}`,
        value: t.encoder.encode(post),
        headers: {
          [QUARANTINE_HEADERS.reasons]: 'TIMESTAMP_IN_FUTURE',
          [QUARANTINE_HEADERS.ruleset]: 'test-rules/1',
          [QUARANTINE_HEADERS.service]: 'transform-quality',
          [QUARANTINE_HEADERS.quarantinedAt]: new Date().toISOString(),
          [QUARANTINE_HEADERS.originTopic]: 'social.enriched.posts',
          [QUARANTINE_HEADERS.originPartition]: '0',
          [QUARANTINE_HEADERS.originOffset]: String(n),
          [QUARANTINE_HEADERS.originTimestamp]: String(Date.now()),
          [QUARANTINE_HEADERS.curatedTopic]: 'social.curated.posts',
        },
      });
    }
    return out;
  }

  /** Dead letters of raw posts n ∈ [from, to) as transform-enrich would send them. */
  function deadLetters(t: QuarantineTarget, run: string, from: number, to: number): ProducedRecord[] {
    const out: ProducedRecord[] = [];
    for (let n = from; n < to; n += 1) {
      const post = makePost(run, n);
      out.push(
        deadLetterRecord(
          {
            topic: 'social.raw.posts',
            partition: 1,
            offset: String(1000 + n),
            key: Buffer.from(`TIKTOK:${post.envelope.entity_id}`),
            value: t.encoder.encode(post),
            headers: {},
            timestamp: Date.now(),
          },
          {
            service: 'transform-enrich',
            stage: 'transform',
            error: new TributaryError('ENRICH_EXPRESSION_FAILED', `expression failed on post ${n}`, { failureType: 'data' }),
            attempts: 1,
            failedAt: new Date(),
          },
          t.serviceDeadLetterTopic,
        ),
      );
    }
    return out;
  }

  it('lands quarantine records and dead letters once each, with reasons and byte-identical payloads, across a crash after an INSERT', async () => {
    const t = await target();
    const runId = uniqueName('q');
    const undecodable = Buffer.from([0x00, 0x7f, 0xff, 0xff, 0xf0, 0xff, 0xfe, 0x80]); // framed, with a schema id the registry never had
    const notAvro = Buffer.from('not avro at all \u{1F600}');
    const firstHalf = [
      ...quarantineRecords(t, runId, 0, 20),
      ...deadLetters(t, runId, 100, 115),
      // Quarantined without any header (an older quality stage, a hand-made record).
      { topic: t.topic, key: 'headerless', value: t.encoder.encode(quarantinedPost(runId, 50)) },
      // Dead letters whose value is no event: an undecodable one with headers, one without anything.
      deadLetterRecord(
        {
          topic: 'social.raw.posts',
          partition: 0,
          offset: '77',
          key: Buffer.from('bad-bytes'),
          value: notAvro,
          headers: {},
          timestamp: Date.now(),
        },
        {
          service: 'transform-enrich',
          stage: 'deserialize',
          error: new TributaryError('SERDE_BAD_MAGIC', 'not framed', { failureType: 'data' }),
          attempts: 1,
          failedAt: new Date(),
        },
        t.serviceDeadLetterTopic,
      ),
      { topic: t.serviceDeadLetterTopic, key: 'bare', value: undecodable },
    ];
    const secondHalf = [...quarantineRecords(t, runId, 20, 40), ...deadLetters(t, runId, 115, 130)];
    const expected = new Map<string, ProducedRecord>();
    for (const record of [...firstHalf, ...secondHalf]) expected.set(String(record.key), record);
    assert.equal(expected.size, firstHalf.length + secondHalf.length, 'keys are unique');

    await producer.send(firstHalf);
    let crashed = false;
    const doomed = await run(t, sinkOptions(t, { crashPoint: 'after-insert', crashAfterInserts: 3 }), () => {
      crashed = true;
      throw new Error('simulated crash after insert');
    });
    await assert.rejects(doomed.done, /simulated crash/);
    assert.ok(crashed);
    const beforeRestart = await count(t);
    assert.ok(beforeRestart > 0 && beforeRestart < expected.size, `some rows landed before the crash (${beforeRestart})`);

    await producer.send(secondHalf);
    const survivor = await run(t, sinkOptions(t));
    await waitFor(`${expected.size} rows`, async () => (await count(t)) >= expected.size, 90_000);
    for (const topic of [t.topic, t.serviceDeadLetterTopic])
      await waitFor(
        `${topic} committed to its end`,
        async () => {
          const offsets = await committedOffsets(stack.kafka, t.groupId, topic);
          const landed = (await rows(t)).filter((row) => row.source_topic === topic);
          const perPartition = new Map<number, number>();
          for (const row of landed) perPartition.set(row.source_partition, (perPartition.get(row.source_partition) ?? 0) + 1);
          return [...perPartition].every(([partition, n]) => offsets[partition] === String(n));
        },
        30_000,
      );
    await survivor.stop();
    assert.ok(survivor.stats().reformed >= 1, 'the range in flight at the crash was re-formed');
    assert.equal(survivor.stats().deadLetters, 0);

    const landed = await rows(t);
    assert.equal(landed.length, expected.size, 'no duplicates after the restart');
    assert.equal(new Set(landed.map((row) => `${row.source_topic}:${row.source_partition}:${row.source_offset}`)).size, expected.size);
    // Which row is which: the payload identifies the record (keys are unique, payloads too).
    const byPayload = new Map(landed.map((row) => [row.payload_hex, row]));
    assert.equal(byPayload.size, expected.size);
    for (const [key, record] of expected) {
      const row = byPayload.get((record.value ?? Buffer.alloc(0)).toString('hex').toUpperCase());
      assert.ok(row, `${key}: its bytes landed unchanged`);
      assert.equal(row.source_topic, record.topic, key);
      if (record.topic === t.topic) {
        assert.equal(row.stage, 'quality', key);
        assert.deepEqual(row.reason_codes, ['TIMESTAMP_IN_FUTURE'], key);
        assert.match(row.error_message, /observed in the future$/, key);
        assert.match(row.event_id, /^[0-9a-f]{64}$/, key);
        assert.equal(row.platform, 'TIKTOK', key);
        if (key !== 'headerless') assert.equal(row.service, 'transform-quality', key);
        else assert.deepEqual([row.service, row.origin_topic, row.origin_offset], ['', '', '-1']);
      }
    }
    const dead = landed.filter((row) => row.source_topic === t.serviceDeadLetterTopic);
    assert.equal(dead.length, 32);
    const decodable = dead.filter((row) => row.event_id !== '');
    assert.equal(decodable.length, 30, 'dead letters of real posts decode to their event');
    for (const row of decodable) {
      assert.deepEqual([row.stage, row.service, row.origin_topic], ['transform', 'transform-enrich', 'social.raw.posts']);
      assert.deepEqual(row.reason_codes, ['ENRICH_EXPRESSION_FAILED']);
    }
    const badBytes = byPayload.get(notAvro.toString('hex').toUpperCase())!;
    assert.deepEqual([badBytes.stage, badBytes.event_id, badBytes.platform, badBytes.origin_offset], ['deserialize', '', '', '77']);
    assert.deepEqual(badBytes.reason_codes, ['SERDE_BAD_MAGIC']);
    const bare = byPayload.get(undecodable.toString('hex').toUpperCase())!;
    assert.deepEqual([bare.stage, bare.service, bare.event_id, bare.origin_topic], ['', '', '', '']);
    assert.deepEqual(bare.reason_codes, []);
  });

  it('a row the quarantine table refuses is dead-lettered once; read back from the sink’s own dead-letter topic it is skipped, not looped (JSONCompactEachRow)', async () => {
    const t = await target();
    // An operator's constraint stands in for any refusal of a well-formed row (VIOLATED_CONSTRAINT, a data error).
    await t.clickhouse.command({ query: `ALTER TABLE quarantine ADD CONSTRAINT no_refused_key CHECK origin_key != 'refuse-me'` });
    const records = deadLetters(t, uniqueName('refuse'), 0, 10);
    records[4] = { ...records[4]!, key: 'refuse-me' };
    await producer.send(records);
    const sink = await run(t, sinkOptions(t, { maxBatchRows: 10, insertFormat: 'JSONCompactEachRow' }));
    const resent = await readRaw(stack.kafka, t.deadLetterTopic, 1, 60_000);
    await waitFor('skipped once', () => sink.stats().skipped >= 1, 60_000);
    await waitFor(
      'own dead-letter topic committed',
      async () => Object.values(await committedOffsets(stack.kafka, t.groupId, t.deadLetterTopic)).includes('1'),
      30_000,
    );
    await sink.stop();
    assert.equal(resent.length, 1);
    assert.equal(resent[0]!.key, 'refuse-me');
    assert.equal(resent[0]!.headers[DLQ_HEADERS.originTopic], t.serviceDeadLetterTopic);
    assert.equal(resent[0]!.headers[DLQ_HEADERS.stage], 'sink');
    const again = await readRaw(stack.kafka, t.deadLetterTopic, 2, 3_000);
    assert.equal(again.length, 1, 'nothing was dead-lettered a second time');
    assert.deepEqual(sink.stats().deadLetters, 1);
    assert.deepEqual(sink.stats().skipped, 1);
    const landed = await rows(t);
    assert.equal(landed.length, 9, 'the other rows landed');
    assert.deepEqual(
      landed.map((row) => row.payload_hex).sort(),
      records
        .filter((record) => record.key !== 'refuse-me')
        .map((record) => record.value!.toString('hex').toUpperCase())
        .sort(),
      'compact bodies name the EPHEMERAL payload column too',
    );
  });
});
