import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { acceptsConnections, findPortHolder, isPortFree, parseLsofHolder, parseSsHolder } from '../src/ports.ts';

function listen(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.end());
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('local-stack/ports', () => {
  let server: Server;
  let port: number;

  before(async () => {
    server = await listen();
    port = (server.address() as AddressInfo).port;
  });

  after(() => {
    server.close();
  });

  it('sees a port held by a real listening socket as taken', async () => {
    assert.equal(await isPortFree(port), false);
    assert.equal(await acceptsConnections(port), true);
  });

  it('sees a released port as free', async () => {
    const other = await listen();
    const otherPort = (other.address() as AddressInfo).port;
    await new Promise((resolve) => other.close(resolve));
    assert.equal(await isPortFree(otherPort), true);
    assert.equal(await acceptsConnections(otherPort), false);
  });

  it('names the process holding a port', async function () {
    const holder = await findPortHolder(port);
    if (holder === undefined) {
      // Neither ss nor lsof on this machine: the port error then says "another process".
      process.stdout.write('      skipped: neither ss nor lsof is installed, so the holder of a port cannot be named here\n');
      this.skip();
    }
    assert.equal(holder.pid, process.pid);
  });

  it('parses ss and lsof output', () => {
    assert.deepEqual(parseSsHolder('LISTEN 0 50 [::ffff:127.0.0.1]:9092 *:* users:(("java",pid=8399,fd=95))'), { name: 'java', pid: 8399 });
    assert.equal(parseSsHolder('LISTEN 0 50 127.0.0.1:9092 *:*'), undefined);
    assert.deepEqual(parseLsofHolder('p4242\ncnode\nf21\n'), { pid: 4242, name: 'node' });
  });
});
