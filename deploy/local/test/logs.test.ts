import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stackLogFile, stackLogs } from '../src/logs.ts';
import { tempDir } from './fixtures.ts';

describe('local-stack/logs', () => {
  const dir = tempDir('logs');
  const source = { env: {}, overrides: { dir } };
  const file = join(dir, 'logs', 'kafka.log');
  mkdirSync(join(dir, 'logs'), { recursive: true });

  it('names the log file of a component', () => {
    assert.equal(stackLogFile('kafka', source), file);
    assert.throws(() => stackLogFile('nope' as never, source), { code: 'STACK_UNKNOWN_COMPONENT' });
  });

  it('yields the last lines', async () => {
    writeFileSync(file, 'one\ntwo\nthree\n');
    const lines: string[] = [];
    for await (const line of stackLogs('kafka', { ...source, lines: 2 })) lines.push(line);
    assert.deepEqual(lines, ['two', 'three']);
  });

  it('yields nothing for a component that never ran', async () => {
    const lines: string[] = [];
    for await (const line of stackLogs('registry', source)) lines.push(line);
    assert.deepEqual(lines, []);
  });

  it('follows new lines, and starts over when the file is replaced by a restart', async () => {
    writeFileSync(file, 'old\n');
    const abort = new AbortController();
    const lines: string[] = [];
    const reading = (async () => {
      for await (const line of stackLogs('kafka', { ...source, lines: 1, follow: true, signal: abort.signal, pollIntervalMs: 20 }))
        lines.push(line);
    })();
    const until = async (count: number) => {
      for (let i = 0; i < 200 && lines.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await until(1);
    appendFileSync(file, 'new 1\nnew ');
    await until(2);
    appendFileSync(file, '2\n');
    await until(3);
    renameSync(file, join(dir, 'logs', 'kafka.previous.log'));
    writeFileSync(file, 'after restart\n');
    await until(4);
    abort.abort();
    await reading;
    assert.deepEqual(lines, ['old', 'new 1', 'new 2', 'after restart']);
  });
});
