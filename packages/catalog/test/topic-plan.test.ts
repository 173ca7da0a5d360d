import assert from 'node:assert/strict';
import { changes, formatPlan, planTopics, refusals } from '../src/index.ts';
import type { DesiredTopic, ExistingTopic } from '../src/index.ts';

const desired = (overrides: Partial<DesiredTopic> = {}): DesiredTopic => ({
  name: 't.posts',
  partitions: 6,
  replicationFactor: 'broker-default',
  config: { 'cleanup.policy': 'delete', 'retention.ms': '604800000' },
  ...overrides,
});

const existing = (overrides: Partial<ExistingTopic> = {}): ExistingTopic => ({
  name: 't.posts',
  partitions: 6,
  replicationFactor: 1,
  config: { 'cleanup.policy': 'delete', 'retention.ms': '604800000', 'segment.ms': '604800000' },
  overrides: { 'cleanup.policy': 'delete', 'retention.ms': '604800000' },
  ...overrides,
});

describe('catalog/topic-plan', () => {
  it('creates a topic that does not exist, with its declared configuration', () => {
    const plan = planTopics([], [desired()]);
    assert.deepEqual(plan.actions, [
      { action: 'create', topic: 't.posts', partitions: 6, replicationFactor: 'broker-default', config: desired().config },
    ]);
    assert.deepEqual(formatPlan(plan), [
      '+ create t.posts: partitions=6 replication=broker-default cleanup.policy=delete retention.ms=604800000',
    ]);
  });

  it('plans nothing when the topic is as declared, so a second apply is a no-op', () => {
    const plan = planTopics([existing()], [desired()]);
    assert.deepEqual(plan.actions, [{ action: 'none', topic: 't.posts' }]);
    assert.deepEqual(changes(plan), []);
    assert.deepEqual(formatPlan(plan), ['= 1 topic already as declared']);
  });

  it('compares effective values: a declared value equal to the broker default is no change', () => {
    assert.deepEqual(planTopics([existing({ overrides: {} })], [desired()]).actions, [{ action: 'none', topic: 't.posts' }]);
  });

  it('treats cleanup.policy lists as sets', () => {
    const plan = planTopics(
      [existing({ config: { 'cleanup.policy': 'delete,compact', 'retention.ms': '604800000' } })],
      [desired({ config: { 'cleanup.policy': 'compact,delete', 'retention.ms': '604800000' } })],
    );
    assert.deepEqual(plan.actions, [{ action: 'none', topic: 't.posts' }]);
  });

  it('adds partitions, noting that keys move', () => {
    const plan = planTopics([existing()], [desired({ partitions: 12 })]);
    const [action] = plan.actions;
    assert.equal(action?.action, 'update');
    assert.ok(action?.action === 'update');
    assert.deepEqual(action.partitions, { from: 6, to: 12 });
    assert.equal(action.overrides, undefined);
    assert.match(action.notes.join(), /per-key order holds only from this point on/);
  });

  it('changes configuration, keeping the overrides it does not manage (AlterConfigs replaces them all)', () => {
    const plan = planTopics(
      [existing({ overrides: { 'retention.ms': '604800000', 'segment.ms': '3600000' } })],
      [desired({ config: { 'cleanup.policy': 'delete', 'retention.ms': '1209600000' } })],
    );
    const [action] = plan.actions;
    assert.ok(action?.action === 'update');
    assert.deepEqual(action.config, [{ name: 'retention.ms', from: '604800000', to: '1209600000' }]);
    assert.deepEqual(action.overrides, { 'retention.ms': '1209600000', 'segment.ms': '3600000' });
    assert.deepEqual(action.notes, []);
    assert.deepEqual(formatPlan(plan), ['~ update t.posts: retention.ms 604800000 -> 1209600000']);
  });

  it('notes a shorter retention, which makes older records eligible for deletion', () => {
    const [action] = planTopics([existing()], [desired({ config: { 'cleanup.policy': 'delete', 'retention.ms': '86400000' } })]).actions;
    assert.ok(action?.action === 'update');
    assert.deepEqual(action.notes, ['retention shrinks from 7 d to 1 d: older records become eligible for deletion']);
  });

  describe('refuses unsafe changes, with the reason and a way out', () => {
    it('fewer partitions', () => {
      const plan = planTopics([existing({ partitions: 12 })], [desired({ partitions: 6 })]);
      assert.equal(refusals(plan).length, 1);
      assert.match(refusals(plan)[0]?.problems.join() ?? '', /Kafka cannot remove partitions\. Set partitions: 12/);
    });

    it('another cleanup policy on existing data', () => {
      const plan = planTopics([existing()], [desired({ config: { 'cleanup.policy': 'compact', 'retention.ms': '604800000' } })]);
      assert.match(refusals(plan)[0]?.problems.join() ?? '', /cleanup\.policy delete -> compact: changes what the existing records mean/);
    });

    it('another replication factor, unless the catalogue leaves it to the broker', () => {
      assert.match(
        refusals(planTopics([existing()], [desired({ replicationFactor: 3 })]))[0]?.problems.join() ?? '',
        /needs a partition reassignment/,
      );
      assert.deepEqual(refusals(planTopics([existing()], [desired({ replicationFactor: 1 })])), []);
      assert.deepEqual(refusals(planTopics([existing({ replicationFactor: 3 })], [desired()])), []);
    });

    it('a refused topic carries all its problems and none of its safe changes', () => {
      const plan = planTopics(
        [existing({ partitions: 12 })],
        [desired({ partitions: 6, config: { 'cleanup.policy': 'compact', 'retention.ms': '1' } })],
      );
      assert.equal(plan.actions[0]?.action, 'refuse');
      assert.equal(refusals(plan)[0]?.problems.length, 2);
      assert.match(formatPlan(plan).join('\n'), /^! refuse t\.posts:/);
    });
  });

  it('reports, and never deletes, topics under the namespaces that the catalogue does not declare', () => {
    const plan = planTopics([existing(), existing({ name: 't.old' }), existing({ name: 'someone.else' })], [desired()], ['t.']);
    assert.deepEqual(plan.undeclared, ['t.old']);
    assert.ok(plan.actions.every((action) => action.topic === 't.posts'));
    assert.match(formatPlan(plan).join('\n'), /\? t\.old exists under a Tributary namespace but is not in the catalogue \(left alone\)/);
  });
});
