// `stack up` and the demo provision the repository's contracts: every catalogue topic and every
// schema subject. Running it again changes nothing.
import assert from 'node:assert/strict';
import { contractPaths, loadCatalogue } from '@tributary/catalog';
import { connectTopicAdmin } from '@tributary/kafka';
import { createLogger } from '@tributary/telemetry';
import { uniqueName, useTestStack } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { provisionContracts } from '../../packages/cli/src/provision.ts';

describe('provisioning the contracts (integration)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  const logger = createLogger({ serviceName: 'test', level: 'warn' });

  before(async () => {
    stack = await useTestStack();
  });

  // A database of its own, so the migrations run from empty whatever other tests did.
  const database = uniqueName('provision', '_');
  const targets = () => ({
    kafka: stack.kafka,
    registry: stack.registry,
    clickhouse: {
      ...stack.clickhouse,
      database,
      retention: { landingDays: 30, snapshotsDays: 0, entitiesDays: 0, aggregatesDays: 0, quarantineDays: 30 },
    },
  });

  it('creates every catalogue topic and registers every subject, then is a no-op', async () => {
    const first = await provisionContracts(targets(), logger);
    const catalogue = loadCatalogue(contractPaths());
    assert.equal(first.topicsDeclared, catalogue.topics.length);
    assert.ok(first.subjects > 0);
    assert.ok(first.migrationsApplied > 0, 'migrations ran on the empty database');

    const admin = await connectTopicAdmin(stack.kafka, logger);
    try {
      const existing = new Set(await admin.listTopics());
      for (const topic of catalogue.topics) assert.ok(existing.has(topic.name), `${topic.name} exists`);
    } finally {
      await admin.close();
    }

    const second = await provisionContracts(targets(), logger);
    assert.deepEqual(
      {
        created: second.topicsCreated,
        changed: second.topicsChanged,
        registered: second.schemasRegistered,
        migrations: second.migrationsApplied,
      },
      { created: 0, changed: 0, registered: 0, migrations: 0 },
    );
  });
});
