// The README's first command, `npm run demo`, as a test: the whole pipeline runs from the
// services' own main.ts files for a short while, stops in order, drains, and the summary it
// prints is queried from ClickHouse. Short on purpose: pipeline-e2e.test.ts proves the data.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createClickHouseClient } from '@tributary/clickhouse';
import { connectTopicAdmin } from '@tributary/kafka';
import { useTestStack } from '@tributary/testing';
import { runDemo } from '../../packages/cli/src/demo/run-demo.ts';
import { describeSummary } from '../../packages/cli/src/demo/summary.ts';
import { quietLogger } from './kafka-runtime-fixture.ts';

describe('npm run demo: the whole pipeline as processes, with progress and a summary (integration)', function () {
  this.timeout(300_000);

  it('collects from all three platforms, drains, and summarises from ClickHouse', async () => {
    const stack = await useTestStack();
    const admin = await connectTopicAdmin(stack.kafka, quietLogger);
    const clickhouse = createClickHouseClient(stack.clickhouse, 'demo-test');
    const progress = new PassThrough();
    let shown = '';
    progress.on('data', (chunk: Buffer) => (shown += chunk.toString('utf8')));
    try {
      const result = await runDemo({
        durationMs: 20_000,
        accountsPerPlatform: 1,
        postsPerAccount: 6,
        endpointsEnv: { ...stack.env, TRIBUTARY_CLICKHOUSE_DATABASE: stack.clickhouse.database },
        admin,
        clickhouse,
        logger: quietLogger,
        progress: progress as unknown as NodeJS.WriteStream,
        interrupted: new Promise<void>(() => undefined),
      });
      assert.equal(result.drained, true, 'every stage drained before the processors stopped');
      assert.ok(result.final.written.collected > 0 && result.final.written.curated > 0, JSON.stringify(result.final.written));
      assert.equal(result.final.written.collected, result.final.written.enriched, 'every collected event was enriched');
      assert.equal(
        result.final.written.enriched,
        result.final.written.curated + result.final.written.quarantined,
        'and curated or quarantined',
      );
      // Metric snapshots from every platform (the demo's future-dated TikTok page may hold all of a small account's posts back).
      const platforms = new Set(
        result.summary.rows.filter((row) => row.table === 'post_metrics' && row.rows > 0).map((row) => row.platform),
      );
      assert.deepEqual([...platforms].sort(), ['INSTAGRAM', 'TIKTOK', 'YOUTUBE']);
      assert.ok(
        result.summary.quarantine.some((row) => row.reason === 'TIMESTAMP_IN_FUTURE'),
        'the future-dated TikTok page was quarantined',
      );
      assert.ok(result.summary.latencyMs.rows > 0 && result.summary.latencyMs.p50 > 0);
      assert.deepEqual(
        Object.entries(result.serviceErrors).filter(([, count]) => count > 0),
        [],
        `no service logged an error (logs: ${result.logDirectory})`,
      );
      assert.match(shown, /collecting · \d+s/);
      assert.match(shown, /stopped · drained/);
      const text = describeSummary(result.summary);
      assert.match(text, /Top posts by engagement rate/);
      assert.match(text, /End-to-end latency/);
    } finally {
      await admin.close();
      await clickhouse.close();
    }
  });
});
