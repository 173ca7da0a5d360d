// Test doubles shared by the kafka unit tests: a schema lookup answering from a map, and a
// partition control that records what the batch processor asked for.
import { TributaryError } from '@tributary/errors';
import { SerdeError } from '../src/index.ts';
import type { PartitionControl } from '../src/batch-processor.ts';
import type { RegisteredSchemaText, SchemaLookup } from '../src/index.ts';

export const PING_V1 = {
  type: 'record',
  name: 'Ping',
  namespace: 'io.tributary.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'count', type: 'long' },
  ],
};

export class MapLookup implements SchemaLookup {
  readonly url = 'http://registry.test';
  readonly calls: string[] = [];
  readonly ids = new Map<number, RegisteredSchemaText>();
  unreachable = 0;

  constructor(entries: Array<[number, object]> = [[7, PING_V1]]) {
    for (const [id, schema] of entries) this.ids.set(id, { id, schema: JSON.stringify(schema), schemaType: 'AVRO' });
  }

  async byId(id: number): Promise<RegisteredSchemaText> {
    this.calls.push(`id ${id}`);
    if (this.unreachable > 0) {
      this.unreachable -= 1;
      throw new TributaryError('REGISTRY_UNREACHABLE', 'registry down', { failureType: 'transient' });
    }
    const found = this.ids.get(id);
    if (!found) throw new SerdeError('SERDE_UNKNOWN_SCHEMA_ID', `no schema ${id}`);
    return found;
  }

  async latest(): Promise<RegisteredSchemaText> {
    return [...this.ids.values()].at(-1)!;
  }

  async byText(subject: string, text: string): Promise<RegisteredSchemaText> {
    for (const entry of this.ids.values()) if (entry.schema === text) return entry;
    throw new TributaryError('SERDE_SCHEMA_NOT_REGISTERED', `not under ${subject}`, { failureType: 'config' });
  }
}

export class FakeControl implements PartitionControl {
  readonly resolved: string[] = [];
  readonly commits: string[] = [];
  readonly slept: number[] = [];
  paused: unknown[] = [];
  failed: unknown[] = [];
  isActive = true;
  readonly signal = new AbortController().signal;
  /** Called before each sleep; return false to make the partition inactive. */
  onSleep: () => boolean = () => true;

  active(): boolean {
    return this.isActive;
  }
  async heartbeat(): Promise<void> {}
  async sleep(ms: number): Promise<boolean> {
    this.slept.push(ms);
    if (!this.onSleep()) this.isActive = false;
    return this.isActive;
  }
  resolve(offset: string): void {
    this.resolved.push(offset);
  }
  async commit(nextOffset: string): Promise<void> {
    this.commits.push(nextOffset);
  }
  pause(error: unknown): void {
    this.paused.push(error);
  }
  fail(error: unknown): void {
    this.failed.push(error);
  }
}
