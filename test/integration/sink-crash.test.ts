// The crash test of sink-clickhouse (reliability.md F6/F7, §3.3 ledger oracle): N Post events
// with a ledger of their event ids; sink processes (services/sink-clickhouse/src/main.ts) are
// SIGKILLed at least 20 times — by the test at random moments, and by themselves right after an
// INSERT before its commit (crashPoint after-insert) or right after the in-flight marker
// (after-marker) — and restarted each time, two at a time so rebalances overlap. Afterwards
// every ledger id is in the landing table exactly once and the dead-letter topic is empty.
//   TRIBUTARY_CRASH_TEST_EVENTS (default 2000), TRIBUTARY_CRASH_TEST_KILLS (default 20).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { processEnvironment } from '@tributary/config';
import { createProducer } from '@tributary/kafka';
import type { Producer } from '@tributary/kafka';
import { useTestStack } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { committedOffsets, delay, readRaw, waitFor } from './kafka-runtime-fixture.ts';
import { landedCounts, makePost, prepareSinkTarget, quietLogger } from './sink-fixture.ts';
import type { SinkTarget } from './sink-fixture.ts';

const MAIN = fileURLToPath(new URL('../../services/sink-clickhouse/src/main.ts', import.meta.url));
const ENVIRONMENT = processEnvironment();
const EVENTS = Number(ENVIRONMENT.TRIBUTARY_CRASH_TEST_EVENTS ?? 2000);
const KILLS = Number(ENVIRONMENT.TRIBUTARY_CRASH_TEST_KILLS ?? 20);
const PARTITIONS = 4;
const SLOTS = 2;

