// The benchmark's payloads: a metrics-snapshot-shaped event (envelope ids, timestamps, counters,
// tags, free text) whose text is sized so the Avro body is 200, 500 or 1000 bytes. Generated
// once, deterministic, the same values for every contender.
import avro from 'avsc';
import type { Schema, Type } from 'avsc';

export const BENCH_EVENT_V1 = {
  type: 'record',
  name: 'BenchEvent',
  namespace: 'io.tributary.bench',
  fields: [
    { name: 'event_id', type: 'string' },
    { name: 'platform', type: { type: 'enum', name: 'BenchPlatform', symbols: ['TIKTOK', 'INSTAGRAM', 'YOUTUBE'] } },
    { name: 'entity_id', type: 'string' },
    { name: 'observed_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'collected_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'views', type: 'long' },
    { name: 'likes', type: 'long' },
    { name: 'comments', type: 'long' },
    { name: 'shares', type: ['null', 'long'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'text', type: 'string' },
  ],
};

/** v1 plus an optional field: v1 bytes read with this reader go through a resolver. */
export const BENCH_EVENT_V2 = {
  ...BENCH_EVENT_V1,
  fields: [...BENCH_EVENT_V1.fields, { name: 'language', type: ['null', 'string'], default: null }],
};

export interface BenchEvent {
  event_id: string;
  platform: 'TIKTOK' | 'INSTAGRAM' | 'YOUTUBE';
  entity_id: string;
  observed_at: number;
  collected_at: number;
  views: number;
  likes: number;
  comments: number;
  shares: number | null;
  tags: string[];
  text: string;
}

export const PAYLOAD_SIZES = [200, 500, 1000] as const;

export const benchType: Type = avro.Type.forSchema(BENCH_EVENT_V1 as Schema);

const PLATFORMS = ['TIKTOK', 'INSTAGRAM', 'YOUTUBE'] as const;

/** `count` distinct events whose Avro body is exactly `bodyBytes` long. */
export function benchEvents(bodyBytes: number, count: number): BenchEvent[] {
  const events: BenchEvent[] = [];
  for (let index = 0; index < count; index++) {
    const event: BenchEvent = {
      event_id: (index.toString(16).padStart(8, '0') + 'ca5fc28e2ce1b6cf0a2ed8bb6d9bb9132f62fb692c37caea5a14493d').slice(0, 64),
      platform: PLATFORMS[index % 3]!,
      entity_id: String(7_301_234_567_890_123_456n + BigInt(index)),
      observed_at: 1_795_413_600_000 + index,
      collected_at: 1_795_413_600_500 + index,
      views: 1_000_000 + index * 17,
      likes: 50_000 + index,
      comments: 1_200 + (index % 97),
      shares: index % 2 === 0 ? 3_400 + index : null,
      tags: ['#music', '#dance', `#t${index % 50}`],
      text: '',
    };
    const fixed = benchType.toBuffer(event).length;
    // The string's length prefix grows with it: one or two bytes for these sizes.
    let textLength = Math.max(0, bodyBytes - fixed);
    while (textLength > 0 && benchType.toBuffer({ ...event, text: 'x'.repeat(textLength) }).length > bodyBytes) textLength -= 1;
    event.text = 'Caption ' + `${index} `.repeat(textLength);
    event.text = event.text.slice(0, textLength);
    events.push(event);
  }
  return events;
}
