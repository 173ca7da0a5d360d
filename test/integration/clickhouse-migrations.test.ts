// schemas/clickhouse against the real stack's ClickHouse (the embedded chDB server locally, a
// ClickHouse server when configured or in containers): the runner (empty database, second run,
// changed file, concurrent runs from two processes, dry run, TTL from configuration), the insert
// deduplication the sink relies on, the materialized views behind the entity, snapshot, latest
// and aggregate tables, the FINAL and argMax reads the README tells analysts to use, and adding a
// column for a new Avro field while inserts keep arriving. Each test has its own database.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import {
  createClickHouseClient,
  landingRow,
  migrate,
  loadMigrations,
  MIGRATIONS_DIRECTORY,
  TABLE_RETENTION,
  TABLES_WITHOUT_RETENTION,
  toDateTime64,
} from '@tributary/clickhouse';
import type { ClickHouseClient, ClickHouseRetentionSettings, LandedSchemaName, LandingRow, RecordLineage } from '@tributary/clickhouse';
import { processEnvironment } from '@tributary/config';
import { isTributaryError } from '@tributary/errors';
import { computeEventId, EVENT_SCHEMAS } from '@tributary/events';
import type { Deletion, EventTypes, Post, PostMetricsSnapshot } from '@tributary/events';
import { uniqueName, useTestStack } from '@tributary/testing';
import type { TestStack } from '@tributary/testing';
import { goldenRecord, goldenRecords } from '../../packages/clickhouse/test/golden-records.ts';

const CLI = fileURLToPath(new URL('../../packages/cli/src/main.ts', import.meta.url));
const FOREVER: ClickHouseRetentionSettings = { landingDays: 0, snapshotsDays: 0, entitiesDays: 0, aggregatesDays: 0, quarantineDays: 0 };
const HOUR = 3_600_000;
const CURATED_TOPICS: { readonly [Name in LandedSchemaName]: string } = {
  'io.tributary.social.Post': 'social.curated.posts',
  'io.tributary.social.PostMetricsSnapshot': 'social.curated.post-metrics',
  'io.tributary.social.AccountMetricsSnapshot': 'social.curated.account-metrics',
  'io.tributary.social.Comment': 'social.curated.comments',
  'io.tributary.social.Deletion': 'social.curated.deletions',
};

