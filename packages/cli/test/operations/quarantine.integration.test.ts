// quarantine list | inspect | release against the real stack, on throwaway topics holding
// quarantine records shaped as transform-quality writes them (the event with its verdict, under
// the original key, with tributary-quarantine-* headers).
import assert from 'node:assert/strict';
import type { Post } from '@tributary/events';
import { QUARANTINE_HEADERS, createProducer } from '@tributary/kafka';
import type { Producer } from '@tributary/kafka';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import {
  RELEASED_BY_HEADER,
  RELEASE_ACTION_HEADER,
  findQuarantined,
  quarantineView,
  releaseQuarantined,
} from '../../src/operations/quarantine.ts';
import { auditRecords, createTopics, examplePost, logger, postEncoder, readAll, targetsOf } from './stack-fixture.ts';

describe('cli quarantine (integration)', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let producer: Producer;
  const quarantine = uniqueName('quarantine-test', '.');
  const curated = `${quarantine}.curated`;
  const values: Buffer[] = [];

  function quarantined(platform: string, id: string, codes: string[]): Post {
    const post = examplePost();
    return {
      ...post,
      envelope: {
        ...post.envelope,
        platform: platform as Post['envelope']['platform'],
        entity_id: id,
        event_id: `${post.envelope.event_id}-${id}`,
      },
      quality: {
        score: 0,
        flags: codes.map((code) => ({ code, severity: 'HARD', field: 'published_at', detail: `rule ${code}` })),
        ruleset_version: 'test-1',
      },
    };
  }

  before(async () => {
    stack = await useTestStack();
    await createTopics(stack, [
      { name: quarantine, partitions: 1 },
      { name: curated, partitions: 1 },
    ]);
    producer = await createProducer({ kafka: stack.kafka, logger, clientName: 'cli-quarantine-test' });
    const encode = await postEncoder(stack, 'social.quarantine.posts-value');
    const events: Array<[Post, string]> = [
      [quarantined('TIKTOK', 'q1', ['FUTURE_TIMESTAMP']), '2026-02-01T00:00:00.000Z'],
      [quarantined('YOUTUBE', 'q2', ['MISSING_REQUIRED', 'FUTURE_TIMESTAMP']), '2026-02-02T00:00:00.000Z'],
      [quarantined('TIKTOK', 'q3', ['COUNTER_DECREASED']), '2026-02-03T00:00:00.000Z'],
    ];
    for (const [post] of events) values.push(encode(post));
    await producer.send(
      events.map(([post, at], index) => ({
        topic: quarantine,
        key: `${post.envelope.platform}:${post.envelope.entity_id}`,
        value: values[index]!,
        headers: {
          'x-original': `header-${index}`,
          [QUARANTINE_HEADERS.reasons]: post.quality!.flags.map((flag) => flag.code).join(','),
          [QUARANTINE_HEADERS.ruleset]: 'test-1',
          [QUARANTINE_HEADERS.service]: 'transform-quality',
          [QUARANTINE_HEADERS.quarantinedAt]: at,
          [QUARANTINE_HEADERS.originTopic]: 'social.enriched.posts',
          [QUARANTINE_HEADERS.originPartition]: '0',
          [QUARANTINE_HEADERS.originOffset]: String(index),
          [QUARANTINE_HEADERS.originTimestamp]: String(Date.parse(at)),
          [QUARANTINE_HEADERS.curatedTopic]: curated,
        },
      })),
    );
  });

  after(async () => {
    await producer?.close();
  });

  it('lists with reasons, platform and score, filtered by reason, platform and time', async () => {
    const targets = targetsOf(stack);
    const ids = async (filter: Parameters<typeof findQuarantined>[1]) =>
      (await findQuarantined(targets, { topics: [quarantine], ...filter })).map((event) => event.row.key);
    const all = await findQuarantined(targets, { topics: [quarantine] });
    assert.deepEqual(
      all.map((event) => [event.row.offset, event.row.reasons.join('+'), event.row.platform, event.row.score, event.row.curatedTopic]),
      [
        ['0', 'FUTURE_TIMESTAMP', 'TIKTOK', 0, curated],
        ['1', 'MISSING_REQUIRED+FUTURE_TIMESTAMP', 'YOUTUBE', 0, curated],
        ['2', 'COUNTER_DECREASED', 'TIKTOK', 0, curated],
      ],
    );
    assert.deepEqual(await ids({ reason: 'FUTURE_TIMESTAMP' }), ['TIKTOK:q1', 'YOUTUBE:q2']);
    assert.deepEqual(await ids({ platform: 'tiktok' }), ['TIKTOK:q1', 'TIKTOK:q3']);
    assert.deepEqual(await ids({ since: Date.parse('2026-02-02T00:00:00Z') }), ['YOUTUBE:q2', 'TIKTOK:q3']);
    assert.deepEqual(await ids({ reason: 'FUTURE_TIMESTAMP', platform: 'TIKTOK', limit: 5 }), ['TIKTOK:q1']);
    assert.deepEqual(await ids({ limit: 1 }), ['TIKTOK:q1']);
  });

  it('inspects: the decoded event with its quality flags', async () => {
    const [event] = await findQuarantined(targetsOf(stack), { at: { topic: quarantine, partition: 0, offset: '1' } });
    assert.ok(event);
    const view = quarantineView(event);
    assert.deepEqual(view.quality, {
      score: 0,
      flags: [
        { code: 'MISSING_REQUIRED', severity: 'HARD', field: 'published_at', detail: 'rule MISSING_REQUIRED' },
        { code: 'FUTURE_TIMESTAMP', severity: 'HARD', field: 'published_at', detail: 'rule FUTURE_TIMESTAMP' },
      ],
      ruleset_version: 'test-1',
    });
    assert.ok(view.value.decoded);
    assert.equal(view.eventId, `${examplePost().envelope.event_id}-q2`);
    assert.equal(view.headers[QUARANTINE_HEADERS.reasons], 'MISSING_REQUIRED,FUTURE_TIMESTAMP');
  });

  it('releases to the curated topic unchanged, marked released-by, audited; dry run produces nothing', async () => {
    const targets = targetsOf(stack);
    const selected = await findQuarantined(targets, { topics: [quarantine], reason: 'COUNTER_DECREASED' });
    const dry = await releaseQuarantined(targets, selected, { dryRun: true, selection: '--reason COUNTER_DECREASED' });
    assert.deepEqual(dry.targets, [{ topic: curated, records: 1, partitions: [] }]);
    assert.equal((await readAll(stack, curated)).length, 0);

    const result = await releaseQuarantined(targets, selected, { dryRun: false, selection: '--reason COUNTER_DECREASED' });
    assert.equal(result.released, 1);
    const landed = await readAll(stack, curated);
    assert.equal(landed.length, 1);
    const [record] = landed;
    assert.equal(record!.key, 'TIKTOK:q3');
    assert.ok(record!.value?.equals(values[2]!), 'the event bytes are unchanged');
    assert.equal(record!.headers['x-original'], 'header-2');
    assert.equal(record!.headers[RELEASE_ACTION_HEADER], result.actionId);
    assert.ok(record!.headers[RELEASED_BY_HEADER]);
    assert.equal(record!.headers[QUARANTINE_HEADERS.reasons], undefined, 'quarantine headers are not carried to the curated topic');

    const audit = await auditRecords(stack, result.actionId!);
    assert.deepEqual(
      audit.map((entry) => `${entry.action} ${entry.status} ${entry.records}`),
      ['QUARANTINE_RELEASE STARTED 1', 'QUARANTINE_RELEASE COMPLETED 1'],
    );
    assert.equal(audit[0]!.target, curated);
    assert.equal(audit[0]!.actor, record!.headers[RELEASED_BY_HEADER]);
  });
});
