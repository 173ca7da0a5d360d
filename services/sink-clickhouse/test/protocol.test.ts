import assert from 'node:assert/strict';
import {
  classifyInsertFailure,
  compactRows,
  cutBatch,
  dedupToken,
  formatInflightMarker,
  insertIsolating,
  overBufferLimit,
  parseInflightMarker,
  recoveryDecision,
} from '../src/protocol.ts';
import type { BufferedRecord, CutInput } from '../src/protocol.ts';

const limits = { maxBatchRows: 3, maxBatchBytes: 100, maxBatchWaitMs: 1000 };

function records(from: number, to: number, size = 10): BufferedRecord[] {
  const out: BufferedRecord[] = [];
  for (let offset = from; offset <= to; offset += 1) out.push({ offset: BigInt(offset), sizeBytes: size });
  return out;
}

function cut(pending: BufferedRecord[], extra: Partial<CutInput> = {}) {
  return cutBatch({ pending, limits, oldestAt: 0, now: 10, forced: undefined, highWatermark: undefined, draining: false, ...extra });
}

describe('sink protocol', () => {
  describe('in-flight marker', () => {
    it('round-trips a range', () => {
      const marker = formatInflightMarker({ first: 5n, last: 9n });
      assert.equal(marker, 'tributary.sink/v1 inflight 5-9');
      assert.deepEqual(parseInflightMarker(marker), { first: 5n, last: 9n });
      assert.deepEqual(parseInflightMarker(formatInflightMarker({ first: 9007199254740993n, last: 9007199254740999n })), {
        first: 9007199254740993n,
        last: 9007199254740999n,
      });
    });

    it('ignores empty, foreign and malformed metadata', () => {
      for (const metadata of [
        null,
        undefined,
        '',
        'something else',
        'tributary.sink/v1 inflight ',
        'tributary.sink/v1 inflight 9-5',
        'tributary.sink/v1 inflight 05-9',
        'tributary.sink/v1 inflight -1-3',
        'tributary.sink/v1 inflight 1-2 extra',
        'tributary.sink/v2 inflight 1-2',
      ])
        assert.equal(parseInflightMarker(metadata), undefined, String(metadata));
    });

    it('refuses to format an inverted range', () => {
      assert.throws(() => formatInflightMarker({ first: 3n, last: 2n }), RangeError);
    });
  });

  it('dedup token names table, topic, partition and range', () => {
    assert.equal(
      dedupToken('landing_posts', 'social.curated.posts', 3, { first: 10n, last: 19n }),
      'landing_posts:social.curated.posts:3:10-19',
    );
  });

  describe('recovery decision on assignment', () => {
    it('re-forms exactly the range when the marker starts at the committed offset', () => {
      assert.deepEqual(recoveryDecision('10', 'tributary.sink/v1 inflight 10-19'), { kind: 'reform', range: { first: 10n, last: 19n } });
    });
    it('is normal after a completed batch (empty metadata) or without a commit', () => {
      assert.equal(recoveryDecision('20', '').kind, 'normal');
      assert.equal(recoveryDecision(null, null).kind, 'normal');
      assert.equal(recoveryDecision('-1', '').kind, 'normal');
    });
    it('ignores a marker that does not start at the committed offset (offsets reset since)', () => {
      assert.equal(recoveryDecision('25', 'tributary.sink/v1 inflight 10-19').kind, 'normal');
      assert.equal(recoveryDecision('-1', 'tributary.sink/v1 inflight 10-19').kind, 'normal');
      assert.equal(recoveryDecision(null, 'tributary.sink/v1 inflight 10-19').kind, 'normal');
    });
  });

  describe('batch cutting', () => {
    it('waits while under every limit', () => {
      assert.deepEqual(cut(records(0, 1)), { ready: false });
      assert.deepEqual(cut([]), { ready: false });
    });
    it('cuts by rows', () => {
      assert.deepEqual(cut(records(0, 4)), { ready: true, count: 3, range: { first: 0n, last: 2n }, reason: 'rows' });
    });
    it('cuts by bytes, never splitting a record and taking at least one', () => {
      assert.deepEqual(cut(records(7, 9, 60)), { ready: true, count: 1, range: { first: 7n, last: 7n }, reason: 'bytes' });
      assert.deepEqual(cut(records(7, 9, 500)), { ready: true, count: 1, range: { first: 7n, last: 7n }, reason: 'bytes' });
      assert.deepEqual(cut(records(7, 8, 50)), { ready: true, count: 2, range: { first: 7n, last: 8n }, reason: 'bytes' });
    });
    it('cuts by time and on drain', () => {
      assert.deepEqual(cut(records(4, 5), { now: 1000 }), { ready: true, count: 2, range: { first: 4n, last: 5n }, reason: 'time' });
      assert.deepEqual(cut(records(4, 5), { draining: true }), { ready: true, count: 2, range: { first: 4n, last: 5n }, reason: 'drain' });
    });
    it('ranges follow offsets, gaps included', () => {
      const pending = [...records(10, 10), ...records(14, 15)];
      assert.deepEqual(cut(pending), { ready: true, count: 3, range: { first: 10n, last: 15n }, reason: 'rows' });
    });
    it('re-forms exactly a forced range, ignoring limits, once read past its end', () => {
      const forced = { first: 10n, last: 16n };
      assert.deepEqual(cut(records(10, 14), { forced, now: 1_000_000, draining: true }), { ready: false });
      assert.deepEqual(cut(records(10, 20), { forced }), { ready: true, count: 7, range: forced, reason: 'reform' });
      assert.deepEqual(cut(records(10, 16), { forced }), { ready: true, count: 7, range: forced, reason: 'reform' });
    });
    it('a forced range whose tail no longer exists is ready at the end of the partition', () => {
      const forced = { first: 10n, last: 16n };
      assert.deepEqual(cut(records(10, 12), { forced, highWatermark: 13n }), { ready: true, count: 3, range: forced, reason: 'reform' });
    });
    it('bounds the buffer', () => {
      assert.equal(overBufferLimit(5, 10, limits), false);
      assert.equal(overBufferLimit(6, 10, limits), true);
      assert.equal(overBufferLimit(1, 200, limits), true);
    });
  });

  describe('insert failure classification', () => {
    it('retries network failures, timeouts, 5xx and TOO_MANY_PARTS', () => {
      assert.equal(
        classifyInsertFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
        'transient',
      );
      assert.equal(classifyInsertFailure(new Error('Timeout error.')), 'transient');
      assert.equal(classifyInsertFailure(Object.assign(new Error('Too many parts'), { code: '252' })), 'transient');
      assert.equal(classifyInsertFailure(new Error('Service Unavailable (503)')), 'transient');
      assert.equal(
        classifyInsertFailure(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) })),
        'transient',
      );
    });
    it('blames the data for parse and type errors', () => {
      assert.equal(classifyInsertFailure(Object.assign(new Error('Cannot parse input'), { code: '27' })), 'data');
      assert.equal(classifyInsertFailure(Object.assign(new Error('Type mismatch'), { code: '53' })), 'data');
    });
    it('stops on anything else (unknown table, authentication)', () => {
      assert.equal(classifyInsertFailure(Object.assign(new Error('Unknown table'), { code: '60' })), 'fatal');
      assert.equal(classifyInsertFailure(new Error('something odd')), 'fatal');
    });
  });

  describe('isolating rows ClickHouse refuses', () => {
    const refuse = (bad: Set<string>) => {
      const calls: string[] = [];
      const insert = async (rows: string[], token: string): Promise<void> => {
        calls.push(`${token} [${rows.join(',')}]`);
        if (rows.some((row) => bad.has(row))) throw Object.assign(new Error('Cannot parse input'), { code: '27' });
      };
      return { calls, insert };
    };
    const rows = ['a', 'b', 'c', 'd', 'e'].map((row, index) => ({ offset: String(10 + index), row }));

    it('inserts once when nothing is refused', async () => {
      const { calls, insert } = refuse(new Set());
      assert.deepEqual(await insertIsolating(insert, rows, 't'), []);
      assert.deepEqual(calls, ['t [a,b,c,d,e]']);
    });

    it('halves down to the refused rows, each half under a token of its own offsets, the same way every time', async () => {
      const first = refuse(new Set(['b', 'e']));
      const refused = await insertIsolating(first.insert, rows, 't');
      assert.deepEqual(
        refused.map(({ entry }) => entry.offset),
        ['11', '14'],
      );
      assert.deepEqual(first.calls, [
        't [a,b,c,d,e]',
        't/10-12 [a,b,c]',
        't/10-12/10-11 [a,b]',
        't/10-12/10-11/10-10 [a]',
        't/10-12/10-11/11-11 [b]',
        't/10-12/12-12 [c]',
        't/13-14 [d,e]',
        't/13-14/13-13 [d]',
        't/13-14/14-14 [e]',
      ]);
      const again = refuse(new Set(['b', 'e']));
      await insertIsolating(again.insert, rows, 't');
      assert.deepEqual(again.calls, first.calls, 'a re-formed range repeats the same inserts');
    });

    it('throws transient and fatal failures instead of isolating', async () => {
      const down = async (): Promise<void> => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      };
      await assert.rejects(insertIsolating(down, rows, 't'), /ECONNREFUSED/);
    });
  });

  describe('JSONCompactEachRow bodies', () => {
    it('takes the union of the columns in first-seen order and pads missing values with null', () => {
      const { columns, values } = compactRows([
        { a: 1, b: 'x' },
        { a: 2, c: [1] },
        { b: 'y', a: 3, d: undefined },
      ]);
      assert.deepEqual(columns, ['a', 'b', 'c', 'd']);
      assert.deepEqual(values, [
        [1, 'x', null, null],
        [2, null, [1], null],
        [3, 'y', null, null],
      ]);
    });

    it('refuses rows without any column', () => {
      assert.throws(() => compactRows([{}]), /no columns/);
    });
  });
});
