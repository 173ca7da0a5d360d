import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isTributaryError } from '@tributary/errors';
import { classifyRegistryError, createSchemaRegistry } from '../src/index.ts';

describe('kafka/registry', () => {
  it('turns connection failures into REGISTRY_UNREACHABLE with a hint', async () => {
    const registry = createSchemaRegistry({
      url: 'http://127.0.0.1:9/apis/ccompat/v7',
      username: '',
      password: '',
      requestTimeoutMs: 1000,
    });
    await assert.rejects(registry.registerAvro('{"type":"record","name":"X","fields":[]}', 'x-value'), (error: unknown) => {
      assert.ok(isTributaryError(error));
      assert.equal(error.code, 'REGISTRY_UNREACHABLE');
      assert.equal(error.failureType, 'transient');
      assert.match(error.message, /http:\/\/127\.0\.0\.1:9\/apis\/ccompat\/v7/);
      assert.ok(error.hint);
      return true;
    });
  });

  it('leaves other errors alone', () => {
    const original = new Error('Schema not found');
    assert.equal(classifyRegistryError(original, 'http://r', 'decode'), original);
    const wrapped = classifyRegistryError(Object.assign(new Error('x'), { cause: { code: 'ENOTFOUND' } }), 'http://r', 'register');
    assert.ok(isTributaryError(wrapped) && wrapped.code === 'REGISTRY_UNREACHABLE');
  });
});

describe('kafka/registry timeouts', () => {
  it('gives up on a registry that accepts connections but never answers', async function () {
    this.timeout(20_000);
    const hanging = createServer(() => undefined); // never responds
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const { port } = hanging.address() as AddressInfo;
    try {
      const registry = createSchemaRegistry({ url: `http://127.0.0.1:${port}`, username: '', password: '', requestTimeoutMs: 300 });
      const started = Date.now();
      await assert.rejects(registry.registerAvro('{"type":"record","name":"X","fields":[]}', 'x-value'));
      assert.ok(Date.now() - started < 10_000, 'the timeout (with retries) ends the call instead of hanging');
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });
});
