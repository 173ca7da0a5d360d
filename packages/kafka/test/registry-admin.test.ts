// The registry admin client against a scripted HTTP server: which requests it sends, and how it
// maps answers (404s, 409, 5xx, no server at all) to results and errors.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isTributaryError } from '@tributary/errors';
import { createRegistryAdmin } from '../src/index.ts';
import type { RegistryAdmin } from '../src/index.ts';

interface Seen {
  method: string;
  url: string;
  body: unknown;
  authorization: string | undefined;
}

describe('kafka/registry-admin', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  let answer: (request: Seen) => { status: number; body?: unknown } = () => ({ status: 200, body: {} });

  before(async () => {
    server = createServer((request: IncomingMessage, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        const entry = {
          method: request.method ?? '',
          url: request.url ?? '',
          body: text === '' ? undefined : JSON.parse(text),
          authorization: request.headers.authorization,
        };
        seen.push(entry);
        const { status, body } = answer(entry);
        response.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
        response.end(body === undefined ? '' : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/apis/ccompat/v7`;
  });

  after(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => (seen.length = 0));

  const admin = (username = ''): RegistryAdmin => createRegistryAdmin({ url: base, username, password: 'secret', requestTimeoutMs: 2000 });

  it('reads and sets subject compatibility; a subject without config is undefined', async () => {
    answer = ({ method, url }) =>
      url.endsWith('/none-value')
        ? { status: 404, body: { error_code: 40401, message: 'no' } }
        : { status: 200, body: method === 'GET' ? { compatibilityLevel: 'FULL_TRANSITIVE' } : { compatibility: 'FULL_TRANSITIVE' } };
    assert.equal(await admin().getCompatibility('none-value'), undefined);
    assert.equal(await admin().getCompatibility('a.b-value'), 'FULL_TRANSITIVE');
    await admin().setCompatibility('a.b-value', 'FULL_TRANSITIVE');
    assert.deepEqual(seen.at(-1), {
      method: 'PUT',
      url: '/apis/ccompat/v7/config/a.b-value',
      body: { compatibility: 'FULL_TRANSITIVE' },
      authorization: undefined,
    });
  });

  it('looks schemas up and registers them normalised', async () => {
    answer = ({ url }) =>
      url.includes('/versions')
        ? { status: 200, body: { id: 7 } }
        : url.includes('known')
          ? { status: 200, body: { subject: 'known', version: 2, id: 7, schema: '{}' } }
          : { status: 404, body: { error_code: 40403 } };
    assert.deepEqual(await admin().lookup('known', '{"type":"string"}'), { subject: 'known', version: 2, id: 7 });
    assert.equal(await admin().lookup('other', '{"type":"string"}'), undefined);
    assert.equal(await admin().register('other', '{"type":"string"}'), 7);
    assert.deepEqual(
      seen.map((entry) => `${entry.method} ${entry.url}`),
      [
        'POST /apis/ccompat/v7/subjects/known?normalize=true',
        'POST /apis/ccompat/v7/subjects/other?normalize=true',
        'POST /apis/ccompat/v7/subjects/other/versions?normalize=true',
      ],
    );
    assert.deepEqual(seen.at(-1)?.body, { schema: '{"type":"string"}' });
  });

  it('lists versions, empty for an unknown subject', async () => {
    answer = ({ url }) => (url.includes('unknown') ? { status: 404, body: { error_code: 40401 } } : { status: 200, body: [1, 2] });
    assert.deepEqual(await admin().listVersions('unknown'), []);
    assert.deepEqual(await admin().listVersions('known'), [1, 2]);
  });

  it('asks for compatibility with the latest version or with all of them', async () => {
    answer = ({ url }) => ({ status: 200, body: { is_compatible: url.endsWith('/latest') } });
    assert.equal(await admin().testCompatibility('s', '{}', 'latest'), true);
    assert.equal(await admin().testCompatibility('s', '{}', 'all'), false);
    assert.deepEqual(
      seen.map((entry) => entry.url),
      ['/apis/ccompat/v7/compatibility/subjects/s/versions/latest', '/apis/ccompat/v7/compatibility/subjects/s/versions'],
    );
  });

  it('turns a 409 into SCHEMA_INCOMPATIBLE, a config error with a hint', async () => {
    answer = () => ({ status: 409, body: { error_code: 409, message: 'Incompatible artifact' } });
    await assert.rejects(admin().register('s', '{}'), (error: unknown) => {
      assert.ok(isTributaryError(error));
      assert.equal(error.code, 'SCHEMA_INCOMPATIBLE');
      assert.equal(error.failureType, 'config');
      assert.match(error.message, /Incompatible artifact/);
      assert.ok(error.hint);
      return true;
    });
  });

  it('marks 5xx answers transient and other refusals as system errors', async () => {
    answer = () => ({ status: 503, body: { message: 'busy' } });
    await assert.rejects(
      admin().listVersions('s'),
      (error: unknown) => isTributaryError(error) && error.code === 'REGISTRY_REQUEST_FAILED' && error.retryable,
    );
    answer = () => ({ status: 500, body: { error_code: 0, message: 'Illegal compatibility level: BOGUS' } });
    await assert.rejects(
      admin().setCompatibility('s', 'BOGUS'),
      (error: unknown) => isTributaryError(error) && /Illegal compatibility level/.test(error.message),
    );
    answer = () => ({ status: 401, body: { message: 'no' } });
    await assert.rejects(admin().getCompatibility('s'), (error: unknown) => isTributaryError(error) && error.failureType === 'system');
  });

  it('sends basic auth when a user is configured', async () => {
    answer = () => ({ status: 200, body: [] });
    await admin('alice').listVersions('s');
    assert.equal(seen[0]?.authorization, `Basic ${Buffer.from('alice:secret').toString('base64')}`);
  });

  it('reports an unreachable registry as REGISTRY_UNREACHABLE', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    // (not port 9: fetch refuses "bad ports" before connecting)
    const nowhere = createRegistryAdmin({
      url: `http://127.0.0.1:${port}/apis/ccompat/v7`,
      username: '',
      password: '',
      requestTimeoutMs: 1000,
    });
    await assert.rejects(
      nowhere.listVersions('s'),
      (error: unknown) => isTributaryError(error) && error.code === 'REGISTRY_UNREACHABLE' && error.failureType === 'transient',
    );
  });
});
