// The Confluent API of the local registry (Apicurio 3.0.9 at /apis/ccompat/v7) as Tributary's
// client, @kafkajs/confluent-schema-registry 4.1.0, uses it — including where Apicurio differs
// from Confluent (docs/adr/0007). Runs on a private stack so the registry version is certain.
import assert from 'node:assert/strict';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { REGISTRY_VERSION } from '@tributary/local-stack';
import { uniqueName } from '@tributary/testing';
import { startPrivateStack } from './local-stack-fixture.ts';
import type { StartedPrivateStack } from './local-stack-fixture.ts';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

function avro(name: string, fields: object[]): string {
  return JSON.stringify({ type: 'record', name, namespace: 'dev.tributary.test', fields });
}

const V1 = avro('Post', [{ name: 'id', type: 'string' }]);
const V2_COMPATIBLE = avro('Post', [
  { name: 'id', type: 'string' },
  { name: 'likes', type: 'long', default: 0 },
]);
// not BACKWARD-compatible with V1: a V2 reader finds no value (and no default) for `likes` in V1 data
const V2_INCOMPATIBLE = avro('Post', [
  { name: 'id', type: 'string' },
  { name: 'likes', type: 'long' },
]);
// not BACKWARD-compatible with V2_COMPATIBLE: `id` changes type
const V3_INCOMPATIBLE = avro('Post', [
  { name: 'id', type: 'int' },
  { name: 'likes', type: 'long', default: 0 },
]);

describe(`Apicurio Registry ${REGISTRY_VERSION} as a Confluent registry (integration)`, function () {
  this.timeout(300_000);
  let stack: StartedPrivateStack;
  let base: string;
  let client: SchemaRegistry;

  before(async () => {
    stack = await startPrivateStack('registry-compat', ['registry']);
    base = stack.up.endpoints.registryUrl;
    client = new SchemaRegistry({ host: base });
  });

  after(async () => {
    await stack?.dispose();
  });

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
  }

  describe('HTTP, as curl sees it', () => {
    it('answers 404 (40401) for the config of a brand-new subject, as Confluent does', async () => {
      const { status, json } = await call('GET', `/config/${uniqueName('new')}-value`);
      assert.equal(status, 404);
      assert.equal((json as { error_code: number }).error_code, 40401);
    });

    it('registers a schema, and registering it again is stable (same id, one version)', async () => {
      const subject = `${uniqueName('curl')}-value`;
      const first = await call('POST', `/subjects/${subject}/versions`, { schema: V1 });
      assert.equal(first.status, 200);
      const id = (first.json as { id: number }).id;
      assert.ok(id > 0);
      const again = await call('POST', `/subjects/${subject}/versions`, { schema: V1 });
      assert.deepEqual(again.json, { id });
      assert.deepEqual((await call('GET', `/subjects/${subject}/versions`)).json, [1]);
      const byId = await call('GET', `/schemas/ids/${id}`);
      assert.equal(JSON.parse((byId.json as { schema: string }).schema).name, 'Post');
      assert.ok(((await call('GET', '/subjects')).json as string[]).includes(subject));
    });

    it("reports and enforces BACKWARD as the global compatibility, like Confluent's default", async () => {
      assert.deepEqual((await call('GET', '/config')).json, { compatibilityLevel: 'BACKWARD' });
      const subject = `${uniqueName('compat')}-value`;
      await call('POST', `/subjects/${subject}/versions`, { schema: V1 });
      const check = await call('POST', `/compatibility/subjects/${subject}/versions/latest`, { schema: V2_INCOMPATIBLE });
      assert.deepEqual(check.json, { is_compatible: false });
      const refused = await call('POST', `/subjects/${subject}/versions`, { schema: V2_INCOMPATIBLE });
      assert.equal(refused.status, 409);
      assert.equal((await call('POST', `/subjects/${subject}/versions`, { schema: V2_COMPATIBLE })).status, 200);
    });
  });

  describe('@kafkajs/confluent-schema-registry 4.1.0', () => {
    it('registers a new subject (404 on /config, then PUT BACKWARD), and again for an existing one', async () => {
      const subject = `${uniqueName('client')}-value`;
      const first = await client.register({ type: SchemaType.AVRO, schema: V1 }, { subject });
      assert.deepEqual((await call('GET', `/config/${subject}`)).json, { compatibilityLevel: 'BACKWARD' });
      const again = await client.register({ type: SchemaType.AVRO, schema: V1 }, { subject });
      assert.equal(again.id, first.id);
      const evolved = await client.register({ type: SchemaType.AVRO, schema: V2_COMPATIBLE }, { subject });
      assert.notEqual(evolved.id, first.id);
      await assert.rejects(client.register({ type: SchemaType.AVRO, schema: V3_INCOMPATIBLE }, { subject }), /Incompatible artifact/);
      assert.equal(await client.getLatestSchemaId(subject), evolved.id);
    });

    it('encodes in the Confluent wire format and decodes by schema id', async () => {
      const subject = `${uniqueName('wire')}-value`;
      const { id } = await client.register({ type: SchemaType.AVRO, schema: V1 }, { subject });
      const encoded = await client.encode(id, { id: 'post-1' });
      assert.equal(encoded[0], 0, 'magic byte');
      assert.equal(encoded.readInt32BE(1), id);
      assert.deepEqual({ ...(await new SchemaRegistry({ host: base }).decode(encoded)) }, { id: 'post-1' });
    });

    it('differs from Confluent for a subject created without its own config: 200 NONE instead of 404, so register() refuses it', async () => {
      const subject = `${uniqueName('foreign')}-value`;
      await call('POST', `/subjects/${subject}/versions`, { schema: V1 }); // e.g. created by another tool
      assert.deepEqual((await call('GET', `/config/${subject}`)).json, { compatibilityLevel: 'NONE' }); // Confluent: 404, error_code 40408
      await assert.rejects(
        client.register({ type: SchemaType.AVRO, schema: V1 }, { subject }),
        /Compatibility does not match the configuration \(BACKWARD != NONE\)/,
      );
      // the fix: give the subject its own config, as the client itself does on first registration
      assert.equal((await call('PUT', `/config/${subject}`, { compatibility: 'BACKWARD' })).status, 200);
      assert.ok((await client.register({ type: SchemaType.AVRO, schema: V1 }, { subject })).id > 0);
    });
  });
});
