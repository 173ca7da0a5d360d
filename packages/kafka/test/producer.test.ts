// The producer's checks before anything is sent: record size estimates, oversized records
// refused as data errors naming the record, and sends split so no request exceeds its limit.
import assert from 'node:assert/strict';
import { isTributaryError } from '@tributary/errors';
import { DEFAULT_MAX_RECORD_BYTES, recordSizeBytes } from '../src/index.ts';
import { checkRecordSizes, splitIntoRequests } from '../src/producer.ts';
import type { ProducedRecord } from '../src/index.ts';

const record = (valueBytes: number, key = 'TIKTOK:1'): ProducedRecord => ({
  topic: 'social.raw.posts',
  key,
  value: Buffer.alloc(valueBytes),
  headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
});

describe('kafka/producer checks', () => {
  it('estimates a record as the broker measures it alone in a batch (an upper bound)', () => {
    // 61 batch header + 21 record varints + 8 key + 500 value + (10 + 11 + 55) header
    assert.equal(recordSizeBytes(record(500)), 61 + 21 + 8 + 500 + 10 + 11 + 55);
    assert.equal(recordSizeBytes({ key: null, value: null }), 82);
    assert.equal(
      recordSizeBytes({ key: 'é', value: null, headers: { a: ['x', 'yy'], b: undefined } }),
      82 + 2 + (10 + 1 + 1) + (10 + 1 + 2),
    );
  });

  it('refuses the whole send when one record is over the limit, naming it, before anything is sent', () => {
    const records = [record(100), record(DEFAULT_MAX_RECORD_BYTES, 'YOUTUBE:dQw4w9WgXcQ'), record(DEFAULT_MAX_RECORD_BYTES + 5)];
    assert.throws(
      () => checkRecordSizes(records, DEFAULT_MAX_RECORD_BYTES),
      (error: unknown) => {
        assert.ok(isTributaryError(error));
        assert.equal(error.code, 'KAFKA_RECORD_TOO_LARGE');
        assert.equal(error.failureType, 'data');
        assert.equal(error.retryable, false);
        assert.match(
          error.message,
          /Record 1 for social\.raw\.posts \(key YOUTUBE:dQw4w9WgXcQ\) is 1048765 bytes, over the 1048588-byte limit \(2 records/,
        );
        assert.equal(error.details.index, 1);
        return true;
      },
    );
    assert.deepEqual(checkRecordSizes([record(100)], DEFAULT_MAX_RECORD_BYTES), [recordSizeBytes(record(100))]);
  });

  it('splits a send into requests under the limit, keeping order; a record over it goes alone', () => {
    const sizes = [400, 400, 400, 2000, 100, 100].map((size) => size + 61);
    assert.deepEqual(splitIntoRequests(sizes, 1000), [
      [0, 2],
      [2, 3],
      [3, 4],
      [4, 6],
    ]);
    assert.deepEqual(splitIntoRequests([], 1000), []);
  });
});
