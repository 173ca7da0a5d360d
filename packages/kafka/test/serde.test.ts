// Serde against a scripted schema lookup (no registry): golden bytes of the Confluent framing,
// schema evolution in both directions, caching (one lookup per id, per subject), and every
// poison case mapped to its stable data-error code.
import assert from 'node:assert/strict';
import { isRetryable, isTributaryError, TributaryError } from '@tributary/errors';
import { createSerde, isSerdeError, readSchemaId } from '../src/index.ts';
import type { RegisteredSchemaText, SchemaLookup, SerdeErrorCode } from '../src/index.ts';

const V1 = {
  type: 'record',
  name: 'Ping',
  namespace: 'io.tributary.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'count', type: 'long' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
};
const V2 = {
  ...V1,
  fields: [...V1.fields, { name: 'note', type: ['null', 'string'], default: null }],
};
const INT_ID = { type: 'record', name: 'Ping', namespace: 'io.tributary.test', fields: [{ name: 'id', type: 'int' }] };

class ScriptedLookup implements SchemaLookup {
  readonly url = 'http://registry.test';
  readonly calls: string[] = [];
  readonly ids = new Map<number, RegisteredSchemaText>([
    [42, { id: 42, schema: JSON.stringify(V1), schemaType: 'AVRO' }],
    [43, { id: 43, schema: JSON.stringify(V2), schemaType: 'AVRO' }],
    [44, { id: 44, schema: JSON.stringify(INT_ID), schemaType: 'AVRO' }],
    [45, { id: 45, schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' }],
  ]);
  unreachable = false;

  async byId(id: number): Promise<RegisteredSchemaText> {
    this.calls.push(`id ${id}`);
    if (this.unreachable) throw new TributaryError('REGISTRY_UNREACHABLE', 'down', { failureType: 'transient' });
    const found = this.ids.get(id);
    if (!found) {
      const { SerdeError } = await import('../src/wire-format.ts');
      throw new SerdeError('SERDE_UNKNOWN_SCHEMA_ID', `no id ${id}`);
    }
    return found;
  }

  async latest(subject: string): Promise<RegisteredSchemaText> {
    this.calls.push(`latest ${subject}`);
    return this.ids.get(43)!;
  }

  async byText(subject: string, text: string): Promise<RegisteredSchemaText> {
    this.calls.push(`text ${subject}`);
    for (const entry of this.ids.values())
      if (entry.schemaType === 'AVRO' && JSON.stringify(JSON.parse(entry.schema)) === text) return entry;
    throw new TributaryError('SERDE_SCHEMA_NOT_REGISTERED', 'not registered', { failureType: 'config' });
  }
}

const ping = { id: 'abc', count: 5, tags: ['x'] };

async function rejectsWith(run: () => Promise<unknown> | unknown, code: SerdeErrorCode): Promise<void> {
  await assert.rejects(
    async () => run(),
    (error: unknown) => {
      assert.ok(isSerdeError(error), `expected a SerdeError, got ${String(error)}`);
      assert.equal(error.code, code);
      assert.equal(error.failureType, 'data');
      assert.equal(isRetryable(error), false);
      return true;
    },
  );
}

describe('kafka/serde', () => {
  it('frames a known record as magic byte, big-endian schema id and Avro body (golden bytes)', async () => {
    const serde = createSerde(new ScriptedLookup());
    const encoder = await serde.encoder<typeof ping>('ping-value', { schema: V1 });
    assert.equal(encoder.schemaId, 42);
    const bytes = encoder.encode(ping);
    // 00 | 00 00 00 2a | "abc" (len 3 → zigzag 06) | count 5 → 0a | array: 1 item (02), "x" (02 78), end (00)
    assert.equal(bytes.toString('hex'), '000000002a' + '06616263' + '0a' + '02' + '0278' + '00');
    assert.equal(readSchemaId(bytes), 42);
  });

  it('frames ids above 2^31 as unsigned big-endian', async () => {
    const lookup = new ScriptedLookup();
    lookup.ids.set(0xfedcba98, { id: 0xfedcba98, schema: JSON.stringify(V1), schemaType: 'AVRO' });
    lookup.ids.delete(42);
    const serde = createSerde(lookup);
    const bytes = (await serde.encoder('ping-value', { schema: V1 })).encode(ping);
    assert.equal(bytes.subarray(0, 5).toString('hex'), '00fedcba98');
    assert.deepEqual({ ...(await serde.decoder(V1).decode(bytes)).value! }, ping);
  });

  it('looks an encoder up once and then encodes without the registry; the latest version without a schema', async () => {
    const lookup = new ScriptedLookup();
    const serde = createSerde(lookup);
    const encoder = await serde.encoder('ping-value', { schema: V1 });
    for (let i = 0; i < 100; i++) encoder.encode({ ...ping, count: i });
    const latest = await serde.encoder('ping-value');
    assert.equal(latest.schemaId, 43);
    assert.deepEqual(lookup.calls, ['text ping-value', 'latest ping-value']);
  });

  it('grows its scratch buffer for values larger than it', async () => {
    const serde = createSerde(new ScriptedLookup(), { initialEncodeBufferBytes: 64 });
    const encoder = await serde.encoder('ping-value', { schema: V1 });
    const big = { ...ping, id: 'x'.repeat(100_000) };
    const bytes = encoder.encode(big);
    assert.deepEqual({ ...(await serde.decoder(V1).decode(bytes)).value! }, big);
    assert.deepEqual({ ...(await serde.decoder(V1).decode(encoder.encode(ping))).value! }, ping);
  });

  it('reads v1 bytes with a v2 reader (new optional field gets its default) and v2 bytes with a v1 reader', async () => {
    const lookup = new ScriptedLookup();
    const serde = createSerde(lookup);
    const v1Bytes = (await serde.encoder('ping-value', { schema: V1 })).encode(ping);
    const v2Bytes = (await serde.encoder('ping-value', { schema: V2 })).encode({ ...ping, note: 'hi' });
    assert.deepEqual({ ...(await serde.decoder(V2).decode(v1Bytes)).value! }, { ...ping, note: null });
    assert.deepEqual({ ...(await serde.decoder(V1).decode(v2Bytes)).value! }, ping);
    const decoded = await serde.decoder(V2).decode(v2Bytes);
    assert.equal(decoded.schemaId, 43);
  });

  it('fetches each writer schema once, however many records and decoders use it', async () => {
    const lookup = new ScriptedLookup();
    const serde = createSerde(lookup);
    const bytes = (await serde.encoder('ping-value', { schema: V1 })).encode(ping);
    lookup.calls.length = 0;
    const v1 = serde.decoder(V1);
    const v2 = serde.decoder(V2);
    await Promise.all([...Array(20)].map(() => v1.decode(bytes)));
    for (let i = 0; i < 20; i++) await v2.decode(bytes);
    assert.deepEqual(lookup.calls, ['id 42']);
  });

  it('decodeSync needs the writer loaded first', async () => {
    const serde = createSerde(new ScriptedLookup());
    const bytes = (await serde.encoder('ping-value', { schema: V1 })).encode(ping);
    const decoder = serde.decoder(V1);
    assert.throws(
      () => decoder.decodeSync(bytes),
      (error: unknown) => isTributaryError(error) && error.code === 'SERDE_WRITER_NOT_LOADED',
    );
    await serde.load([42]);
    assert.deepEqual({ ...decoder.decodeSync(bytes).value! }, ping);
  });

  describe('poison records', () => {
    let valid: Buffer;
    const serde = createSerde(new ScriptedLookup());
    const decoder = serde.decoder(V1);
    before(async () => {
      valid = (await serde.encoder('ping-value', { schema: V1 })).encode(ping);
    });

    it('null, empty or shorter than the header → SERDE_TOO_SHORT', async () => {
      await rejectsWith(() => decoder.decode(null), 'SERDE_TOO_SHORT');
      await rejectsWith(() => decoder.decode(Buffer.alloc(0)), 'SERDE_TOO_SHORT');
      await rejectsWith(() => decoder.decode(valid.subarray(0, 4)), 'SERDE_TOO_SHORT');
    });

    it('a first byte other than 0 (JSON, plain Avro, text) → SERDE_BAD_MAGIC', async () => {
      await rejectsWith(() => decoder.decode(Buffer.from('{"id":"abc","count":5}')), 'SERDE_BAD_MAGIC');
      await rejectsWith(() => decoder.decode(Buffer.from([1, 0, 0, 0, 42, 6])), 'SERDE_BAD_MAGIC');
    });

    it('an id the registry does not have → SERDE_UNKNOWN_SCHEMA_ID, remembered for a while', async () => {
      const lookup = new ScriptedLookup();
      const local = createSerde(lookup, { unknownIdRetryMs: 60_000 });
      const unknown = Buffer.from(valid);
      unknown.writeUInt32BE(999, 1);
      await rejectsWith(() => local.decoder(V1).decode(unknown), 'SERDE_UNKNOWN_SCHEMA_ID');
      await rejectsWith(() => local.decoder(V1).decode(unknown), 'SERDE_UNKNOWN_SCHEMA_ID');
      assert.deepEqual(lookup.calls, ['id 999']);
    });

    it('an unreachable registry is transient, not a data error, and is not remembered', async () => {
      const lookup = new ScriptedLookup();
      const local = createSerde(lookup);
      lookup.unreachable = true;
      await assert.rejects(local.decoder(V1).decode(valid), (error: unknown) => {
        assert.ok(isTributaryError(error));
        assert.equal(error.code, 'REGISTRY_UNREACHABLE');
        assert.ok(isRetryable(error));
        return true;
      });
      lookup.unreachable = false;
      assert.deepEqual({ ...(await local.decoder(V1).decode(valid)).value! }, ping);
    });

    it('a body cut short → SERDE_TRUNCATED_AVRO; extra bytes or garbage → SERDE_INVALID_AVRO', async () => {
      await rejectsWith(() => decoder.decode(valid.subarray(0, valid.length - 2)), 'SERDE_TRUNCATED_AVRO');
      await rejectsWith(() => decoder.decode(valid.subarray(0, 5)), 'SERDE_TRUNCATED_AVRO');
      await rejectsWith(() => decoder.decode(Buffer.concat([valid, Buffer.from([1, 2, 3])])), 'SERDE_INVALID_AVRO');
      // A union branch index that does not exist.
      const v2 = (await serde.encoder('ping-value', { schema: V2 })).encode({ ...ping, note: null });
      const badBranch = Buffer.from(v2);
      badBranch[badBranch.length - 1] = 0x0e; // branch 7 of a 2-branch union
      await rejectsWith(() => serde.decoder(V2).decode(badBranch), 'SERDE_INVALID_AVRO');
    });

    it('a writer the reader cannot resolve → SERDE_INCOMPATIBLE; so is a non-Avro schema', async () => {
      const intId = Buffer.from(valid);
      intId.writeUInt32BE(44, 1);
      await rejectsWith(() => decoder.decode(intId), 'SERDE_INCOMPATIBLE');
      const proto = Buffer.from(valid);
      proto.writeUInt32BE(45, 1);
      await rejectsWith(() => decoder.decode(proto), 'SERDE_INCOMPATIBLE');
    });

    it('encoding a value that does not match → SERDE_INVALID_VALUE naming each field path', async () => {
      const encoder = await serde.encoder('ping-value', { schema: V2 });
      await rejectsWith(() => encoder.encode({ id: 7, count: 1.5, tags: ['a', 2], note: 3 } as never), 'SERDE_INVALID_VALUE');
      try {
        encoder.encode({ id: 'a', count: 2 ** 60, tags: ['a', 2] } as never);
        assert.fail('expected a throw');
      } catch (error) {
        assert.ok(isSerdeError(error));
        assert.deepEqual(error.details.paths, ['count: expected long, got 1152921504606847000', 'tags.1: expected string, got 2']);
        assert.match(error.message, /count: expected long/);
      }
    });
  });
});
