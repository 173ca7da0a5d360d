// deploy/local for real: up -> status -> down with the actual JVMs and the embedded ClickHouse,
// in a temp stack dir on free ports. The first run on a machine downloads Kafka's jars and the
// registry (~150 MB); later runs take seconds.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { stackDown, stackStatus, stackUp } from '@tributary/local-stack';
import type { ComponentStatus, StackStatus } from '@tributary/local-stack';
import { privateStack } from './local-stack-fixture.ts';
import type { PrivateStack } from './local-stack-fixture.ts';

function component(status: StackStatus, name: string): ComponentStatus {
  const found = status.components.find((c) => c.component === name);
  assert.ok(found, `no status for ${name}`);
  return found;
}

function report(line: string): void {
  process.stdout.write(`      [local stack] ${line}\n`);
}

describe('local stack up -> status -> down (integration)', function () {
  this.timeout(900_000);
  let stack: PrivateStack;

  before(async () => {
    stack = await privateStack('local-stack');
  });

  after(async () => {
    await stack?.dispose();
  });

  function options() {
    return { overrides: stack.overrides, logger: stack.logger };
  }

  function admin() {
    const kafka = new Kafka({
      clientId: 'local-stack-test',
      brokers: [`127.0.0.1:${stack.overrides['kafka.port']}`],
      logLevel: logLevel.NOTHING,
    });
    return kafka.admin();
  }

  it('starts Kafka, the registry and the embedded ClickHouse, each ready on its own port', async () => {
    const result = await stackUp(options());
    report(`cold start in this stack dir (downloads shared): ${(result.durationMs / 1000).toFixed(1)} s`);
    assert.deepEqual(result.started, ['kafka', 'registry', 'clickhouse']);
    assert.deepEqual(result.reused, []);
    assert.equal(result.endpoints.kafkaBrokers, `127.0.0.1:${stack.overrides['kafka.port']}`);
    assert.equal(result.endpoints.registryUrl, `http://127.0.0.1:${stack.overrides['registry.port']}/apis/ccompat/v7`);
    assert.equal(result.endpoints.clickhouseUrl, `http://127.0.0.1:${stack.overrides['clickhouse.port']}`);

    const ping = await fetch(`${result.endpoints.clickhouseUrl}/ping`);
    assert.equal(await ping.text(), 'Ok.\n');
    const subjects = await fetch(`${result.endpoints.registryUrl}/subjects`);
    assert.deepEqual(await subjects.json(), []);
  });

  it('reports versions, ports, pids, health, uptime and memory', async () => {
    const status = await stackStatus(options());
    for (const c of status.components) {
      assert.equal(c.state, 'running', c.component);
      assert.equal(c.healthy, true, c.component);
      assert.ok(c.pid && c.pid > 0);
      assert.ok((c.uptimeMs ?? -1) >= 0);
      assert.ok((c.rssBytes ?? 0) > 10 * 1024 * 1024, `${c.component} RSS`);
      assert.ok(existsSync(c.logFile));
      report(`${c.component} ${c.version}: pid ${c.pid}, RSS ${Math.round((c.rssBytes ?? 0) / 1048576)} MiB`);
    }
    assert.equal(component(status, 'kafka').version, '4.1.1');
    assert.deepEqual(component(status, 'kafka').ports, {
      client: stack.overrides['kafka.port'],
      controller: stack.overrides['kafka.controllerPort'],
    });
    assert.equal(component(status, 'registry').version, '3.0.9');
    assert.match(component(status, 'clickhouse').version, /^chDB \(ClickHouse \d+\./);
  });

  it('is idempotent: a second up reuses everything that runs', async () => {
    const before = await stackStatus(options());
    const result = await stackUp(options());
    assert.deepEqual(result.started, []);
    assert.deepEqual(result.reused, ['kafka', 'registry', 'clickhouse']);
    const after = await stackStatus(options());
    assert.deepEqual(
      after.components.map((c) => c.pid),
      before.components.map((c) => c.pid),
    );
  });

  it('refuses a port that is already taken by another process, naming it', async () => {
    const other = { ...stack.overrides, dir: join(stack.dir, 'second-stack') };
    await assert.rejects(
      stackUp({ overrides: other, logger: stack.logger, components: ['registry'] }),
      (error: Error & { code: string }) => {
        assert.equal(error.code, 'STACK_PORT_IN_USE');
        assert.match(
          error.message,
          new RegExp(
            `port ${stack.overrides['registry.port']} \\(schema registry HTTP\\) is already in use by java \\(pid \\d+: .*apicurio`,
          ),
        );
        return true;
      },
    );
  });

  it('keeps Kafka data across a restart (warm start)', async () => {
    const client = admin();
    await client.connect();
    await client.createTopics({ topics: [{ topic: 'kept-across-restarts', numPartitions: 2 }], waitForLeaders: true });
    await client.disconnect();

    await stackDown({ ...options(), components: ['kafka'] });
    assert.equal(component(await stackStatus(options()), 'kafka').state, 'stopped');
    const result = await stackUp({ ...options(), components: ['kafka'] });
    report(`Kafka warm restart (data kept): ${(result.durationMs / 1000).toFixed(1)} s`);
    assert.deepEqual(result.started, ['kafka']);

    const again = admin();
    await again.connect();
    try {
      assert.ok((await again.listTopics()).includes('kept-across-restarts'));
    } finally {
      await again.disconnect();
    }
  });

  it('keeps registered schemas, with their ids, across a registry restart', async () => {
    const url = `http://127.0.0.1:${stack.overrides['registry.port']}/apis/ccompat/v7`;
    const headers = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
    const schema = JSON.stringify({ type: 'record', name: 'KeptAcrossRestarts', fields: [{ name: 'id', type: 'string' }] });
    const registered = await fetch(`${url}/subjects/kept-across-restarts-value/versions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ schema }),
    });
    assert.equal(registered.status, 200);
    const { id } = (await registered.json()) as { id: number };

    await stackDown({ ...options(), components: ['registry'] });
    await stackUp({ ...options(), components: ['registry'] });

    const served = await fetch(`${url}/schemas/ids/${id}`);
    assert.equal(served.status, 200, 'the id issued before the restart is still served');
    assert.equal(((await served.json()) as { schema: string }).schema, schema);
  });

  it('cleans up after a crash: the stale pid file is removed and the component started again', async () => {
    const registry = component(await stackStatus(options()), 'registry');
    process.kill(registry.pid!, 'SIGKILL');
    for (let i = 0; i < 50 && component(await stackStatus(options()), 'registry').state === 'running'; i++)
      await new Promise((r) => setTimeout(r, 100));
    const crashed = component(await stackStatus(options()), 'registry');
    assert.equal(crashed.state, 'stale');
    assert.equal(crashed.healthy, false);

    const result = await stackUp(options());
    assert.deepEqual(result.started, ['registry']);
    assert.deepEqual(result.reused, ['kafka', 'clickhouse']);
    assert.notEqual(component(result, 'registry').pid, registry.pid);
  });

  it('wipes Kafka and registry data with fresh', async () => {
    const result = await stackUp({ ...options(), components: ['kafka', 'registry'], fresh: true });
    assert.deepEqual(result.started, ['kafka', 'registry']);
    const subjects = (await (
      await fetch(`http://127.0.0.1:${stack.overrides['registry.port']}/apis/ccompat/v7/subjects`)
    ).json()) as string[];
    assert.ok(!subjects.includes('kept-across-restarts-value'), 'the registry starts empty after fresh');
    const client = admin();
    await client.connect();
    try {
      assert.ok(!(await client.listTopics()).includes('kept-across-restarts'));
    } finally {
      await client.disconnect();
    }
  });

  it('stops only what it started, and leaves nothing listening', async () => {
    const running = (await stackStatus(options())).components.map((c) => c.pid);
    await stackDown(options());
    const status = await stackStatus(options());
    for (const c of status.components) {
      assert.equal(c.state, 'stopped', c.component);
      assert.equal(c.healthy, false, c.component);
    }
    // the processes were spawned by this test process: give Node a moment to reap the exited children
    const exists = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && running.some((pid) => exists(pid!)); i++) await new Promise((r) => setTimeout(r, 100));
    for (const pid of running) assert.equal(exists(pid!), false, `pid ${pid} is gone`);
    await stackDown(options()); // nothing left to stop: a no-op
  });
});
