// dlq list | inspect | redrive | purge against the real stack, on throwaway dlq-test.<unique>
// topics filled with dead letters made by the same function the services use (deadLetterRecord).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { processEnvironment } from '@tributary/config';
import { TributaryError, isTributaryError } from '@tributary/errors';
import { SerdeError, connectTopicAdmin, createProducer, deadLetterRecord } from '@tributary/kafka';
import type { DeadLetterStage, Producer } from '@tributary/kafka';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { findDeadLetters, inspectDeadLetters, purgeDeadLetters, redriveDeadLetters } from '../../src/operations/dead-letters.ts';
import { auditRecords, auditRecordsWhere, createTopics, examplePost, logger, postEncoder, readAll, targetsOf } from './stack-fixture.ts';

const CLI = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

interface Letter {
  stage: DeadLetterStage;
  code: string;
  failedAt: string;
  value: Buffer;
  key: string;
  partition: number;
}

describe('cli dlq (integration)', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let producer: Producer;
  const dlq = uniqueName('dlq-test', '.');
  const origin = `${dlq}.origin`;
  let goodValue: Buffer;
  const garbage = Buffer.from('not avro at all');

  before(async () => {
    stack = await useTestStack();
    await createTopics(stack, [
      { name: dlq, partitions: 2 },
      { name: origin, partitions: 2 },
    ]);
    producer = await createProducer({ kafka: stack.kafka, logger, clientName: 'cli-dlq-test' });
    goodValue = (await postEncoder(stack, 'social.raw.posts-value'))(examplePost());
    const letters: Letter[] = [
      { stage: 'deserialize', code: 'SERDE_BAD_MAGIC', failedAt: '2026-01-01T00:00:00Z', value: garbage, key: 'TIKTOK:a', partition: 0 },
      { stage: 'transform', code: 'TEST_BROKEN', failedAt: '2026-01-02T00:00:00Z', value: goodValue, key: 'TIKTOK:b', partition: 0 },
      { stage: 'transform', code: 'TEST_BROKEN', failedAt: '2026-01-03T00:00:00Z', value: goodValue, key: 'TIKTOK:c', partition: 1 },
      { stage: 'sink', code: 'TEST_REFUSED', failedAt: '2026-01-04T00:00:00Z', value: goodValue, key: 'TIKTOK:d', partition: 1 },
    ];
    await producer.send(
      letters.map((letter, index) => ({
        ...deadLetterRecord(
          {
            topic: origin,
            partition: index % 2,
            offset: String(100 + index),
            key: Buffer.from(letter.key),
            value: letter.value,
            headers: { 'x-original': `header-${index}` },
            timestamp: 1_700_000_000_000,
          },
          {
            service: 'transform-enrich',
            stage: letter.stage,
            error:
              letter.code === 'SERDE_BAD_MAGIC'
                ? new SerdeError('SERDE_BAD_MAGIC', 'bad magic byte')
                : new TributaryError(letter.code, `failed: ${letter.code}`, { failureType: 'data' }),
            attempts: 1,
            failedAt: new Date(letter.failedAt),
          },
          dlq,
        ),
        partition: letter.partition,
      })),
    );
    // A record without DLQ headers (someone produced by hand): listed, never redriven.
    await producer.send([{ topic: dlq, key: 'stray', value: garbage, partition: 1 }]);
  });

  after(async () => {
    await producer?.close();
  });

  it('lists dead letters with their context and filters by stage, code, time, origin and limit', async () => {
    const targets = targetsOf(stack);
    const all = await findDeadLetters(targets, { topics: [dlq] });
    assert.equal(all.length, 5);
    assert.deepEqual(
      all.map((letter) => `${letter.row.partition}:${letter.row.offset}:${letter.row.errorCode ?? '-'}`),
      ['0:0:SERDE_BAD_MAGIC', '0:1:TEST_BROKEN', '1:0:TEST_BROKEN', '1:1:TEST_REFUSED', '1:2:-'],
    );
    const first = all[0]!.row;
    assert.equal(first.originTopic, origin);
    assert.equal(first.originOffset, '100');
    assert.equal(first.service, 'transform-enrich');
    assert.equal(first.stage, 'deserialize');
    assert.equal(first.key, 'TIKTOK:a');

    const codes = async (filter: Parameters<typeof findDeadLetters>[1]) =>
      (await findDeadLetters(targets, { topics: [dlq], ...filter })).map((letter) => letter.row.key);
    assert.deepEqual(await codes({ stage: 'transform' }), ['TIKTOK:b', 'TIKTOK:c']);
    assert.deepEqual(await codes({ errorCode: 'TEST_REFUSED' }), ['TIKTOK:d']);
    assert.deepEqual(await codes({ since: Date.parse('2026-01-02T00:00:00Z'), until: Date.parse('2026-01-04T00:00:00Z') }), [
      'TIKTOK:b',
      'TIKTOK:c',
    ]);
    assert.deepEqual(await codes({ originTopic: origin, limit: 2 }), ['TIKTOK:a', 'TIKTOK:b']);
    assert.deepEqual(await codes({ originTopic: 'social.raw.posts' }), []);
  });

  it('inspects: a decodable value as JSON, an undecodable one as a hex dump with the reason', async () => {
    const targets = targetsOf(stack);
    const [good] = await inspectDeadLetters(targets, await findDeadLetters(targets, { at: { topic: dlq, partition: 0, offset: '1' } }));
    assert.ok(good);
    assert.equal(good.headers['tributary-dlq-error-message'], 'failed: TEST_BROKEN');
    assert.equal(good.headers['x-original'], 'header-1');
    assert.ok(good.value.decoded);
    assert.equal(good.value.schemaName, 'io.tributary.social.Post');
    assert.equal((good.value.value as { envelope: { event_id: string } }).envelope.event_id, examplePost().envelope.event_id);

    const [bad] = await inspectDeadLetters(targets, await findDeadLetters(targets, { at: { topic: dlq, partition: 0, offset: '0' } }));
    assert.ok(bad && !bad.value.decoded);
    assert.equal(bad.value.error.code, 'SERDE_BAD_MAGIC');
    assert.match(bad.value.hex, /^00000000 {2}6e 6f 74 20 61 76 72 6f/);
  });

  it('redrives the exact original bytes and non-DLQ headers to the origin topic, audited STARTED then COMPLETED', async () => {
    const targets = targetsOf(stack);
    const selected = await findDeadLetters(targets, { topics: [dlq], errorCode: 'TEST_BROKEN' });
    const dry = await redriveDeadLetters(targets, selected, { dryRun: true, selection: '--error-code TEST_BROKEN' });
    assert.equal(dry.actionId, null);
    assert.deepEqual(dry.targets, [{ topic: origin, records: 2, partitions: [] }]);
    assert.equal((await readAll(stack, origin)).length, 0, 'a dry run produces nothing');

    const result = await redriveDeadLetters(targets, selected, { dryRun: false, selection: '--error-code TEST_BROKEN' });
    assert.equal(result.redriven, 2);
    assert.match(result.note, /stay in the DLQ/);
    const landed = await readAll(stack, origin);
    assert.deepEqual(landed.map((record) => record.key).sort(), ['TIKTOK:b', 'TIKTOK:c']);
    for (const record of landed) {
      assert.ok(record.value?.equals(goodValue), 'the value bytes are the original ones');
      assert.deepEqual(
        Object.keys(record.headers).filter((name) => name.startsWith('tributary-dlq-')),
        [],
        'no DLQ headers on the redriven record',
      );
      assert.match(record.headers['x-original'] ?? '', /^header-[12]$/);
    }
    assert.equal((await findDeadLetters(targets, { topics: [dlq] })).length, 5, 'a redrive removes nothing from the DLQ');

    const audit = await auditRecords(stack, result.actionId!);
    assert.deepEqual(
      audit.map((entry) => entry.status),
      ['STARTED', 'COMPLETED'],
    );
    assert.equal(audit[0]!.action, 'DLQ_REDRIVE');
    assert.equal(audit[0]!.source_topic, dlq);
    assert.equal(audit[0]!.target, origin);
    assert.equal(audit[0]!.selection, '--error-code TEST_BROKEN');
    assert.equal(audit[1]!.records, 2);
    assert.equal(audit[1]!.details[`source.${dlq}:0`], '1-1 (1)');
    assert.ok(Object.keys(audit[1]!.details).some((name) => name.startsWith(`target.${origin}:`)));
  });

  it('audits a redrive that fails (origin topic gone) as STARTED then FAILED with the error', async () => {
    const targets = targetsOf(stack);
    const [letter] = await findDeadLetters(targets, { topics: [dlq], errorCode: 'TEST_REFUSED' });
    assert.ok(letter);
    const missing = `${origin}.gone`;
    const redirected = {
      ...letter,
      record: { ...letter.record, headers: { ...letter.record.headers, 'tributary-dlq-origin-topic': missing } },
    };
    await assert.rejects(redriveDeadLetters(targets, [redirected], { dryRun: false, selection: 'test' }), (error: unknown) =>
      isTributaryError(error),
    );
    const audit = await auditRecordsWhere(stack, (entry) => entry.target === missing);
    assert.equal(audit[1]?.action_id, audit[0]?.action_id);
    assert.deepEqual(
      audit.map((entry) => `${entry.status} ${entry.records}`),
      ['STARTED 1', 'FAILED 0'],
    );
    assert.ok(audit[1]!.details.error);
  });

  it('purges only with --yes, moving the low watermark, audited', async () => {
    const targets = targetsOf(stack);
    await assert.rejects(
      purgeDeadLetters(targets, { topic: dlq, before: '1', yes: false, dryRun: false }),
      (error: unknown) => isTributaryError(error) && error.code === 'CLI_PURGE_UNCONFIRMED' && /--yes/.test(error.message),
    );
    await assert.rejects(
      purgeDeadLetters(targets, { topic: 'social.curated.posts', before: '1', yes: true, dryRun: false }),
      (error: unknown) => isTributaryError(error) && error.code === 'CLI_PURGE_NOT_DLQ',
    );
    const dry = await purgeDeadLetters(targets, { topic: dlq, before: '0:1', yes: false, dryRun: true });
    assert.deepEqual(
      dry.partitions.map((entry) => [entry.partition, entry.deleteBefore, entry.records]),
      [[0, '1', 1]],
    );
    const result = await purgeDeadLetters(targets, { topic: dlq, before: '1', yes: true, dryRun: false });
    assert.equal(result.records, 2, 'one record below offset 1 in each partition');
    const admin = await connectTopicAdmin(stack.kafka, logger);
    try {
      assert.deepEqual(
        (await admin.watermarks(dlq)).map((entry) => entry.low),
        ['1', '1'],
      );
    } finally {
      await admin.close();
    }
    assert.deepEqual(
      result.partitions.map((entry) => entry.lowAfter),
      ['1', '1'],
    );
    const audit = await auditRecords(stack, result.actionId!);
    assert.deepEqual(
      audit.map((entry) => `${entry.action} ${entry.status}`),
      ['DLQ_PURGE STARTED', 'DLQ_PURGE COMPLETED'],
    );
    assert.equal(audit[1]!.details['partition.0.low_after'], '1');
    assert.deepEqual(
      (await findDeadLetters(targets, { topics: [dlq] })).map((letter) => `${letter.row.partition}:${letter.row.offset}`),
      ['0:1', '1:1', '1:2'],
    );
  });

  it('runs as a command: --json output, and purge refused without --yes (exit code 2)', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, ...args], { env: { ...processEnvironment(), ...stack.env }, encoding: 'utf8', timeout: 120_000 });
    const listed = run('--json', 'dlq', 'list', '--topic', dlq, '--stage', 'sink');
    assert.equal(listed.status, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout) as Array<{ key: string; errorCode: string; originTopic: string }>;
    assert.deepEqual(
      rows.map((row) => [row.key, row.errorCode, row.originTopic]),
      [['TIKTOK:d', 'TEST_REFUSED', origin]],
    );
    const refused = run('dlq', 'purge', '--topic', dlq, '--before', '2');
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /CLI_PURGE_UNCONFIRMED.*refusing without --yes/);
  });
});