describe('ClickHouse migrations and tables (integration)', function () {
  this.timeout(300_000);
  let stack: TestStack;
  let client: ClickHouseClient;
  const databases: string[] = [];
  const dirs: string[] = [];

  before(async () => {
    stack = await useTestStack();
    // Bound to the user's default database: the databases under test do not exist yet.
    client = createClickHouseClient({ ...stack.clickhouse, database: 'default' }, 'it-clickhouse-migrations');
  });

  after(async () => {
    for (const database of databases) await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function newDatabase(): string {
    const database = uniqueName('it_ch', '_');
    databases.push(database);
    return database;
  }

  function copyMigrations(): string {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-migrations-'));
    dirs.push(dir);
    cpSync(MIGRATIONS_DIRECTORY, dir, { recursive: true });
    return dir;
  }

  async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
    return result.json<T>();
  }

  async function count(database: string, from: string, where = '1'): Promise<number> {
    const [row] = await rows<{ n: string }>(`SELECT count() AS n FROM ${database}.${from} WHERE ${where}`);
    return Number(row?.n);
  }

  /** Inserts rows the way the sink does: named columns, JSONEachRow, one deduplication token per batch. */
  async function insert(database: string, table: string, values: LandingRow[], token: string): Promise<void> {
    const columns = [...new Set(values.flatMap((row) => Object.keys(row)))] as [string, ...string[]];
    await client.insert({
      table: `${database}.${table}`,
      values,
      columns,
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: token },
    });
  }

  let offset = 0;
  function lineage(topic: string): RecordLineage {
    offset += 1;
    return { topic, partition: 0, offset: String(offset), schemaId: 1 };
  }

  function rowsOf<Name extends LandedSchemaName>(
    schema: Name,
    records: EventTypes[Name][],
    topic: string,
  ): { table: string; rows: LandingRow[] } {
    const mapped = records.map((record) => landingRow(schema, record, lineage(topic)));
    return { table: mapped[0]!.table, rows: mapped.map((entry) => entry.row) };
  }

  async function land<Name extends LandedSchemaName>(
    database: string,
    schema: Name,
    records: EventTypes[Name][],
    token = uniqueName('batch'),
  ): Promise<void> {
    const { table, rows: values } = rowsOf(schema, records, CURATED_TOPICS[schema]);
    await insert(database, table, values, token);
  }

  function cli(database: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const child = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...processEnvironment(), ...stack.env, TRIBUTARY_CLICKHOUSE_DATABASE: database, TRIBUTARY_LOG_LEVEL: 'warn' },
    });
    return { status: child.status, stdout: child.stdout, stderr: child.stderr };
  }

  function cliAsync(database: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        env: { ...processEnvironment(), ...stack.env, TRIBUTARY_CLICKHOUSE_DATABASE: database, TRIBUTARY_LOG_LEVEL: 'warn' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  async function bookkeeping(database: string): Promise<{ version: number; rows: number }[]> {
    const result = await rows<{ version: number; rows: string }>(
      `SELECT version, count() AS rows FROM ${database}.tributary_migrations GROUP BY version ORDER BY version`,
    );
    return result.map((row) => ({ version: Number(row.version), rows: Number(row.rows) }));
  }

  describe('the runner', () => {
    it('applies every migration to an empty database and creates the documented tables and views', async () => {
      const database = newDatabase();
      const report = await migrate(client, { database, retention: FOREVER });
      const files = loadMigrations();
      assert.deepEqual(
        report.applied.map((m) => m.file),
        files.map((m) => m.file),
      );
      assert.deepEqual(report.alreadyApplied, []);

      const tables = await rows<{ name: string; engine: string }>(
        'SELECT name, engine FROM system.tables WHERE database = {database:String}',
        {
          database,
        },
      );
      const mergeTrees = tables
        .filter((table) => table.engine.endsWith('MergeTree'))
        .map((table) => table.name)
        .sort();
      // Every MergeTree-family table has a retention class, and every class entry is a real table.
      assert.deepEqual(mergeTrees, [...TABLE_RETENTION.map((rule) => rule.table), ...TABLES_WITHOUT_RETENTION].sort());
      const engines = new Map(tables.map((table) => [table.name, table.engine]));
      assert.equal(engines.get('landing_posts'), 'MergeTree');
      assert.equal(engines.get('posts'), 'ReplacingMergeTree');
      assert.equal(engines.get('post_metrics_latest'), 'ReplacingMergeTree');
      assert.equal(engines.get('engagement_hourly'), 'AggregatingMergeTree');
      assert.equal(tables.filter((table) => table.engine === 'MaterializedView').length, 14);
      assert.deepEqual(
        await bookkeeping(database),
        files.map((m) => ({ version: m.version, rows: 1 })),
      );
    });

    it('changes nothing on a second run', async () => {
      const database = newDatabase();
      await migrate(client, { database, retention: FOREVER });
      const second = await migrate(client, { database, retention: FOREVER });
      assert.deepEqual(second.applied, []);
      assert.equal(second.alreadyApplied.length, loadMigrations().length);
      assert.ok(second.retention.every((change) => change.action === 'unchanged'));
      assert.ok((await bookkeeping(database)).every((entry) => entry.rows === 1));

      // The CLI applies its configured retention (defaults: landing and quarantine 30 days) once…
      const first = cli(database, 'migrate');
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /applied 0 migrations, changed 6 TTLs/);
      // …and then has nothing left to do.
      const viaCli = cli(database, 'migrate');
      assert.equal(viaCli.status, 0, viaCli.stderr);
      assert.match(viaCli.stdout, /nothing to do: \d+ migrations applied, TTLs as configured/);
    });

    it('--dry-run lists what is pending and creates nothing, not even the database', async () => {
      const database = newDatabase();
      const dry = cli(database, 'migrate', '--dry-run');
      assert.equal(dry.status, 0, dry.stderr);
      assert.match(dry.stdout, /0001\s+landing_tables\s+pending/);
      assert.match(dry.stdout, /landing_posts\s+landing\s+30\s+toDateTime\(collected_at\) \+ toIntervalDay\(30\)\s+set once created/);
      assert.match(dry.stdout, /Dry run: nothing was changed\./);
      assert.equal(await count('system', 'databases', `name = '${database}'`), 0);

      const json = cli(database, '--json', 'migrate', '--dry-run');
      assert.equal(json.status, 0, json.stderr);
      const report = JSON.parse(json.stdout) as { dryRun: boolean; pending: { version: number }[] };
      assert.equal(report.dryRun, true);
      assert.equal(report.pending.length, loadMigrations().length);
    });

    it('refuses to run when an applied migration file changed (MIGRATION_CHECKSUM_MISMATCH) and applies nothing', async () => {
      const database = newDatabase();
      const dir = copyMigrations();
      await migrate(client, { database, directory: dir });
      appendFileSync(join(dir, '0002_entities.sql'), '\n-- an innocent-looking edit\n');
      writeFileSync(join(dir, '0099_later.sql'), 'CREATE TABLE IF NOT EXISTS ${database}.later (x UInt8) ENGINE = MergeTree ORDER BY x;\n');

      await assert.rejects(migrate(client, { database, directory: dir }), (error: unknown) => {
        assert.ok(isTributaryError(error));
        assert.equal(error.code, 'MIGRATION_CHECKSUM_MISMATCH');
        assert.match(error.message, /0002_entities\.sql/);
        assert.match(error.hint ?? '', /immutable/);
        return true;
      });
      assert.equal(await count('system', 'tables', `database = '${database}' AND name = 'later'`), 0, 'nothing after the check ran');

      const viaCli = cli(database, 'migrate', '--directory', dir);
      assert.equal(viaCli.status, 2, 'a configuration problem: exit code 2');
      assert.match(viaCli.stderr, /error \[MIGRATION_CHECKSUM_MISMATCH\]: .*0002_entities\.sql/s);
      assert.match(viaCli.stderr, /what to do: Applied migrations are immutable/);
    });

    it('is safe to run concurrently: two processes and two in-process runs all succeed and record each version once', async () => {
      const database = newDatabase();
      const [first, second, ...inProcess] = await Promise.all([
        cliAsync(database, 'migrate'),
        cliAsync(database, 'migrate'),
        migrate(client, { database }),
        migrate(client, { database }),
      ]);
      assert.equal(first?.status, 0, first?.stderr);
      assert.equal(second?.status, 0, second?.stderr);
      assert.equal(inProcess.length, 2);
      const files = loadMigrations();
      assert.deepEqual(
        await bookkeeping(database),
        files.map((m) => ({ version: m.version, rows: 1 })),
      );
      const again = await migrate(client, { database });
      assert.deepEqual(again.applied, []);
      assert.equal(await count('system', 'tables', `database = '${database}' AND engine = 'MaterializedView'`), 14);
    });

    it('says how to recover when the client is bound to a database that does not exist', async () => {
      const bound = createClickHouseClient({ ...stack.clickhouse, database: uniqueName('missing', '_') }, 'it-clickhouse-migrations');
      try {
        await assert.rejects(migrate(bound, { database: newDatabase() }), (error: unknown) => {
          assert.ok(isTributaryError(error));
          assert.equal(error.code, 'CLICKHOUSE_DATABASE_UNREACHABLE');
          assert.match(error.hint ?? '', /database: 'default'/);
          return true;
        });
      } finally {
        await bound.close();
      }
    });
  });

  describe('retention from configuration', () => {
    async function ttlOf(database: string, table: string): Promise<string> {
      const [row] = await rows<{ engine_full: string }>(
        'SELECT engine_full FROM system.tables WHERE database = {database:String} AND name = {table:String}',
        {
          database,
          table,
        },
      );
      return / TTL (.+?)(?: SETTINGS |$)/.exec(row?.engine_full ?? '')?.[1] ?? '';
    }

    it('sets each table TTL from its class, alters only what differs, removes it at 0 days, and expires rows', async () => {
      const database = newDatabase();
      const retention = { ...FOREVER, landingDays: 7, snapshotsDays: 400 };
      await migrate(client, { database, retention });
      assert.equal(await ttlOf(database, 'landing_posts'), 'toDateTime(collected_at) + toIntervalDay(7)');
      assert.equal(await ttlOf(database, 'landing_post_metrics'), 'toDateTime(observed_at) + toIntervalDay(7)');
      assert.equal(await ttlOf(database, 'post_metrics'), 'toDateTime(snapshot_bucket) + toIntervalDay(400)');
      assert.equal(await ttlOf(database, 'posts'), '');
      assert.equal(await ttlOf(database, 'quarantine'), '');

      const unchanged = await migrate(client, { database, retention });
      assert.ok(unchanged.retention.every((change) => change.action === 'unchanged'));

      const viaCli = spawnSync(process.execPath, [CLI, '--json', 'migrate'], {
        encoding: 'utf8',
        env: {
          ...processEnvironment(),
          ...stack.env,
          TRIBUTARY_CLICKHOUSE_DATABASE: database,
          TRIBUTARY_LOG_LEVEL: 'warn',
          TRIBUTARY_CLICKHOUSE_RETENTION_LANDING_DAYS: '0',
          TRIBUTARY_CLICKHOUSE_RETENTION_SNAPSHOTS_DAYS: '400',
          TRIBUTARY_CLICKHOUSE_RETENTION_QUARANTINE_DAYS: '14',
        },
      });
      assert.equal(viaCli.status, 0, viaCli.stderr);
      const changes = (JSON.parse(viaCli.stdout) as { retention: { table: string; action: string }[] }).retention;
      const actions = Object.fromEntries(changes.map((change) => [change.table, change.action]));
      assert.equal(actions.landing_posts, 'remove');
      assert.equal(actions.quarantine, 'set');
      assert.equal(actions.post_metrics, 'unchanged');
      assert.equal(await ttlOf(database, 'landing_posts'), '');
      assert.equal(await ttlOf(database, 'quarantine'), 'toDateTime(failed_at) + toIntervalDay(14)');

      // Rows older than the TTL go at the next merge.
      await migrate(client, { database, retention });
      const post = goldenRecord('io.tributary.social.Post', 'tiktok-video');
      post.envelope.collected_at = Date.now();
      const old = structuredClone(post);
      old.envelope.collected_at = Date.UTC(2020, 0, 1);
      old.envelope.event_id = 'old'.padEnd(64, '0');
      await land(database, 'io.tributary.social.Post', [post, old]);
      await client.command({ query: `OPTIMIZE TABLE ${database}.landing_posts FINAL` });
      assert.equal(await count(database, 'landing_posts'), 1);
    });
  });

  describe('what the sink relies on: insert deduplication by token', () => {
    it('stores a retried batch once in the landing table and in every view target; another token stores it again', async () => {
      const database = newDatabase();
      await migrate(client, { database });
      const posts = goldenRecords('io.tributary.social.Post').map((entry) => entry.record);
      const { rows: values } = rowsOf('io.tributary.social.Post', posts, 'social.curated.posts');

      await insert(database, 'landing_posts', values, 'social.curated.posts:0:1-3');
      await insert(database, 'landing_posts', values, 'social.curated.posts:0:1-3'); // a retry after an unknown outcome
      assert.equal(await count(database, 'landing_posts'), 3);
      assert.equal(await count(database, 'posts'), 3, 'the view target deduplicates the retried block too (without FINAL)');
      assert.equal(await count(database, 'accounts'), 3);

      await insert(database, 'landing_posts', values, 'social.curated.posts:0:4-6'); // the same events at other offsets: a real duplicate
      assert.equal(await count(database, 'landing_posts'), 6);
      const [duplicates] = await rows<{ duplicates: string }>(
        `SELECT count() - uniqExact(event_id) AS duplicates FROM ${database}.landing_posts`,
      );
      assert.equal(Number(duplicates?.duplicates), 3, 'duplicates are countable in the landing table');
      assert.equal(await count(database, 'posts FINAL'), 3, 'and gone in the final table');
    });
  });

  describe('materialized views and the reads analysts use', () => {
    let database: string;

    before(async () => {
      database = newDatabase();
      await migrate(client, { database });
      await land(
        database,
        'io.tributary.social.Post',
        goldenRecords('io.tributary.social.Post').map((entry) => entry.record),
      );
      await land(
        database,
        'io.tributary.social.Comment',
        goldenRecords('io.tributary.social.Comment').map((entry) => entry.record),
      );
      await land(
        database,
        'io.tributary.social.PostMetricsSnapshot',
        goldenRecords('io.tributary.social.PostMetricsSnapshot').map((entry) => entry.record),
      );
      await land(
        database,
        'io.tributary.social.AccountMetricsSnapshot',
        goldenRecords('io.tributary.social.AccountMetricsSnapshot').map((entry) => entry.record),
      );
    });

    it('fill the entity, snapshot, latest and aggregate tables from landing inserts, with lineage', async () => {
      assert.equal(await count(database, 'posts FINAL'), 3);
      assert.equal(await count(database, 'comments FINAL'), 2);
      assert.equal(await count(database, 'accounts FINAL'), 3);
      assert.equal(await count(database, 'post_metrics FINAL'), 3);
      assert.equal(await count(database, 'account_metrics FINAL'), 2);
      assert.equal(await count(database, 'post_metrics_latest FINAL'), 2, 'lifetime snapshots only; the YouTube daily row has a period');
      assert.equal(await count(database, 'account_metrics_latest FINAL'), 1, 'lifetime snapshots only');

      const [tiktok] = await rows<Record<string, unknown>>(
        `SELECT post_id, text, hashtags, author_username, tiktok_share_url, source_topic, source_offset, trace_id, schema_id, is_deleted
         FROM ${database}.posts FINAL WHERE platform = 'TIKTOK'`,
      );
      const golden = goldenRecord('io.tributary.social.Post', 'tiktok-video');
      assert.equal(tiktok?.post_id, golden.envelope.entity_id);
      assert.equal(tiktok?.text, golden.text);
      assert.deepEqual(tiktok?.hashtags, golden.hashtags);
      assert.equal(tiktok?.tiktok_share_url, golden.extensions.tiktok?.share_url);
      assert.equal(tiktok?.source_topic, 'social.curated.posts');
      assert.match(String(tiktok?.source_offset), /^\d+$/);
      assert.equal(tiktok?.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
      assert.equal(tiktok?.is_deleted, 0);

      const engagement = await rows<{ platform: string; engagement: string; posts: string }>(
        `SELECT platform, sum(engagement) AS engagement, count() AS posts FROM ${database}.engagement_hourly FINAL
         GROUP BY platform, account_id, hour ORDER BY platform`,
      );
      const expected = goldenRecords('io.tributary.social.PostMetricsSnapshot')
        .map((entry) => entry.record)
        .filter((record) => record.period === null)
        .map((record) => ({
          platform: record.envelope.platform,
          engagement: String((record.likes ?? 0) + (record.comments ?? 0) + (record.shares ?? 0) + (record.saves ?? 0)),
          posts: '1',
        }))
        .sort((a, b) => a.platform.localeCompare(b.platform));
      assert.deepEqual(engagement, expected);
    });

    it('collapse versions of an entity: FINAL and the argMax query agree on the newest version', async () => {
      const post = goldenRecord('io.tributary.social.Post', 'instagram-reel');
      const edited: Post = structuredClone(post);
      edited.text = 'edited caption';
      edited.envelope.observation = 'content:edited';
      edited.envelope.event_id = computeEventId(edited.envelope);
      edited.envelope.collected_at = post.envelope.collected_at + HOUR;
      await land(database, 'io.tributary.social.Post', [edited]);
      await land(database, 'io.tributary.social.Post', [post]); // a late re-delivery of the older version

      const where = `platform = 'INSTAGRAM' AND post_id = '${post.envelope.entity_id}'`;
      const [final] = await rows<{ text: string; n: string }>(
        `SELECT any(text) AS text, count() AS n FROM ${database}.posts FINAL WHERE ${where}`,
      );
      assert.deepEqual(final, { text: 'edited caption', n: '1' });
      const argMax = await rows<{ text: string }>(
        `SELECT argMax(text, collected_at) AS text FROM ${database}.posts WHERE ${where}
         GROUP BY platform, post_id HAVING argMax(is_deleted, collected_at) = 0`,
      );
      assert.deepEqual(argMax, [{ text: 'edited caption' }]);
    });

    it('keep one row per metric snapshot: a re-collection in the same bucket replaces it, and the aggregate does not double', async () => {
      const snapshot = goldenRecord('io.tributary.social.PostMetricsSnapshot', 'tiktok-video');
      const recollected: PostMetricsSnapshot = structuredClone(snapshot);
      recollected.envelope.collected_at += 60_000;
      recollected.envelope.observed_at += 60_000;
      recollected.views = (snapshot.views ?? 0) + 100;
      const before = await rows<{ engagement: string }>(`SELECT sum(engagement) AS engagement FROM ${database}.engagement_hourly FINAL`);
      await land(database, 'io.tributary.social.PostMetricsSnapshot', [recollected]);
      await land(database, 'io.tributary.social.PostMetricsSnapshot', [recollected]); // delivered twice

      const where = `event_id = '${snapshot.envelope.event_id}'`;
      assert.equal(await count(database, 'landing_post_metrics', where), 3, 'the landing table keeps every observation');
      const final = await rows<{ views: string }>(`SELECT views FROM ${database}.post_metrics FINAL WHERE ${where}`);
      assert.deepEqual(final, [{ views: String(recollected.views) }]);
      const argMax = await rows<{ views: string }>(
        `SELECT argMax(views, collected_at) AS views FROM ${database}.post_metrics WHERE ${where} GROUP BY event_id`,
      );
      assert.deepEqual(argMax, [{ views: String(recollected.views) }]);
      const [latest] = await rows<{ views: string }>(`SELECT views FROM ${database}.post_metrics_latest FINAL WHERE platform = 'TIKTOK'`);
      assert.equal(latest?.views, String(recollected.views));
      assert.deepEqual(await rows(`SELECT sum(engagement) AS engagement FROM ${database}.engagement_hourly FINAL`), before);
    });

    it('hide deleted posts and revoked accounts from FINAL reads of entities and latest metrics', async () => {
      const tiktokPost = goldenRecord('io.tributary.social.Post', 'tiktok-video');
      const gone: Deletion = structuredClone(goldenRecord('io.tributary.social.Deletion', 'youtube-video-gone'));
      gone.envelope.platform = 'TIKTOK';
      gone.envelope.entity_id = tiktokPost.envelope.entity_id;
      gone.envelope.collected_at = tiktokPost.envelope.collected_at + 5 * HOUR;
      gone.envelope.observed_at = tiktokPost.envelope.observed_at + 5 * HOUR;
      gone.envelope.event_id = computeEventId(gone.envelope);
      gone.account_id = tiktokPost.account_id;
      // The golden deletions: an Instagram data-deletion request, TikTok authorization removed, a YouTube video gone.
      await land(database, 'io.tributary.social.Deletion', [
        ...goldenRecords('io.tributary.social.Deletion').map((entry) => entry.record),
        gone,
      ]);

      assert.equal(await count(database, 'deletions FINAL'), 4);
      assert.equal(await count(database, 'posts FINAL', "platform = 'TIKTOK'"), 0);
      assert.equal(await count(database, 'posts FINAL'), 2);
      assert.equal(await count(database, 'posts', "platform = 'TIKTOK' AND is_deleted = 1"), 1, 'the tombstone row says why');
      assert.equal(await count(database, 'post_metrics_latest FINAL', "platform = 'TIKTOK'"), 0);
      assert.equal(await count(database, 'accounts FINAL', "platform = 'TIKTOK'"), 0, 'authorization removed hides the account');
      assert.equal(await count(database, 'account_metrics_latest FINAL', "platform = 'TIKTOK'"), 0);
      const argMax = await rows(
        `SELECT post_id FROM ${database}.posts WHERE platform = 'TIKTOK' GROUP BY platform, post_id HAVING argMax(is_deleted, collected_at) = 0`,
      );
      assert.deepEqual(argMax, []);
      assert.equal(await count(database, 'post_metrics FINAL', "platform = 'TIKTOK'"), 1, 'history stays until an erasure job removes it');
    });

    it('quarantine keeps the original bytes, sent base64-encoded in JSON', async () => {
      const payload = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x41]);
      await insert(
        database,
        'quarantine',
        [
          {
            failed_at: toDateTime64(Date.now(), 'failed_at'),
            stage: 'quality',
            service: 'transform-quality',
            origin_topic: 'social.enriched.posts',
            origin_partition: 4,
            origin_offset: '9007199254740993',
            reason_codes: ['TIMESTAMP_IN_SECONDS', 'TEXT_TOO_LONG'],
            error_message: 'observed_at looks like seconds',
            payload_base64: payload.toString('base64'),
            source_topic: 'social.quarantine.posts',
            source_partition: 0,
            source_offset: '12',
          },
        ],
        'social.quarantine.posts:0:12-12',
      );
      const [row] = await rows<{ payload: string; reason_codes: string[]; origin_offset: string }>(
        `SELECT hex(payload) AS payload, reason_codes, origin_offset FROM ${database}.quarantine`,
      );
      assert.deepEqual(row, {
        payload: payload.toString('hex').toUpperCase(),
        reason_codes: ['TIMESTAMP_IN_SECONDS', 'TEXT_TOO_LONG'],
        origin_offset: '9007199254740993',
      });
    });
  });

  describe('schema evolution: a new optional Avro field reaches a new column without losing events in flight', () => {
    it('adds tiktok_is_ad through a new migration (0099) while old-shape inserts keep landing in both tables', async () => {
      // The evolved contract: TikTokPostExtension gains an optional is_ad (compatible both ways, ADR 0010).
      const oldSchema = EVENT_SCHEMAS['io.tributary.social.Post'].schema;
      const newSchema = structuredClone(oldSchema) as Record<string, unknown>;
      const tiktokExtension = findRecord(newSchema, 'TikTokPostExtension');
      (tiktokExtension.fields as unknown[]).push({ name: 'is_ad', type: ['null', 'boolean'], default: null, doc: 'Branded content flag.' });
      const oldType = avro.Type.forSchema(oldSchema as avro.Schema);
      const newType = avro.Type.forSchema(newSchema as avro.Schema);
      const oldReadsNew = oldType.createResolver(newType);
      newType.createResolver(oldType); // new readers read old records: throws if incompatible

      const database = newDatabase();
      const dir = copyMigrations();
      await migrate(client, { database, directory: dir });

      // Producers already write the new schema. The running (old) sink resolves to its own schema,
      // drops is_ad, and keeps inserting while the migration runs.
      const golden = goldenRecord('io.tributary.social.Post', 'tiktok-video');
      const produce = (i: number, isAd: boolean | null): Buffer => {
        const record = structuredClone(golden) as Post & { extensions: { tiktok: Record<string, unknown> } };
        record.envelope.entity_id = `evolution-${i}`;
        record.envelope.event_id = computeEventId(record.envelope);
        record.extensions.tiktok.is_ad = isAd;
        return newType.toBuffer(record);
      };
      let inserted = 0;
      const failures: unknown[] = [];
      let stop = false;
      const oldSink = (async () => {
        for (let i = 0; !stop; i += 1) {
          const record = oldType.fromBuffer(produce(i, true), oldReadsNew) as Post;
          try {
            await land(database, 'io.tributary.social.Post', [record], `social.curated.posts:0:${i}-${i}`);
            inserted += 1;
          } catch (error) {
            failures.push(error);
          }
        }
      })();
      const until = async (n: number): Promise<void> => {
        while (inserted < n && failures.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      };

      await until(5);
      writeFileSync(
        join(dir, '0099_tiktok_post_is_ad.sql'),
        `-- TikTokPostExtension.is_ad → tiktok_is_ad. The view target first, then the landing table:
-- SELECT * views pass a new landing column on as soon as the target has it.
ALTER TABLE \${database}.posts ADD COLUMN IF NOT EXISTS tiktok_is_ad Nullable(Bool) DEFAULT NULL AFTER tiktok_music_id;
ALTER TABLE \${database}.landing_posts ADD COLUMN IF NOT EXISTS tiktok_is_ad Nullable(Bool) DEFAULT NULL AFTER tiktok_music_id;
`,
      );
      const evolved = await migrate(client, { database, directory: dir });
      assert.deepEqual(
        evolved.applied.map((m) => m.file),
        ['0099_tiktok_post_is_ad.sql'],
      );
      const atMigration = inserted;
      await until(atMigration + 5);
      stop = true;
      await oldSink;
      assert.deepEqual(failures, [], 'no old-shape insert failed during or after the migration');

      // The upgraded sink reads with the new schema and fills the new column.
      const upgraded = newType.fromBuffer(produce(1_000_000, true)) as Post;
      const row = landingRow('io.tributary.social.Post', upgraded, lineage('social.curated.posts')).row;
      assert.equal(row.tiktok_is_ad, true);
      await insert(database, 'landing_posts', [row], 'social.curated.posts:0:1000000-1000000');

      const where = "post_id LIKE 'evolution-%'";
      assert.equal(await count(database, 'landing_posts', where), inserted + 1, 'every event landed');
      assert.equal(await count(database, 'posts FINAL', where), inserted + 1, 'and reached the final table through the view');
      assert.equal(await count(database, 'posts FINAL', `${where} AND tiktok_is_ad IS NULL`), inserted, 'old-shape rows take the default');
      assert.deepEqual(await rows(`SELECT post_id, tiktok_is_ad FROM ${database}.posts FINAL WHERE tiktok_is_ad`), [
        { post_id: 'evolution-1000000', tiktok_is_ad: true },
      ]);
    });
  });
});

/** The record schema named `name` anywhere inside a resolved schema. */
function findRecord(node: unknown, name: string): Record<string, unknown> {
  const found = search(node, name);
  if (!found) throw new Error(`record ${name} not found`);
  return found;
}

function search(node: unknown, name: string): Record<string, unknown> | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const record = node as Record<string, unknown>;
  if (!Array.isArray(node) && record.type === 'record' && record.name === name) return record;
  for (const value of Object.values(record)) {
    const found = search(value, name);
    if (found) return found;
  }
  return undefined;
}
