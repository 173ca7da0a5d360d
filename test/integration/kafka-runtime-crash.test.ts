// At-least-once across process death, and graceful shutdown on SIGTERM, with real consumer
// processes (kafka-runtime-child.ts): a consumer SIGKILLed after its effect was durable but
// before the commit leaves the offset where it was, so the next process handles the records
// again — nothing lost; a consumer given SIGTERM finishes its in-flight batch, commits, exits 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProducer, createSerde } from '@tributary/kafka';
import type { Producer } from '@tributary/kafka';
import { useTestStack, uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { PING_V1, committedOffsets, freshTopics, quietLogger, registerSchema, waitFor } from './kafka-runtime-fixture.ts';
import type { Ping } from './kafka-runtime-fixture.ts';

const CHILD = fileURLToPath(new URL('./kafka-runtime-child.ts', import.meta.url));

interface Child {
  process: ChildProcess;
  output: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('Kafka runtime across process death and SIGTERM (integration)', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let producer: Producer;
  let dir: string;
  const children: Child[] = [];

  before(async () => {
    stack = await useTestStack();
    producer = await createProducer({ kafka: stack.kafka, logger: quietLogger, clientName: 'runtime-crash-test' });
    dir = mkdtempSync(join(tmpdir(), 'tributary-runtime-'));
  });

  after(async () => {
    for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
    await producer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function spawnChild(settings: Record<string, unknown>): Child {
    const child = spawn(process.execPath, [CHILD, JSON.stringify({ kafka: stack.kafka, registry: stack.registry, ...settings })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout!.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean)));
    child.stderr!.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean)));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const entry = { process: child, output, exit };
    children.push(entry);
    return entry;
  }

  const ledgerLines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);

  async function produce(count: number): Promise<{ topic: string; service: string }> {
    const { topic, service } = await freshTopics(stack.kafka, 1);
    const subject = `${topic}-value`;
    await registerSchema(stack.registry, subject, PING_V1);
    const encoder = await createSerde(stack.registry).encoder<Ping>(subject, { schema: PING_V1 });
    await producer.send([...Array(count).keys()].map((n) => ({ topic, key: `K:${n}`, value: encoder.encode({ id: `p${n}`, count: n }) })));
    return { topic, service };
  }

  it('a consumer killed between its durable effect and the commit: the restart handles the records again, nothing is lost', async () => {
    const { topic, service } = await produce(6);
    const groupId = uniqueName('test-group');
    const ledger = join(dir, `${groupId}.ledger`);

    const doomed = spawnChild({ topic, service, groupId, ledger, mode: 'hang-after-write' });
    await waitFor('the first process to write its effect', () => doomed.output.includes('WRITTEN'), 60_000);
    doomed.process.kill('SIGKILL');
    assert.deepEqual(await doomed.exit, { code: null, signal: 'SIGKILL' });
    const beforeRestart = ledgerLines(ledger);
    assert.ok(beforeRestart.length > 0);
    const offsets = await committedOffsets(stack.kafka, groupId, topic);
    assert.ok(offsets[0] === undefined || offsets[0] === '-1', `nothing committed by the killed process, got ${JSON.stringify(offsets)}`);

    const survivor = spawnChild({ topic, service, groupId, ledger, mode: 'normal' });
    // The killed member's session (6 s) must expire before the group hands its partition over.
    await waitFor('offset 6 committed', async () => (await committedOffsets(stack.kafka, groupId, topic))[0] === '6', 60_000);
    const all = ledgerLines(ledger);
    const expected = [0, 1, 2, 3, 4, 5].map((n) => `p${n}`);
    assert.deepEqual([...new Set(all)].sort(), expected, 'every record handled: nothing lost');
    for (const id of beforeRestart)
      assert.equal(all.filter((line) => line === id).length, 2, `${id} handled again after the crash (at-least-once)`);

    survivor.process.kill('SIGTERM');
    assert.deepEqual(await survivor.exit, { code: 0, signal: null });
    assert.ok(survivor.output.includes('STOPPED'));
  });

  it('on SIGTERM, finishes the in-flight batch, commits it and exits 0', async () => {
    const { topic, service } = await produce(4);
    const groupId = uniqueName('test-group');
    const ledger = join(dir, `${groupId}.ledger`);
    const child = spawnChild({ topic, service, groupId, ledger, mode: 'slow' });
    await waitFor('a batch in flight', () => child.output.some((line) => line.startsWith('HANDLING')), 60_000);
    child.process.kill('SIGTERM');
    const exit = await child.exit;
    assert.deepEqual(exit, { code: 0, signal: null }, child.output.join('\n'));
    assert.ok(
      child.output.some((line) => line.startsWith('HANDLED')),
      'the in-flight batch finished',
    );
    assert.deepEqual(ledgerLines(ledger).sort(), ['p0', 'p1', 'p2', 'p3']);
    assert.deepEqual(await committedOffsets(stack.kafka, groupId, topic), { 0: '4' });
  });
});
