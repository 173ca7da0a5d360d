// The golden example records of schemas/avro/examples (the schema's reviewed examples), decoded
// from their binary encoding and enriched against empty state: what a user transform is dry-run
// on at boot.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tributary/config';
import { avroType } from '@tributary/events';
import { ENRICH_ROUTES, enrichEvent } from './enrich-event.ts';
import type { EnrichInputTopic, EnrichOptions, EnrichOutputTopic, HistoryStore } from './enrich-event.ts';

const EXAMPLE_DIRS: Readonly<Record<EnrichInputTopic, string>> = {
  'social.raw.posts': 'social/post',
  'social.raw.post-metrics': 'social/post-metrics-snapshot',
  'social.raw.account-metrics': 'social/account-metrics-snapshot',
  'social.raw.comments': 'social/comment',
  'social.raw.deletions': 'social/deletion',
};

/** The raw golden examples of an input topic, by example name. */
export function rawExamples(topic: EnrichInputTopic, root: string = repoRoot()): { name: string; event: unknown }[] {
  const dir = join(root, 'schemas/avro/examples', EXAMPLE_DIRS[topic]);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.avro.hex'))
    .sort()
    .map((file) => ({
      name: `${EXAMPLE_DIRS[topic]}/${file.replace('.avro.hex', '')}`,
      event: avroType(ENRICH_ROUTES[topic].schema).fromBuffer(
        Buffer.from(readFileSync(join(dir, file), 'utf8').replace(/\s+/g, ''), 'hex'),
      ),
    }));
}

/** The golden examples of an output topic, enriched (each against empty state). */
export function enrichedExamples(output: EnrichOutputTopic, options: EnrichOptions): { name: string; event: unknown }[] {
  const input = (Object.keys(ENRICH_ROUTES) as EnrichInputTopic[]).find((topic) => ENRICH_ROUTES[topic].output === output)!;
  return rawExamples(input).map(({ name, event }) => {
    const scratch = new Map<string, unknown>();
    const store: HistoryStore = {
      get: (key) => scratch.get(key) as never,
      set: (key, value) => void (value === null ? scratch.delete(key) : scratch.set(key, value)),
    };
    return { name, event: enrichEvent(input, event, store, options) };
  });
}
