import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  commandLineOf,
  inspectPidFile,
  isAlive,
  readPidFile,
  residentBytes,
  sameCommandLine,
  spawnDetached,
  stopProcess,
  tailLines,
  writePidFile,
} from '../src/process.ts';
import type { PidRecord } from '../src/process.ts';
import { tempDir } from './fixtures.ts';

function record(pid: number, command: string[]): PidRecord {
  return { pid, command, startedAt: new Date().toISOString(), version: 'test', ports: {} };
}

async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('local-stack/process', () => {
  const dir = tempDir('process');

  it('reports no pid file as none', async () => {
    assert.deepEqual(await inspectPidFile(join(dir, 'absent.pid')), { kind: 'none' });
  });

  it('reports a pid file whose process is gone as stale', async () => {
    const file = join(dir, 'dead.pid');
    writePidFile(file, record(await deadPid(), ['java', '-jar', 'x.jar']));
    const state = await inspectPidFile(file);
    assert.equal(state.kind, 'stale');
    assert.match(state.kind === 'stale' ? state.reason : '', /not running|exited/);
  });

  it('reports a live pid that runs another command line as stale, never as ours', async () => {
    const file = join(dir, 'recycled.pid');
    writePidFile(file, record(process.pid, ['java', '-cp', 'lib/*', 'kafka.Kafka', 'server.properties']));
    const state = await inspectPidFile(file);
    assert.equal(state.kind, 'stale');
    assert.match(state.kind === 'stale' ? state.reason : '', /now runs something else/);
    assert.ok(isAlive(process.pid), 'inspecting must not signal anything');
  });

  it('reports an unreadable pid file as stale', async () => {
    const file = join(dir, 'garbage.pid');
    writeFileSync(file, 'not json');
    assert.equal((await inspectPidFile(file)).kind, 'stale');
    assert.equal(readPidFile(file), undefined);
  });

  it('spawns detached with output in the log, recognises its own process, and stops it with SIGTERM', async () => {
    const log = join(dir, 'sleeper.log');
    const command = ['/bin/sh', '-c', 'echo started; exec sleep 30'];
    const launched = await spawnDetached({ command: command[0]!, args: command.slice(1), env: { PATH: '/usr/bin:/bin' }, cwd: dir }, log);
    const file = join(dir, 'sleeper.pid');
    writePidFile(file, record(launched.pid, ['sleep', '30']));
    // once `exec` has replaced the shell, the recorded argv is what /proc shows
    for (let i = 0; i < 50 && (await commandLineOf(launched.pid))?.[0] !== 'sleep'; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const state = await inspectPidFile(file);
    assert.equal(state.kind, 'running');
    assert.deepEqual(await commandLineOf(launched.pid), ['sleep', '30']);
    assert.ok(((await residentBytes(launched.pid)) ?? 0) > 0);
    assert.deepEqual(await tailLines(log, 5), ['started']);

    const stopped = await stopProcess(launched.pid, 5_000);
    assert.equal(stopped.how, 'terminated');
    assert.equal(isAlive(launched.pid), false);
    assert.equal((await inspectPidFile(file)).kind, 'stale');
  });

  it('kills a process that ignores SIGTERM after the timeout', async () => {
    const launched = await spawnDetached(
      { command: '/bin/sh', args: ['-c', "trap '' TERM; while :; do sleep 0.1; done"], env: { PATH: '/usr/bin:/bin' }, cwd: dir },
      join(dir, 'stubborn.log'),
    );
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the trap be installed
    const stopped = await stopProcess(launched.pid, 500);
    assert.equal(stopped.how, 'killed');
    assert.equal(isAlive(launched.pid), false);
  });

  it('rejects when the command cannot be run', async () => {
    await assert.rejects(
      spawnDetached({ command: 'definitely-not-a-command', args: [], env: { PATH: dir }, cwd: dir }, join(dir, 'x.log')),
      { code: 'ENOENT' },
    );
  });

  it('compares command lines exactly', () => {
    assert.ok(sameCommandLine(['java', '-jar', 'a.jar'], ['java', '-jar', 'a.jar']));
    assert.ok(!sameCommandLine(['java', '-jar', 'b.jar'], ['java', '-jar', 'a.jar']));
    assert.ok(sameCommandLine(['java -jar a.jar'], ['java', '-jar', 'a.jar']), 'ps gives one joined string');
  });

  it('writes pid files atomically and reads them back', () => {
    const file = join(dir, 'roundtrip.pid');
    writePidFile(file, record(123, ['a']));
    assert.equal(readPidFile(file)?.pid, 123);
    assert.ok(!existsSync(`${file}.${process.pid}.tmp`));
  });
});
