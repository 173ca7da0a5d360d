// Helpers for the collection end-to-end and crash tests: an isolated run (its own raw topics via
// the sources' topicOverrides, its own compacted checkpoint topic, its own ClickHouse database),
// source processes started from their main.ts with environment settings, and a sink that lands
// the run's raw topics.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClickHouseClient, migrate } from '@tributary/clickhouse';
import type { ClickHouseClient } from '@tributary/clickhouse';
import { processEnvironment } from '@tributary/config';
import { connectTopicAdmin } from '@tributary/kafka';
import { sourceEnvironment } from '@tributary/platform-sim';
import type { PlatformSim } from '@tributary/platform-sim';
import { startSink } from '@tributary/sink-clickhouse';
import type { Sink, SinkOptions } from '@tributary/sink-clickhouse';
import { uniqueName } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { quietLogger } from './kafka-runtime-fixture.ts';

/** The raw catalogue topics a source writes, with the schema the sink reads them with. */
export const RAW_TOPICS = {
  'social.raw.posts': 'io.tributary.social.Post',
  'social.raw.post-metrics': 'io.tributary.social.PostMetricsSnapshot',
  'social.raw.account-metrics': 'io.tributary.social.AccountMetricsSnapshot',
  'social.raw.comments': 'io.tributary.social.Comment',
  'social.raw.deletions': 'io.tributary.social.Deletion',
} as const;
export const WEBHOOK_TOPIC = 'social.raw.webhook-notifications';

export interface IsolatedRun {
  /** catalogue topic → this run's topic */
  topics: Record<string, string>;
  /** TRIBUTARY_SOURCE_<P>_TOPIC_OVERRIDES value */
  topicOverrides: string;
  checkpointTopic: string;
  database: string;
  clickhouse: ClickHouseClient;
  drop(): Promise<void>;
}

export async function isolatedRun(stack: TestStack, name: string): Promise<IsolatedRun> {
  const run = uniqueName(name, '_');
  const topics: Record<string, string> = {};
  for (const topic of [...Object.keys(RAW_TOPICS), WEBHOOK_TOPIC]) topics[topic] = `test.${run}.${topic.split('.').at(-1)}`;
  const checkpointTopic = `test.${run}.collector-state`;
  const admin = await connectTopicAdmin(stack.kafka, quietLogger);
  try {
    await admin.createTopics([
      ...Object.values(topics).map((topic) => ({ name: topic, partitions: 3, replicationFactor: 'broker-default' as const, config: {} })),
      { name: checkpointTopic, partitions: 1, replicationFactor: 'broker-default', config: { 'cleanup.policy': 'compact' } },
    ]);
  } finally {
    await admin.close();
  }
  const database = `test_${run}`;
  const migrator = createClickHouseClient({ ...stack.clickhouse, database: 'default' }, 'collection-test-migrate');
  try {
    await migrate(migrator, { database, logger: { info: () => undefined, warn: () => undefined } });
  } finally {
    await migrator.close();
  }
  const clickhouse = createClickHouseClient({ ...stack.clickhouse, database }, 'collection-test');
  return {
    topics,
    topicOverrides: Object.entries(topics)
      .map(([from, to]) => `${from}=${to}`)
      .join(','),
    checkpointTopic,
    database,
    clickhouse,
    async drop() {
      await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
      await clickhouse.close();
    },
  };
}

/** Sink options for tests: small batches, quick retries, no migrations (the run migrated its database). */
export function testSinkOptions(options: Pick<SinkOptions, 'groupId' | 'topics'> & Partial<SinkOptions>): SinkOptions {
  return {
    deadLetterTopic: 'dlq.sink-clickhouse',
    maxBatchRows: 2_000,
    maxBatchBytes: 4 * 1024 * 1024,
    maxBatchWaitMs: 200,
    insertFormat: 'JSONEachRow',
    fromBeginning: true,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    retryInitialDelayMs: 100,
    retryMaxDelayMs: 1_000,
    shutdownTimeoutMs: 10_000,
    migrate: false,
    crashPoint: '',
    crashAfterInserts: 1,
    ...options,
  };
}

/** A sink landing the run's raw topics into the run's database. */
export async function startRunSink(stack: TestStack, run: IsolatedRun): Promise<Sink> {
  return startSink({
    options: testSinkOptions({
      groupId: uniqueName('collection-sink'),
      topics: Object.entries(RAW_TOPICS).map(([catalogue, schema]) => `${run.topics[catalogue]}=${schema}`),
    }),
    kafka: stack.kafka,
    registry: stack.registry,
    clickhouse: run.clickhouse,
    logger: quietLogger,
  });
}

