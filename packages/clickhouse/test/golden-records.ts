// The golden example records of schemas/avro/examples, decoded from their binary encoding, for
// the landing-row unit tests and the ClickHouse integration tests.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tributary/config';
import { avroType } from '@tributary/events';
import type { EventTypes } from '@tributary/events';
import type { LandedSchemaName } from '../src/landing-rows.ts';

export const EXAMPLE_DIRS: { readonly [Name in LandedSchemaName]: string } = {
  'io.tributary.social.Post': 'social/post',
  'io.tributary.social.PostMetricsSnapshot': 'social/post-metrics-snapshot',
  'io.tributary.social.AccountMetricsSnapshot': 'social/account-metrics-snapshot',
  'io.tributary.social.Comment': 'social/comment',
  'io.tributary.social.Deletion': 'social/deletion',
};

export function goldenRecords<Name extends LandedSchemaName>(schema: Name): { example: string; record: EventTypes[Name] }[] {
  const dir = join(repoRoot(), 'schemas/avro/examples', EXAMPLE_DIRS[schema]);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.avro.hex'))
    .sort()
    .map((file) => ({
      example: file.replace('.avro.hex', ''),
      record: avroType(schema).fromBuffer(
        Buffer.from(readFileSync(join(dir, file), 'utf8').replace(/\s+/g, ''), 'hex'),
      ) as EventTypes[Name],
    }));
}

export function goldenRecord<Name extends LandedSchemaName>(schema: Name, example: string): EventTypes[Name] {
  const found = goldenRecords(schema).find((entry) => entry.example === example);
  if (!found) throw new Error(`no golden example ${EXAMPLE_DIRS[schema]}/${example}`);
  return found.record;
}
