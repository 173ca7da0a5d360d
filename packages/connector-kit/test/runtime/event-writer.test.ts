// The event writer without a broker: a recording producer and a serde over a fake registry.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isTributaryError } from '@tributary/errors';
import { EVENT_SCHEMAS, topicValueType } from '@tributary/events';
import { createSerde, readDeadLetterHeaders, readSchemaId } from '@tributary/kafka';
import type { ProducedRecord, Producer, SchemaLookup } from '@tributary/kafka';
import { createLogger } from '@tributary/telemetry';
import { createEventWriter, isEventsRejectedError } from '../../src/runtime/event-writer.ts';
import type { OutgoingEvent } from '../../src/contracts.ts';

const logger = createLogger({ serviceName: 'event-writer-test', level: 'silent' });
const SCHEMA_ID = 7;

function fakeLookup(): SchemaLookup & { lookups: string[] } {
  const lookups: string[] = [];
  const schema = JSON.stringify(EVENT_SCHEMAS['io.tributary.social.PostMetricsSnapshot'].schema);
  return {
    url: 'http://registry.invalid',
    lookups,
    byId: async (id) => ({ id, schema, schemaType: 'AVRO' }),
    latest: async () => ({ id: SCHEMA_ID, schema, schemaType: 'AVRO' }),
    byText: async (subject) => {
      lookups.push(subject);
      return { id: SCHEMA_ID, schema, schemaType: 'AVRO' };
    },
  };
}

function recordingProducer(): Producer & { sends: ProducedRecord[][] } {
  const sends: ProducedRecord[][] = [];
  return {
    sends,
    send: async (records) => {
      sends.push([...records]);
      return { records: records.length, bytes: 0, partitions: [] };
    },
    stats: () => ({}),
    close: async () => undefined,
  };
}

function metricsEvent(): OutgoingEvent {
  const hex = readFileSync(
    fileURLToPath(new URL('../../../../schemas/avro/examples/social/post-metrics-snapshot/tiktok-video.avro.hex', import.meta.url)),
    'utf8',
  );
  const value = topicValueType('social.raw.post-metrics').fromBuffer(Buffer.from(hex.replace(/\s/g, ''), 'hex')) as Record<string, unknown>;
  return { topic: 'social.raw.post-metrics', key: 'TIKTOK:7301234567890123456', value };
}

describe('connector-kit/runtime/event-writer', () => {
  it('encodes with the schema id of <topic>-value (looked up once per topic) and produces in one send', async () => {
    const lookup = fakeLookup();
    const producer = recordingProducer();
    const writer = await createEventWriter({ kafka: {} as never, registry: createSerde(lookup), logger, clientName: 'test', producer });
    await writer.write([metricsEvent(), metricsEvent()]);
    await writer.write([metricsEvent()]);
    assert.deepEqual(lookup.lookups, ['social.raw.post-metrics-value']);
    assert.equal(producer.sends.length, 2);
    const [first] = producer.sends[0]!;
    assert.equal(first!.topic, 'social.raw.post-metrics');
    assert.equal(first!.key, 'TIKTOK:7301234567890123456');
    assert.equal(readSchemaId(first!.value), SCHEMA_ID);
  });

  it('produces the valid events, dead-letters the invalid one as JSON and rejects naming its event id and field paths', async () => {
    const producer = recordingProducer();
    const writer = await createEventWriter({
      kafka: {} as never,
      registry: createSerde(fakeLookup()),
      logger,
      clientName: 'source-test',
      producer,
      deadLetterTopic: 'dlq.source-test',
    });
    const bad = metricsEvent();
    bad.value = { ...bad.value, envelope: { ...(bad.value.envelope as object), event_id: 'bad-id' }, likes: -0.5 };
    await assert.rejects(writer.write([metricsEvent(), bad]), (error: unknown) => {
      assert.ok(isEventsRejectedError(error));
      assert.equal(error.code, 'CONNECTOR_EVENTS_INVALID');
      assert.equal(error.written, 1);
      assert.equal(error.rejections[0]!.eventId, 'bad-id');
      assert.ok(error.rejections[0]!.paths.some((path) => path.startsWith('likes')));
      return true;
    });
    const sent = producer.sends[0]!;
    assert.deepEqual(
      sent.map((record) => record.topic),
      ['social.raw.post-metrics', 'dlq.source-test'],
      'one send: the valid event and the dead letter are acknowledged together',
    );
    const dead = sent[1]!;
    assert.equal(JSON.parse(dead.value!.toString()).envelope.event_id, 'bad-id');
    const context = readDeadLetterHeaders(dead.headers!);
    assert.equal(context?.errorCode, 'SERDE_INVALID_VALUE');
    assert.equal(context?.originTopic, 'social.raw.post-metrics');
  });

  it('refuses a topic outside the catalogue as a configuration error', async () => {
    const writer = await createEventWriter({
      kafka: {} as never,
      registry: createSerde(fakeLookup()),
      logger,
      clientName: 't',
      producer: recordingProducer(),
    });
    await assert.rejects(
      writer.write([{ topic: 'not.a.topic', key: 'k', value: {} }]),
      (error: unknown) => isTributaryError(error) && error.code === 'CONNECTOR_TOPIC_UNKNOWN' && error.failureType === 'config',
    );
  });
});