export type SourceName = 'tiktok' | 'instagram' | 'youtube';

export interface SourceProcess {
  name: SourceName;
  process: ChildProcess;
  /** Parsed JSON log lines (pino), in order. */
  lines: Array<Record<string, unknown>>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the "Source running." line (health and webhook URLs; logged at info, the level this fixture sets). */
  running: Promise<{ health: string; webhooks: string | null }>;
}

const ENVIRONMENT = processEnvironment();

export function sourceMain(name: SourceName): string {
  return fileURLToPath(new URL(`../../services/source-${name}/src/main.ts`, import.meta.url));
}

/** Starts services/source-<name>/src/main.ts with the stack's endpoints, the run's topics and `env`. */
export function spawnSource(stack: TestStack, run: IsolatedRun, name: SourceName, env: Record<string, string>): SourceProcess {
  const prefix = `TRIBUTARY_SOURCE_${name.toUpperCase()}`;
  const child = spawn(process.execPath, [sourceMain(name)], {
    env: {
      ...ENVIRONMENT,
      ...stack.env,
      [`${prefix}_TOPIC_OVERRIDES`]: run.topicOverrides,
      [`${prefix}_CHECKPOINT_TOPIC`]: run.checkpointTopic,
      [`${prefix}_HTTP_PORT`]: '0',
      [`${prefix}_WEBHOOK_PORT`]: '0',
      TRIBUTARY_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let resolveRunning!: (value: { health: string; webhooks: string | null }) => void;
  let rejectRunning!: (error: Error) => void;
  const running = new Promise<{ health: string; webhooks: string | null }>((resolve, reject) => {
    resolveRunning = resolve;
    rejectRunning = reject;
  });
  running.catch(() => undefined);
  let buffered = '';
  const onData = (chunk: Buffer): void => {
    buffered += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (!text.startsWith('{')) continue;
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        if (line.msg === 'Source running.')
          resolveRunning({ health: String(line.health), webhooks: typeof line.webhooks === 'string' ? line.webhooks : null });
      } catch {
        // not a log line
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      rejectRunning(new Error(`source-${name} exited (${code ?? signal}) before running: ${JSON.stringify(lines.slice(-3))}`));
      resolve({ code, signal });
    }),
  );
  return { name, process: child, lines, exit, running };
}

export function errorLines(source: SourceProcess): Array<Record<string, unknown>> {
  return source.lines.filter((line) =>
    typeof line.level === 'number' ? line.level >= 50 : line.level === 'error' || line.level === 'fatal',
  );
}

/** The settings that point source-<name> at the simulator (shared with the demo: @tributary/platform-sim). */
export const simulatorEnvironment = sourceEnvironment;

const POST_KINDS: Record<string, readonly string[]> = { tiktok: ['video'], instagram: ['media', 'story'], youtube: ['video'] };
const ACCOUNT_KINDS: Record<string, string> = { tiktok: 'user', instagram: 'account', youtube: 'channel' };
const PLATFORM: Record<string, string> = { tiktok: 'TIKTOK', instagram: 'INSTAGRAM', youtube: 'YOUTUBE' };

/** A free loopback port (for a receiver whose URL must be known before it starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What the simulators served, as the keys the final tables hold. */
export function servedKeys(sim: PlatformSim): {
  posts: Set<string>;
  accounts: Set<string>;
  postsWithMetrics: Set<string>;
  comments: Set<string>;
} {
  const truth = sim.groundTruth();
  const posts = new Set<string>();
  const accounts = new Set<string>();
  const comments = new Set<string>();
  for (const entity of truth.entities) {
    const key = `${PLATFORM[entity.platform]}:${entity.id}`;
    if (POST_KINDS[entity.platform]?.includes(entity.kind)) posts.add(key);
    else if (ACCOUNT_KINDS[entity.platform] === entity.kind) accounts.add(key);
    else if (entity.kind === 'comment') comments.add(key);
  }
  const postsWithMetrics = new Set(
    truth.metrics.filter((metric) => POST_KINDS[metric.platform]?.includes(metric.kind)).map((m) => `${PLATFORM[m.platform]}:${m.id}`),
  );
  return { posts, accounts, postsWithMetrics, comments };
}
