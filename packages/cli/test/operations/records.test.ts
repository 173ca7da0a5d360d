import assert from 'node:assert/strict';
import { DLQ_HEADERS, QUARANTINE_HEADERS, deadLetterRecord } from '@tributary/kafka';
import { TributaryError } from '@tributary/errors';
import { deadLetterRow, matchesDeadLetter, redriveRecord } from '../../src/operations/dead-letters.ts';
import { matchesQuarantine, quarantineRow, releaseRecord } from '../../src/operations/quarantine.ts';
import type { ScannedRecord } from '../../src/operations/targets.ts';

function deadLetter(overrides: { stage?: 'deserialize' | 'transform' | 'sink'; code?: string; failedAt?: string } = {}): ScannedRecord {
  const produced = deadLetterRecord(
    {
      topic: 'social.raw.posts',
      partition: 3,
      offset: '17',
      key: Buffer.from('TIKTOK:1'),
      value: Buffer.from([0, 0, 0, 0, 1, 2]),
      headers: { traceparent: '00-abc-def-01', 'x-mine': 'kept' },
      timestamp: 1_700_000_000_000,
    },
    {
      service: 'transform-enrich',
      stage: overrides.stage ?? 'transform',
      error: new TributaryError(overrides.code ?? 'TEST_BROKEN', 'x'.repeat(200), { failureType: 'data' }),
      attempts: 1,
      failedAt: new Date(overrides.failedAt ?? '2026-01-02T00:00:00Z'),
    },
    'dlq.transform-enrich',
  );
  return { topic: 'dlq.transform-enrich', partition: 0, offset: '5', key: 'TIKTOK:1', value: produced.value, headers: produced.headers! };
}

describe('cli/operations/dead-letters', () => {
  it('reads a row from the DLQ headers, with a short message', () => {
    const row = deadLetterRow(deadLetter());
    assert.equal(row.originTopic, 'social.raw.posts');
    assert.equal(row.originPartition, 3);
    assert.equal(row.originOffset, '17');
    assert.equal(row.stage, 'transform');
    assert.equal(row.errorCode, 'TEST_BROKEN');
    assert.equal(row.failedAt, '2026-01-02T00:00:00.000Z');
    assert.equal(row.message?.length, 80);
  });

  it('filters by stage, code, origin and the failed-at window (since inclusive, until exclusive)', () => {
    const row = deadLetterRow(deadLetter());
    assert.ok(matchesDeadLetter(row, { stage: 'transform', errorCode: 'TEST_BROKEN', originTopic: 'social.raw.posts' }));
    assert.ok(!matchesDeadLetter(row, { stage: 'sink' }));
    assert.ok(!matchesDeadLetter(row, { errorCode: 'OTHER' }));
    assert.ok(!matchesDeadLetter(row, { originTopic: 'social.raw.comments' }));
    assert.ok(matchesDeadLetter(row, { since: Date.UTC(2026, 0, 2) }));
    assert.ok(!matchesDeadLetter(row, { until: Date.UTC(2026, 0, 2) }));
    const bare = deadLetterRow({ topic: 'dlq.x', partition: 0, offset: '1', key: null, value: null, headers: {} });
    assert.ok(matchesDeadLetter(bare, {}), 'a record without DLQ headers is listed when no header filter is set');
    assert.ok(!matchesDeadLetter(bare, { since: 0 }));
  });

  it('redrives to the origin topic with the original key, value and non-DLQ headers', () => {
    const letter = deadLetter();
    const out = redriveRecord(letter)!;
    assert.equal(out.topic, 'social.raw.posts');
    assert.equal(out.key, 'TIKTOK:1');
    assert.deepEqual(out.value, Buffer.from([0, 0, 0, 0, 1, 2]));
    assert.deepEqual(Object.keys(out.headers!).sort(), ['traceparent', 'x-mine']);
    assert.equal(redriveRecord({ ...letter, headers: {} }), undefined, 'no origin without DLQ headers');
    assert.ok(letter.headers[DLQ_HEADERS.stage] !== undefined);
  });
});

describe('cli/operations/quarantine', () => {
  const record: ScannedRecord = {
    topic: 'social.quarantine.posts',
    partition: 1,
    offset: '9',
    key: 'YOUTUBE:abc',
    value: Buffer.from([1, 2, 3]),
    headers: {
      [QUARANTINE_HEADERS.reasons]: 'MISSING_REQUIRED,FUTURE_TIMESTAMP',
      [QUARANTINE_HEADERS.ruleset]: '1',
      [QUARANTINE_HEADERS.service]: 'transform-quality',
      [QUARANTINE_HEADERS.quarantinedAt]: '2026-03-01T10:00:00.000Z',
      [QUARANTINE_HEADERS.originTopic]: 'social.enriched.posts',
      [QUARANTINE_HEADERS.originPartition]: '1',
      [QUARANTINE_HEADERS.originOffset]: '44',
      [QUARANTINE_HEADERS.originTimestamp]: '1',
      [QUARANTINE_HEADERS.curatedTopic]: 'social.curated.posts',
      traceparent: '00-abc-def-01',
    },
  };
  const undecoded = { decoded: false as const, error: { code: 'X', message: 'x' }, sizeBytes: 3, hex: '' };

  it('reads reasons from the headers and the platform from the key when the value is not decoded', () => {
    const row = quarantineRow(record, undecoded);
    assert.deepEqual(row.reasons, ['MISSING_REQUIRED', 'FUTURE_TIMESTAMP']);
    assert.equal(row.platform, 'YOUTUBE');
    assert.equal(row.curatedTopic, 'social.curated.posts');
    assert.ok(matchesQuarantine(row, { reason: 'FUTURE_TIMESTAMP', platform: 'youtube', since: Date.UTC(2026, 2, 1, 10) }));
    assert.ok(!matchesQuarantine(row, { reason: 'FUTURE' }));
    assert.ok(!matchesQuarantine(row, { platform: 'TIKTOK' }));
    assert.ok(!matchesQuarantine(row, { until: Date.UTC(2026, 2, 1, 10) }));
  });

  it('releases to the curated topic without the quarantine headers', () => {
    const out = releaseRecord(record)!;
    assert.equal(out.topic, 'social.curated.posts');
    assert.deepEqual(Object.keys(out.headers!), ['traceparent']);
    assert.equal(releaseRecord({ ...record, headers: {} }), undefined);
  });
});
