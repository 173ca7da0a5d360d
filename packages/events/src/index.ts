// @tributary/events: the event contract in TypeScript. The generated modules come from
// schemas/avro and schemas/topics (npm run generate:events); the identity recipes and the parsed
// schemas are written by hand.
export * from './generated/types.ts';
export * from './generated/schemas.ts';
export * from './generated/topics.ts';
export { EVENT_ID_TAG, computeEventId, contentVersion, entityKey, observation } from './event-id.ts';
export type { EventIdentity } from './event-id.ts';
export { avroType, topicValueType } from './avro.ts';