interface Child {
  process: ChildProcess;
  output: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('sink-clickhouse under SIGKILL (crash test, integration)', function () {
  this.timeout(Math.max(300_000, EVENTS * 10));
  let stack: TestStack;
  let producer: Producer;
  let target: SinkTarget;
  const children = new Set<Child>();

  before(async () => {
    stack = await useTestStack();
    producer = await createProducer({ kafka: stack.kafka, logger: quietLogger, clientName: 'sink-crash-test' });
    target = await prepareSinkTarget(stack, PARTITIONS);
  });

  after(async () => {
    for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    await producer?.close();
    await target?.clickhouse.command({ query: `DROP DATABASE IF EXISTS ${target.database}` }).catch(() => undefined);
    await target?.clickhouse.close();
  });

  function spawnSink(extraEnv: Record<string, string>): Child {
    const env = {
      ...ENVIRONMENT,
      ...stack.env,
      TRIBUTARY_CLICKHOUSE_DATABASE: target.database,
      TRIBUTARY_SINK_GROUP_ID: target.groupId,
      TRIBUTARY_SINK_TOPICS: target.topicEntry,
      TRIBUTARY_SINK_DEAD_LETTER_TOPIC: target.deadLetterTopic,
      // Only the test's topic: the shared quarantine and dead-letter topics would add batches (and crash points).
      TRIBUTARY_SINK_QUARANTINE_TOPICS: '',
      TRIBUTARY_SINK_MAX_BATCH_ROWS: '40',
      TRIBUTARY_SINK_MAX_BATCH_WAIT_MS: '150',
      TRIBUTARY_SINK_SESSION_TIMEOUT_MS: '6000',
      TRIBUTARY_SINK_HEARTBEAT_INTERVAL_MS: '500',
      TRIBUTARY_SINK_MIGRATE: 'false',
      TRIBUTARY_LOG_LEVEL: 'info',
      ...extraEnv,
    };
    const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout!.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean)));
    child.stderr!.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean)));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const entry = { process: child, output, exit };
    children.add(entry);
    void exit.then(() => children.delete(entry));
    return entry;
  }

  it(`lands ${EVENTS} events exactly once across ${KILLS}+ SIGKILLs`, async () => {
    const started = Date.now();
    const run = `crash-${target.groupId}`;
    const ledger = new Set<string>();
    let produced = 0;
    const produceUpTo = async (count: number): Promise<void> => {
      const records = [];
      for (; produced < Math.min(count, EVENTS); produced += 1) {
        const post = makePost(run, produced);
        ledger.add(post.envelope.event_id);
        records.push({ topic: target.topic, key: `TIKTOK:${post.envelope.entity_id}`, value: target.encoder.encode(post) });
      }
      for (let i = 0; i < records.length; i += 500) await producer.send(records.slice(i, i + 500));
    };

    let kills = 0;
    const killKinds = { external: 0, 'after-insert': 0, 'after-marker': 0 };
    const failures: string[] = [];
    const perKill = Math.ceil(EVENTS / KILLS);
    // Each slot: spawn, let the sink crash itself or kill it at a random moment, restart.
    const slot = async (index: number): Promise<void> => {
      let round = 0;
      while (kills < KILLS) {
        round += 1;
        await produceUpTo(produced + perKill);
        const kind = (['after-insert', 'external', 'after-marker', 'after-insert'] as const)[(round + index) % 4]!;
        const child = spawnSink(
          kind === 'external'
            ? {}
            : { TRIBUTARY_SINK_CRASH_POINT: kind, TRIBUTARY_SINK_CRASH_AFTER_INSERTS: String(1 + Math.floor(Math.random() * 4)) },
        );
        // Self-crashes need the group to settle first (up to a session timeout); bound them anyway.
        const killAfter = kind === 'external' ? 1_500 + Math.random() * 4_000 : 20_000;
        const timer = setTimeout(() => child.process.kill('SIGKILL'), killAfter);
        const exit = await child.exit;
        clearTimeout(timer);
        if (exit.signal === 'SIGKILL') {
          kills += 1;
          killKinds[kind === 'external' || !child.output.some((line) => line.includes('TEST crash point')) ? 'external' : kind] += 1;
        } else failures.push(`sink exited ${JSON.stringify(exit)}:\n${child.output.slice(-20).join('\n')}`);
        if (failures.length > 0) return;
      }
    };
    await Promise.all([...Array(SLOTS).keys()].map((index) => slot(index)));
    assert.deepEqual(failures, []);
    await produceUpTo(EVENTS);

    // A last sink runs to the end, then stops on SIGTERM.
    const survivor = spawnSink({});
    try {
      await waitFor(`${EVENTS} rows`, async () => (await landedCounts(target)).rows >= EVENTS, 180_000);
      await waitFor(
        'every partition committed to its end',
        async () => {
          const offsets = await committedOffsets(stack.kafka, target.groupId, target.topic);
          return Object.values(offsets).reduce((sum, offset) => sum + Math.max(0, Number(offset)), 0) === EVENTS;
        },
        60_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${survivor.output.slice(-30).join('\n')}`, { cause: error });
    }
    survivor.process.kill('SIGTERM');
    assert.deepEqual(await survivor.exit, { code: 0, signal: null }, survivor.output.slice(-20).join('\n'));

    await delay(500);
    const counts = await landedCounts(target);
    const result = await target.clickhouse.query({ query: 'SELECT DISTINCT event_id FROM landing_posts', format: 'JSONEachRow' });
    const landed = new Set(((await result.json()) as { event_id: string }[]).map((row) => row.event_id));
    const missing = [...ledger].filter((id) => !landed.has(id)).length;
    const extra = [...landed].filter((id) => !ledger.has(id)).length;
    const dead = await readRaw(stack.kafka, target.deadLetterTopic, 1, 2_000);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `      crash test: ${EVENTS} events, ${kills} SIGKILLs (${JSON.stringify(killKinds)}), ${PARTITIONS} partitions, ` +
        `landed rows=${counts.rows} unique=${counts.unique}, missing=${missing}, unexpected=${extra}, dead letters=${dead.length}, ${seconds} s\n`,
    );
    assert.ok(kills >= KILLS);
    assert.equal(missing, 0, 'every ledger id landed');
    assert.equal(extra, 0);
    assert.deepEqual(counts, { rows: EVENTS, unique: EVENTS }, 'count() = uniqExact(event_id) = N');
    assert.equal(dead.length, 0, 'nothing dead-lettered');
  });
});
