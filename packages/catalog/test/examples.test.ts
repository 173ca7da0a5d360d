// Golden example records (schemas/avro/examples): each one validates against its schema, encodes
// to the committed bytes, round-trips through avsc byte for byte, is readable by (and from) every
// earlier released version, and carries the event_id its own envelope implies.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { computeEventId } from '@tributary/events';
import type { Envelope } from '@tributary/events';
import { encodeExample, hexGolden, loadContract, readExamples } from '../src/index.ts';

const contract = loadContract();

describe('catalog/examples (golden records)', () => {
  it('has at least one example per schema', () => {
    for (const schema of contract.schemas)
      assert.ok(readExamples(contract, schema).length > 0, `${schema.fullName} has no example in schemas/avro/examples`);
  });

  for (const schema of contract.schemas) {
    for (const example of readExamples(contract, schema)) {
      describe(example.path, () => {
        const type = avro.Type.forSchema(schema.resolved as never);
        const bytes = encodeExample(example);

        it('validates and encodes to the committed golden bytes', () => {
          assert.equal(
            hexGolden(bytes),
            readFileSync(join(contract.paths.root, example.hexPath), 'utf8'),
            `${example.hexPath} differs: run npm run generate:events and review the diff`,
          );
        });

        it('round-trips through avsc byte for byte, with nothing lost', () => {
          const decoded: unknown = type.fromBuffer(bytes);
          assert.ok(type.toBuffer(decoded).equals(bytes));
          assert.deepEqual(JSON.parse(type.toString(decoded)), example.json);
        });

        it('is read by every earlier version, and data shaped like each earlier version is read by the newest', () => {
          for (const old of schema.history.slice(0, -1)) {
            const oldType = avro.Type.forSchema(old.schema as never);
            const asOld: unknown = oldType.fromBuffer(bytes, oldType.createResolver(type));
            const oldBytes = oldType.toBuffer(asOld);
            assert.doesNotThrow(() => type.fromBuffer(oldBytes, type.createResolver(oldType)), `v${old.version}`);
          }
        });

        const envelope = (type.fromBuffer(bytes) as { envelope?: Envelope }).envelope;
        if (envelope) {
          it('carries the event_id its envelope implies (docs/adr/0013)', () => {
            assert.equal(envelope.event_id, computeEventId(envelope));
          });
        }
      });
    }
  }
});
