// `tributary topics apply|list` against a real Kafka broker: create, a second run that changes
// nothing, a dry run that shows the diff, added partitions and changed retention (keeping
// overrides the catalogue does not manage), and refused unsafe changes that leave the cluster
// alone. Every topic lives under a unique namespace, so runs never collide.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractPaths, parseCatalogue, planTopics, readExistingTopics } from '@tributary/catalog';
import { processEnvironment } from '@tributary/config';
import { connectTopicAdmin } from '@tributary/kafka';
import type { TopicAdmin, TopicState } from '@tributary/kafka';
import { createLogger } from '@tributary/telemetry';
import { uniqueName, useTestStack } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';

const CLI = fileURLToPath(new URL('../../packages/cli/src/main.ts', import.meta.url));

interface Shape {
  postsPartitions: number;
  postsRetentionMs: number;
  statePolicy: string;
}

describe('tributary topics apply (integration)', function () {
  this.timeout(300_000);
  let stack: TestStack;
  let admin: TopicAdmin;
  let dir: string;
  const namespace = `${uniqueName('it-topics')}.`;
  const posts = `${namespace}posts`;
  const state = `${namespace}state`;
  const dlq = `${namespace}dlq`;

  const catalogueText = (shape: Shape): string => `namespaces: [${namespace}]
topics:
  - name: ${posts}
    description: posts for the test
    owner: tests
    key: "<PLATFORM>:<post id>"
    partitions: ${shape.postsPartitions}
    replicationFactor: broker-default
    config: { cleanup.policy: delete, retention.ms: ${shape.postsRetentionMs} }
    value: { subject: ${posts}-value, schema: io.tributary.social.Post }
  - name: ${state}
    description: compacted state for the test
    owner: tests
    key: "<source>/<stream>/<scope>"
    partitions: 1
    replicationFactor: broker-default
    config: { cleanup.policy: ${shape.statePolicy}, retention.ms: -1, min.compaction.lag.ms: 60000 }
    value: { subject: ${state}-value, schema: io.tributary.system.CollectorCheckpoint }
  - name: ${dlq}
    description: dead letters for the test
    owner: tests
    key: the original key
    partitions: 1
    replicationFactor: broker-default
    config: { cleanup.policy: delete, retention.ms: 86400000 }
    value: { bytes: original bytes }
`;

  function writeCatalogue(shape: Shape): string {
    const file = join(dir, `catalogue-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, catalogueText(shape));
    return file;
  }

  function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const child = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...processEnvironment(), ...stack.env, TRIBUTARY_LOG_LEVEL: 'warn' },
    });
    return { status: child.status, stdout: child.stdout, stderr: child.stderr };
  }

  async function describeOurs(): Promise<Map<string, TopicState>> {
    return new Map((await admin.describeTopics([posts, state, dlq])).map((topic) => [topic.name, topic]));
  }

  const initial: Shape = { postsPartitions: 3, postsRetentionMs: 3_600_000, statePolicy: 'compact' };

  before(async () => {
    stack = await useTestStack();
    admin = await connectTopicAdmin(stack.kafka, createLogger({ serviceName: 'test-topics', level: 'warn' }));
    dir = mkdtempSync(join(tmpdir(), 'tributary-topics-'));
  });

  after(async () => {
    await admin?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('dry run: prints the topics it would create and creates nothing', async () => {
    const run = cli('topics', 'apply', '--dry-run', '--catalogue', writeCatalogue(initial));
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(
        `\\+ create ${posts.replaceAll('.', '\\.')}: partitions=3 replication=broker-default cleanup.policy=delete retention.ms=3600000`,
      ),
    );
    assert.match(run.stdout, /Dry run: nothing was changed\./);
    assert.deepEqual(
      (await admin.listTopics()).filter((name) => name.startsWith(namespace)),
      [],
    );
  });

  it('creates every declared topic with its partitions and configuration', async () => {
    const run = cli('topics', 'apply', '--catalogue', writeCatalogue(initial));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /applied: 3 created, 0 with added partitions, 0 reconfigured/);
    const topics = await describeOurs();
    assert.equal(topics.get(posts)?.partitions, 3);
    assert.equal(topics.get(posts)?.config['retention.ms'], '3600000');
    assert.equal(topics.get(posts)?.replicationFactor, 1, 'broker-default is the local broker default of 1');
    assert.equal(topics.get(state)?.config['cleanup.policy'], 'compact');
    assert.equal(topics.get(state)?.overrides['min.compaction.lag.ms'], '60000');
    assert.equal(topics.get(dlq)?.config['retention.ms'], '86400000');
  });

  it('is idempotent: a second apply changes nothing', async () => {
    const file = writeCatalogue(initial);
    const run = cli('topics', 'apply', '--catalogue', file);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /= 3 topics already as declared/);
    assert.match(run.stdout, /nothing to change: 3 topics as declared/);
    const catalogue = parseCatalogue(
      readFileSync(file, 'utf8'),
      JSON.parse(readFileSync(contractPaths().catalogueSchemaFile, 'utf8')) as object,
    );
    const plan = planTopics(
      await readExistingTopics(admin, catalogue.topics, catalogue.namespaces),
      catalogue.topics,
      catalogue.namespaces,
    );
    assert.deepEqual(
      plan.actions.map((action) => action.action),
      ['none', 'none', 'none'],
    );
  });

  it('adds partitions and changes retention, keeping an override the catalogue does not manage', async () => {
    const before = (await describeOurs()).get(posts);
    assert.ok(before);
    await admin.setOverrides(posts, { ...before.overrides, 'segment.ms': '600000' });

    const grown: Shape = { ...initial, postsPartitions: 6, postsRetentionMs: 7_200_000 };
    const dry = cli('topics', 'apply', '--dry-run', '--catalogue', writeCatalogue(grown));
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`~ update ${posts.replaceAll('.', '\\.')}: partitions 3 -> 6, retention.ms 3600000 -> 7200000`));
    assert.match(dry.stdout, /note: partitions 3 -> 6: keys map to new partitions/);
    assert.equal((await describeOurs()).get(posts)?.partitions, 3, 'dry run changed nothing');

    const run = cli('topics', 'apply', '--catalogue', writeCatalogue(grown));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /applied: 0 created, 1 with added partitions, 1 reconfigured/);
    const after = (await describeOurs()).get(posts);
    assert.equal(after?.partitions, 6);
    assert.equal(after?.config['retention.ms'], '7200000');
    assert.equal(after?.overrides['segment.ms'], '600000');
    assert.equal(after?.config['cleanup.policy'], 'delete');

    assert.match(cli('topics', 'apply', '--catalogue', writeCatalogue(grown)).stdout, /nothing to change/);
  });

  it('refuses fewer partitions and another cleanup policy, and applies nothing', async () => {
    const unsafe: Shape = { postsPartitions: 2, postsRetentionMs: 60_000, statePolicy: 'delete' };
    const run = cli('topics', 'apply', '--catalogue', writeCatalogue(unsafe));
    assert.equal(run.status, 1);
    assert.match(
      run.stdout,
      new RegExp(`! refuse ${posts.replaceAll('.', '\\.')}:\\n\\s+partitions 6 -> 2: Kafka cannot remove partitions`),
    );
    assert.match(run.stdout, /cleanup\.policy compact -> delete: changes what the existing records mean/);
    assert.match(run.stderr, /nothing was applied/);
    const topics = await describeOurs();
    assert.equal(topics.get(posts)?.partitions, 6);
    assert.equal(topics.get(posts)?.config['retention.ms'], '7200000', 'the safe retention change was not applied either');
    assert.equal(topics.get(state)?.config['cleanup.policy'], 'compact');
  });

  it('lists the catalogue next to the cluster', () => {
    const run = cli(
      '--json',
      'topics',
      'list',
      '--catalogue',
      writeCatalogue({ ...initial, postsPartitions: 6, postsRetentionMs: 7_200_000 }),
    );
    assert.equal(run.status, 0, run.stderr);
    const rows = JSON.parse(run.stdout) as { topic: string; state: string; partitions: unknown; value: string }[];
    assert.deepEqual(
      rows.map((row) => [row.topic, row.state, row.value]),
      [
        [posts, 'ok', `${posts}-value`],
        [state, 'ok', `${state}-value`],
        [dlq, 'ok', 'bytes'],
      ],
    );
  });
});
