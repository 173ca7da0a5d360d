// The orchestration's decisions that need no JVM: what is checked before anything starts,
// what counts as ours, and what a stale pid file leads to. (up -> status -> down with real
// processes: test/integration/local-stack.test.ts.)
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { stackDown, stackStatus, stackUp } from '../src/stack.ts';
import { commandLineOf, isAlive, spawnDetached, stopProcess, writePidFile } from '../src/process.ts';
import { fakeExecutable, memoryLogger, tempDir } from './fixtures.ts';

function listen(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('local-stack/stack (no JVM)', () => {
  const javaBin = join(tempDir('java17'), 'bin');
  fakeExecutable(javaBin, 'java', 'echo \'openjdk version "17.0.15" 2025-04-15\' >&2');

  function options(dir: string, env: Record<string, string>, overrides: Record<string, unknown> = {}) {
    return {
      env,
      overrides: {
        dir,
        'kafka.port': 39092,
        'kafka.controllerPort': 39093,
        'registry.port': 38081,
        'clickhouse.port': 38123,
        ...overrides,
      },
      logger: memoryLogger().logger,
    };
  }

  it('stops before starting anything when Java is missing, and says how to get it', async () => {
    const dir = tempDir('stack-nojava');
    await assert.rejects(
      stackUp({ ...options(dir, { PATH: join(dir, 'empty') }), components: ['kafka', 'registry'] }),
      (error: Error & { code: string; hint: string }) => {
        assert.equal(error.code, 'STACK_JAVA_MISSING');
        assert.match(error.hint, /openjdk-17-jre-headless.*docker compose/);
        return true;
      },
    );
    assert.deepEqual(readdirSync(join(dir, 'pids')), []);
  });

  it('names every taken port, its variable and its holder before starting anything', async () => {
    const dir = tempDir('stack-ports');
    const kafkaServer = await listen();
    const registryServer = await listen();
    const kafkaPort = (kafkaServer.address() as AddressInfo).port;
    const registryPort = (registryServer.address() as AddressInfo).port;
    try {
      await assert.rejects(
        stackUp({
          ...options(dir, { PATH: javaBin }, { 'kafka.port': kafkaPort, 'registry.port': registryPort }),
          components: ['kafka', 'registry'],
        }),
        (error: Error & { code: string; hint: string }) => {
          assert.equal(error.code, 'STACK_PORT_IN_USE');
          assert.match(
            error.message,
            new RegExp(`port ${kafkaPort} \\(Kafka client listener\\) is already in use by \\S+ \\(pid ${process.pid}: .*mocha`),
          );
          assert.match(error.message, new RegExp(`port ${registryPort} \\(schema registry HTTP\\)`));
          assert.match(error.hint, /TRIBUTARY_STACK_KAFKA_PORT=<free port> TRIBUTARY_STACK_REGISTRY_PORT=<free port>/);
          return true;
        },
      );
      assert.deepEqual(readdirSync(join(dir, 'pids')), []);
    } finally {
      kafkaServer.close();
      registryServer.close();
    }
  });

  it('refuses two components on one port', async () => {
    const dir = tempDir('stack-clash');
    await assert.rejects(
      stackUp({ ...options(dir, { PATH: javaBin }, { 'registry.port': 39092 }), components: ['kafka', 'registry'] }),
      (error: Error & { code: string }) => {
        assert.equal(error.code, 'STACK_PORT_IN_USE');
        assert.match(error.message, /two settings name the same port/);
        return true;
      },
    );
  });

  it('rejects an unknown component name', async () => {
    await assert.rejects(stackUp({ ...options(tempDir('stack-unknown'), { PATH: javaBin }), components: ['zookeeper' as never] }), {
      code: 'STACK_UNKNOWN_COMPONENT',
    });
  });

  it('reports a stale pid file in status, and down removes it without signalling the pid', async () => {
    const dir = tempDir('stack-stale');
    mkdirSync(join(dir, 'pids'), { recursive: true });
    // a live pid (this test process) that does not run the recorded command line
    writePidFile(join(dir, 'pids', 'kafka.pid'), {
      pid: process.pid,
      command: ['java', 'kafka.Kafka'],
      startedAt: new Date().toISOString(),
      version: '4.1.1',
      ports: {},
    });
    const status = await stackStatus(options(dir, { PATH: javaBin }));
    const kafka = status.components.find((component) => component.component === 'kafka');
    assert.equal(kafka?.state, 'stale');
    assert.match(kafka?.note ?? '', /now runs something else/);
    assert.equal(kafka?.pid, undefined);

    await stackDown(options(dir, { PATH: javaBin }));
    assert.ok(!existsSync(join(dir, 'pids', 'kafka.pid')));
    assert.ok(isAlive(process.pid));
  });

  it('will not silently reuse a running component whose ports differ from the settings', async () => {
    const dir = tempDir('stack-moved');
    mkdirSync(join(dir, 'pids'), { recursive: true });
    const sleeper = await spawnDetached(
      { command: 'sleep', args: ['30'], env: { PATH: '/usr/bin:/bin' }, cwd: dir },
      join(dir, 'sleeper.log'),
    );
    try {
      const command = (await commandLineOf(sleeper.pid)) ?? [];
      writePidFile(join(dir, 'pids', 'kafka.pid'), {
        pid: sleeper.pid,
        command,
        startedAt: new Date().toISOString(),
        version: '4.1.1',
        ports: { client: 1, controller: 2 },
      });
      await assert.rejects(stackUp({ ...options(dir, { PATH: javaBin }), components: ['kafka'] }), (error: Error & { code: string }) => {
        assert.equal(error.code, 'STACK_RUNNING_WITH_OTHER_PORTS');
        assert.match(error.message, /"client":1.*"client":39092/);
        return true;
      });
      assert.ok(isAlive(sleeper.pid), 'a running component is never stopped by a refused up');
      const status = await stackStatus(options(dir, { PATH: javaBin }));
      const kafka = status.components.find((component) => component.component === 'kafka');
      assert.equal(kafka?.state, 'running');
      assert.equal(kafka?.pid, sleeper.pid);
      assert.ok((kafka?.rssBytes ?? 0) > 0);
      assert.ok((kafka?.uptimeMs ?? -1) >= 0);
    } finally {
      await stopProcess(sleeper.pid, 2_000);
    }
  });
});
