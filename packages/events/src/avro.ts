// The schemas parsed by avsc, once, for serialisers and tests. Default avsc options: long and
// timestamp-millis decode to numbers, bytes to Buffers, optional values to null — the shapes of
// the generated TypeScript types.
import avro from 'avsc';
import type { Type } from 'avsc';
import { EVENT_SCHEMAS } from './generated/schemas.ts';
import type { EventSchemaName } from './generated/schemas.ts';
import { TOPICS } from './generated/topics.ts';
import type { AvroTopicName } from './generated/topics.ts';

const parsed = new Map<EventSchemaName, Type>();

/** The avsc Type of a top-level schema (its newest released version). */
export function avroType(name: EventSchemaName): Type {
  let type = parsed.get(name);
  if (!type) {
    type = avro.Type.forSchema(EVENT_SCHEMAS[name].schema as avro.Schema);
    parsed.set(name, type);
  }
  return type;
}

/** The avsc Type of a topic's values. */
export function topicValueType(topic: AvroTopicName): Type {
  return avroType(TOPICS[topic].valueSchema);
}
