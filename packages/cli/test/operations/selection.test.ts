import assert from 'node:assert/strict';
import { isTributaryError } from '@tributary/errors';
import { parseCoordinates, parseCount, parseInstant, parsePartitionOffsets } from '../../src/operations/selection.ts';
import { hexDump, jsonSafe } from '../../src/operations/decode.ts';
import { replayStart } from '../../src/commands/replay.ts';

const configError = (code: string) => (error: unknown) => isTributaryError(error) && error.code === code && error.failureType === 'config';

describe('cli/operations/selection', () => {
  it('parses ISO instants and refuses anything else', () => {
    assert.equal(parseInstant('2026-11-24T03:00:00Z', '--since'), Date.UTC(2026, 10, 24, 3));
    assert.equal(parseInstant('2026-11-24', '--since'), Date.UTC(2026, 10, 24));
    assert.throws(() => parseInstant('yesterday', '--since'), configError('CLI_BAD_TIME'));
    assert.throws(() => parseInstant('1700000000000', '--since'), configError('CLI_BAD_TIME'));
  });

  it('parses record coordinates', () => {
    assert.deepEqual(parseCoordinates('dlq.transform-enrich:2:0042'), { topic: 'dlq.transform-enrich', partition: 2, offset: '42' });
    assert.throws(() => parseCoordinates('dlq.transform-enrich:2'), configError('CLI_BAD_COORDINATES'));
    assert.throws(() => parseCoordinates('dlq.x:a:1'), configError('CLI_BAD_COORDINATES'));
  });

  it('parses per-partition offsets, sorted, each partition once', () => {
    assert.deepEqual(parsePartitionOffsets('2:7, 0:120', '--from-offsets'), [
      { partition: 0, offset: '120' },
      { partition: 2, offset: '7' },
    ]);
    assert.throws(() => parsePartitionOffsets('0:1,0:2', '--from-offsets'), configError('CLI_BAD_OFFSETS'));
    assert.throws(() => parsePartitionOffsets('0=1', '--from-offsets'), configError('CLI_BAD_OFFSETS'));
  });

  it('parses counts', () => {
    assert.equal(parseCount('5', '--limit'), 5);
    assert.throws(() => parseCount('0', '--limit'), configError('CLI_BAD_COUNT'));
    assert.throws(() => parseCount('2.5', '--limit'), configError('CLI_BAD_COUNT'));
  });

  it('needs exactly one replay start', () => {
    assert.deepEqual(replayStart({ topic: 't', sampleRecords: '1', earliest: true }), { kind: 'earliest' });
    assert.deepEqual(replayStart({ topic: 't', sampleRecords: '1', fromOffsets: '0:3' }), {
      kind: 'offsets',
      offsets: [{ partition: 0, offset: '3' }],
    });
    assert.deepEqual(replayStart({ topic: 't', sampleRecords: '1', fromTime: '2026-01-01' }), { kind: 'time', atMs: Date.UTC(2026, 0, 1) });
    assert.throws(() => replayStart({ topic: 't', sampleRecords: '1' }), configError('CLI_REPLAY_START'));
    assert.throws(
      () => replayStart({ topic: 't', sampleRecords: '1', earliest: true, fromTime: '2026-01-01' }),
      configError('CLI_REPLAY_START'),
    );
  });
});

describe('cli/operations/decode', () => {
  it('dumps bytes as offset, hex and printable text, cut at the limit', () => {
    const dump = hexDump(Buffer.from('\x00\x00\x00\x00\x07hello, world!!!!tail'), 20);
    assert.equal(
      dump,
      '00000000  00 00 00 00 07 68 65 6c 6c 6f 2c 20 77 6f 72 6c  |.....hello, worl|\n' +
        '00000010  64 21 21 21                                      |d!!!|\n' +
        '… 5 more bytes',
    );
  });

  it('makes decoded values JSON-safe (bytes as hex)', () => {
    assert.deepEqual(jsonSafe({ a: Buffer.from([1, 255]), b: [{ c: null }], d: 3 }), { a: '01ff', b: [{ c: null }], d: 3 });
  });
});
