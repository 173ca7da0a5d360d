// The webhook receiver against the real stack: a signed TikTok delivery is encoded with the
// registered WebhookNotification schema, produced with acks, answered 200 only then, and decoded
// back from the topic byte for byte. The writer here is test-local (producer + serde) because the
// kit's catalogue-bound writer only produces to catalogue topics, and this test uses its own topic.
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { EVENT_SCHEMAS } from '@tributary/events';
import type { WebhookNotification } from '@tributary/events';
import { connectTopicAdmin, createProducer, createSerde } from '@tributary/kafka';
import { createKafka } from '../../packages/kafka/src/client.ts';
import type { Producer } from '@tributary/kafka';
import { createLogger } from '@tributary/telemetry';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { Registry } from 'prom-client';
import { createWebhookReceiver, tiktokSignature, webhookValue } from '@tributary/connector-kit';
import type { EventWriter, ListeningWebhookReceiver, OutgoingEvent } from '@tributary/connector-kit';

const SCHEMA = EVENT_SCHEMAS['io.tributary.webhook.WebhookNotification'].schema;
const SECRET = 'integration-client-secret-0123456789';

describe('webhook receiver → Kafka (integration)', function () {
  this.timeout(120_000);
  const logger = createLogger({ serviceName: 'webhook-integration', level: 'warn' });
  let stack: TestStack;
  let producer: Producer | undefined;
  let server: ListeningWebhookReceiver | undefined;

  before(async () => {
    stack = await useTestStack();
  });

  after(async () => {
    await server?.close();
    await producer?.close();
  });

  it('persists a signed delivery with Kafka acks before answering 200, and it decodes back byte-identical', async () => {
    const topic = uniqueName('test.webhook-notifications', '.');
    const admin = await connectTopicAdmin(stack.kafka, logger);
    try {
      await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 'broker-default', config: {} }]);
    } finally {
      await admin.close();
    }
    const serde = createSerde(stack.registry);
    const encoder = await serde.encoder<Record<string, unknown>>('social.raw.webhook-notifications-value', { schema: SCHEMA });
    producer = await createProducer({ kafka: stack.kafka, logger, clientName: 'webhook-integration' });
    const acked: string[] = [];
    const writer: EventWriter = {
      async write(events: readonly OutgoingEvent[]) {
        const result = await producer!.send(events.map((event) => ({ topic, key: event.key, value: encoder.encode(event.value) })));
        acked.push(...result.partitions.map((ack) => ack.baseOffset));
      },
    };
    const receiver = createWebhookReceiver({
      routes: [
        {
          path: '/webhooks/tiktok',
          platform: 'TIKTOK',
          verify: tiktokSignature({ clientSecret: SECRET }),
          topic: webhookValue.json('event'),
        },
      ],
      writer,
      clock: { now: () => Date.now(), sleep: () => Promise.resolve() },
      logger,
      metrics: new Registry(),
      source: 'source-tiktok',
      kafkaTopic: topic,
    });
    server = await receiver.listen({ port: 0 });

    const body = Buffer.from(
      `{ "client_key":"awx","event":"authorization.removed",\n "create_time":${Math.floor(Date.now() / 1000)},"user_openid":"act.ünïcode-🚀","content":"{\\"reason\\":1}" }`,
    );
    const t = Math.floor(Date.now() / 1000);
    const signature = createHmac('sha256', SECRET).update(`${t}.`).update(body).digest('hex');
    const response = await fetch(`${server.url}/webhooks/tiktok`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'tiktok-signature': `t=${t},s=${signature}` },
      body,
    });
    assert.equal(response.status, 200);
    assert.equal(acked.length, 1, 'the broker acknowledged one record');

    const kafka = createKafka(stack.kafka, 'webhook-integration-reader', logger);
    const consumer = kafka.consumer({ groupId: `test-webhook-${randomUUID()}`, allowAutoTopicCreation: false });
    const received: Array<{ key: string | null; value: Buffer | null }> = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ key: message.key?.toString('utf8') ?? null, value: message.value });
        },
      });
      const deadline = Date.now() + 60_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await consumer.disconnect();
    }
    assert.equal(received.length, 1);
    const decoded = await serde.decoder<WebhookNotification>(SCHEMA).decode(received[0]!.value);
    const notification = decoded.value;
    assert.equal(decoded.schemaId, encoder.schemaId);
    assert.equal(received[0]!.key, `TIKTOK:${notification.envelope.entity_id}`);
    assert.ok(notification.body.equals(body), 'the body survived Kafka byte for byte');
    assert.equal(notification.topic, 'authorization.removed');
    assert.equal(notification.envelope.observed_at, t * 1000);
    assert.equal(notification.envelope.lineage.method, 'WEBHOOK');
    assert.equal(notification.headers['tiktok-signature'], `t=${t},s=${signature}`);
    assert.equal(notification.signature_verified, true);
  });
});
