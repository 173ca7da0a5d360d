import assert from 'node:assert/strict';
import { findCut, insertChunks } from '../src/request-body.ts';
import type { InsertChunk, RowBoundary } from '../src/request-body.ts';

async function* pieces(data: Buffer, sizes: number[]): AsyncIterable<Buffer> {
  let offset = 0;
  let i = 0;
  while (offset < data.length) {
    const size = sizes[i++ % sizes.length]!;
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

async function collect(source: AsyncIterable<Buffer>, chunkBytes: number, boundary: RowBoundary, max = 1 << 30): Promise<InsertChunk[]> {
  const out: InsertChunk[] = [];
  for await (const chunk of insertChunks(source, chunkBytes, boundary, max)) out.push({ data: Buffer.from(chunk.data), last: chunk.last });
  return out;
}

describe('request-body', () => {
  const rows = Buffer.from(Array.from({ length: 500 }, (_, i) => `{"id":${i},"s":"${'x'.repeat(i % 37)}"}\n`).join(''));

  it('cuts at the same row boundaries whatever the network chunking', async () => {
    const reference = await collect(pieces(rows, [rows.length]), 1000, 'json-line');
    for (const sizes of [[1], [7, 13], [999], [4096], [1000, 1, 2]]) {
      const chunks = await collect(pieces(rows, sizes), 1000, 'json-line');
      assert.deepEqual(
        chunks.map((c) => c.data.toString()),
        reference.map((c) => c.data.toString()),
        `sizes ${sizes.join(',')}`,
      );
    }
    assert.ok(reference.length > 10);
    assert.equal(Buffer.concat(reference.map((c) => c.data)).toString(), rows.toString());
    assert.deepEqual(
      reference.map((c) => c.last),
      reference.map((_, i) => i === reference.length - 1),
    );
    for (const chunk of reference.slice(0, -1)) {
      assert.ok(chunk.data.length >= 1000);
      assert.equal(chunk.data.at(-1), 10);
    }
  });

  it('yields one last chunk for small bodies and for an empty body', async () => {
    const small = await collect(pieces(Buffer.from('{"a":1}\n'), [3]), 1000, 'json-line');
    assert.deepEqual(
      small.map((c) => [c.data.toString(), c.last]),
      [['{"a":1}\n', true]],
    );
    const empty = await collect(pieces(Buffer.alloc(0), [1]), 1000, 'newline');
    assert.deepEqual(
      empty.map((c) => [c.data.length, c.last]),
      [[0, true]],
    );
  });

  it('never cuts inside a pretty-printed JSON object', () => {
    const pretty = Buffer.from('{\n  "a": {\n    "b": 1\n  },\n  "c": [\n    1\n  ]\n}\n{\n "d": 2\n}\n');
    const cut = findCut(pretty, 0, 'json-line');
    assert.ok('cut' in cut);
    assert.equal(pretty.subarray(0, cut.cut).toString(), '{\n  "a": {\n    "b": 1\n  },\n  "c": [\n    1\n  ]\n}\n');
  });

  it('waits for the next byte before deciding a JSON boundary at the end of the data', () => {
    assert.deepEqual(findCut(Buffer.from('{"a":1}\n'), 0, 'json-line'), { resumeAt: 7 });
  });

  it('refuses a row without boundary longer than the limit', async () => {
    const noBoundary = Buffer.alloc(5000, 0x61);
    await assert.rejects(collect(pieces(noBoundary, [100]), 1000, 'newline', 3000), /QUERY_IS_TOO_LARGE|exceeds/);
  });
});
