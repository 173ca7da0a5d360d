import assert from 'node:assert/strict';
import { isTributaryError } from '@tributary/errors';
import type { NewTopic, TopicAdmin, TopicState } from '@tributary/kafka';
import { applyTopics, planTopics, readExistingTopics } from '../src/index.ts';
import type { DesiredTopic } from '../src/index.ts';

/** A TopicAdmin method topic apply must never call. */
const unused = (name: string) => async (): Promise<never> => {
  throw new Error(`topic apply never calls ${name}`);
};

/** An in-memory cluster with TopicAdmin's semantics, recording every call. */
function fakeAdmin(initial: TopicState[] = []): TopicAdmin & { calls: string[]; topics: Map<string, TopicState> } {
  const topics = new Map(initial.map((topic) => [topic.name, structuredClone(topic)]));
  const calls: string[] = [];
  return {
    calls,
    topics,
    listTopics: async () => [...topics.keys()].sort(),
    describeTopics: async (names) => names.flatMap((name) => (topics.has(name) ? [structuredClone(topics.get(name)!)] : [])),
    createTopics: async (created: NewTopic[]) => {
      calls.push(`create ${created.map((topic) => topic.name).join(',')}`);
      for (const topic of created)
        topics.set(topic.name, {
          name: topic.name,
          partitions: topic.partitions,
          replicationFactor: 1,
          config: { ...topic.config },
          overrides: { ...topic.config },
        });
    },
    createPartitions: async (name, count) => {
      calls.push(`partitions ${name} ${count}`);
      topics.get(name)!.partitions = count;
    },
    setOverrides: async (name, overrides) => {
      calls.push(`overrides ${name} ${JSON.stringify(overrides)}`);
      const topic = topics.get(name)!;
      topic.overrides = { ...overrides };
      topic.config = { ...topic.config, ...overrides };
    },
    commitGroupOffsets: async () => {
      throw new Error('topic apply never commits group offsets');
    },
    groupOffsets: async () => {
      throw new Error('topic apply never reads group offsets');
    },
    watermarks: unused('watermarks'),
    offsetsAtTime: unused('offsetsAtTime'),
    groupCommits: unused('groupCommits'),
    describeGroup: unused('describeGroup'),
    deleteRecordsBefore: unused('deleteRecordsBefore'),
    close: async () => undefined,
  };
}

const topic = (name: string, partitions = 3, retention = '3600000'): DesiredTopic => ({
  name,
  partitions,
  replicationFactor: 'broker-default',
  config: { 'cleanup.policy': 'delete', 'retention.ms': retention },
});

describe('catalog/topic-apply', () => {
  it('creates, then finds nothing to do on the second run', async () => {
    const admin = fakeAdmin();
    const desired = [topic('t.a'), topic('t.b')];
    const first = await applyTopics(admin, planTopics(await readExistingTopics(admin, desired, ['t.']), desired, ['t.']));
    assert.deepEqual(first.created, ['t.a', 't.b']);
    const second = planTopics(await readExistingTopics(admin, desired, ['t.']), desired, ['t.']);
    assert.ok(second.actions.every((action) => action.action === 'none'));
    const result = await applyTopics(admin, second);
    assert.deepEqual(result, { created: [], partitionsAdded: [], configured: [] });
    assert.deepEqual(admin.calls, ['create t.a,t.b']);
  });

  it('sets the full override set, then adds partitions', async () => {
    const admin = fakeAdmin([
      {
        name: 't.a',
        partitions: 3,
        replicationFactor: 1,
        config: { 'cleanup.policy': 'delete', 'retention.ms': '3600000', 'segment.ms': '60000' },
        overrides: { 'segment.ms': '60000' },
      },
    ]);
    const desired = [topic('t.a', 6, '7200000')];
    const result = await applyTopics(admin, planTopics(await readExistingTopics(admin, desired, []), desired));
    assert.deepEqual(result.partitionsAdded, [{ topic: 't.a', from: 3, to: 6 }]);
    assert.deepEqual(result.configured, [{ topic: 't.a', names: ['retention.ms'] }]);
    assert.deepEqual(admin.calls, ['overrides t.a {"segment.ms":"60000","retention.ms":"7200000"}', 'partitions t.a 6']);
  });

  it('applies nothing when any change is refused', async () => {
    const admin = fakeAdmin([
      {
        name: 't.a',
        partitions: 6,
        replicationFactor: 1,
        config: { 'cleanup.policy': 'delete', 'retention.ms': '3600000' },
        overrides: {},
      },
    ]);
    const desired = [topic('t.new'), topic('t.a', 3)];
    const plan = planTopics(await readExistingTopics(admin, desired, []), desired);
    await assert.rejects(
      applyTopics(admin, plan),
      (error: unknown) => isTributaryError(error) && error.code === 'TOPICS_UNSAFE_CHANGE' && error.failureType === 'config',
    );
    assert.deepEqual(admin.calls, []);
  });

  it('reads only declared topics and those under the namespaces', async () => {
    const admin = fakeAdmin(
      ['t.a', 't.stray', 'other'].map((name) => ({ name, partitions: 1, replicationFactor: 1, config: {}, overrides: {} })),
    );
    const existing = await readExistingTopics(admin, [topic('t.a')], ['t.']);
    assert.deepEqual(
      existing.map((entry) => entry.name),
      ['t.a', 't.stray'],
    );
  });
});
