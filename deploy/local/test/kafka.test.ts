import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComponentContext } from '../src/components.ts';
import {
  KAFKA_LOG4J_CONFIG,
  KAFKA_POM,
  KAFKA_VERSION,
  ensureKafkaJars,
  kafkaJarsDir,
  kafkaServerProperties,
  newClusterId,
} from '../src/kafka.ts';
import { stackLayout } from '../src/layout.ts';
import { loadStackSettings } from '../src/spec.ts';
import { fakeExecutable, memoryLogger, tempDir, zipBytes } from './fixtures.ts';

function parse(properties: string): Map<string, string> {
  const entries = properties
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as [string, string];
    });
  return new Map(entries);
}

describe('local-stack/kafka', () => {
  describe('kafkaServerProperties', () => {
    const properties = parse(kafkaServerProperties({ port: 19092, controllerPort: 19093, dataDir: '/tmp/stack/kafka/data' }));

    it('runs one combined broker+controller with a static quorum of itself', () => {
      assert.equal(properties.get('process.roles'), 'broker,controller');
      assert.equal(properties.get('node.id'), '1');
      assert.equal(properties.get('controller.quorum.voters'), '1@127.0.0.1:19093');
      assert.equal(properties.get('controller.listener.names'), 'CONTROLLER');
    });

    it('binds and advertises loopback only, on the configured ports', () => {
      assert.equal(properties.get('listeners'), 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
      assert.equal(properties.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:19092');
      for (const value of properties.values()) assert.doesNotMatch(value, /0\.0\.0\.0|localhost/);
    });

    it('never creates topics implicitly', () => {
      assert.equal(properties.get('auto.create.topics.enable'), 'false');
    });

    it('sizes internal topics for one node: RF 1, one partition, no rebalance delay', () => {
      assert.equal(properties.get('offsets.topic.replication.factor'), '1');
      assert.equal(properties.get('offsets.topic.num.partitions'), '1');
      assert.equal(properties.get('transaction.state.log.replication.factor'), '1');
      assert.equal(properties.get('transaction.state.log.min.isr'), '1');
      assert.equal(properties.get('transaction.state.log.num.partitions'), '1');
      assert.equal(properties.get('share.coordinator.state.topic.replication.factor'), '1');
      assert.equal(properties.get('group.initial.rebalance.delay.ms'), '0');
    });

    it('keeps data in the given absolute directory', () => {
      assert.equal(properties.get('log.dirs'), '/tmp/stack/kafka/data');
    });
  });

  it('pins the same Kafka version in pom.xml as in the code', () => {
    const pom = readFileSync(KAFKA_POM, 'utf8');
    assert.match(pom, new RegExp(`<kafka.version>${KAFKA_VERSION.replaceAll('.', '\\.')}</kafka.version>`));
    assert.match(pom, /<artifactId>log4j-slf4j-impl<\/artifactId>/, "the SLF4J binding is not in kafka_2.13's POM and must be added");
  });

  it('ships the log4j2 configuration the broker is started with', () => {
    assert.ok(existsSync(KAFKA_LOG4J_CONFIG));
    assert.match(readFileSync(KAFKA_LOG4J_CONFIG, 'utf8'), /rootLogger\.level = INFO/);
  });
});

describe('local-stack/kafka jars cache', () => {
  const JAR = 'org/example/lib/1.0/lib-1.0.jar';
  const goodJar = zipBytes({ 'org/example/Lib.class': 'bytes' });

  /** A stand-in for mvn: "downloads" JAR into the local repository if absent, then copies it out in repository layout. */
  function setup(remoteJar: Buffer | undefined = goodJar) {
    const root = tempDir('kafka-jars');
    const bin = join(root, 'bin');
    const remote = join(root, 'remote.jar');
    if (remoteJar) writeFileSync(remote, remoteJar);
    fakeExecutable(
      bin,
      'mvn',
      [
        'for a in "$@"; do case "$a" in',
        '  -v) echo "Apache Maven 3.9.9 (fake)"; exit 0;;',
        '  -DoutputDirectory=*) out="${a#-DoutputDirectory=}";;',
        '  -Dmaven.repo.local=*) repo="${a#-Dmaven.repo.local=}";;',
        'esac; done',
        `rel=${JAR}`,
        '[ -f "$repo/$rel" ] || { mkdir -p "$(dirname "$repo/$rel")"; cp "$FAKE_REMOTE_JAR" "$repo/$rel"; }',
        'mkdir -p "$(dirname "$out/$rel")" && cp "$repo/$rel" "$out/$rel"',
      ].join('\n'),
    );
    const localRepository = join(root, 'm2');
    const settings = loadStackSettings({ env: {}, overrides: { dir: join(root, 'stack'), 'maven.localRepository': localRepository } });
    const { logger, lines } = memoryLogger();
    const context: ComponentContext = {
      settings,
      layout: stackLayout(settings.dir, settings.downloadsDir),
      env: { PATH: `${bin}:/usr/bin:/bin`, FAKE_REMOTE_JAR: remote },
      logger,
    };
    mkdirSync(settings.downloadsDir, { recursive: true });
    return {
      context,
      localRepository,
      cacheDir: kafkaJarsDir(settings.downloadsDir),
      warnings: () =>
        lines()
          .filter((l) => l.level === 'warn')
          .map((l) => l.msg),
    };
  }

  it('resolves the jars once and serves the classpath from the cache afterwards', async () => {
    const { context, cacheDir } = setup();
    assert.deepEqual(await ensureKafkaJars(context), [join(cacheDir, JAR)]);
    context.env = { PATH: '/nonexistent' }; // no Maven any more: the cache must suffice
    assert.deepEqual(await ensureKafkaJars(context), [join(cacheDir, JAR)]);
  });

  it('fetches again when a cached jar was damaged', async () => {
    const { context, cacheDir, warnings } = setup();
    await ensureKafkaJars(context);
    truncateSync(join(cacheDir, JAR), 20);
    await ensureKafkaJars(context);
    assert.deepEqual(readFileSync(join(cacheDir, JAR)), goodJar);
    assert.match(warnings().join('\n'), /Cached Kafka jars are damaged \(org\/example\/lib\/1\.0\/lib-1\.0\.jar\); fetching them again/);
  });

  it('deletes a damaged jar from the Maven local repository and resolves it again', async () => {
    const { context, localRepository, cacheDir, warnings } = setup();
    mkdirSync(join(localRepository, 'org/example/lib/1.0'), { recursive: true });
    writeFileSync(join(localRepository, JAR), goodJar.subarray(0, 30));
    await ensureKafkaJars(context);
    assert.deepEqual(readFileSync(join(cacheDir, JAR)), goodJar);
    assert.deepEqual(readFileSync(join(localRepository, JAR)), goodJar);
    assert.match(warnings().join('\n'), /Maven's cache holds damaged jars/);
  });

  it('gives up with STACK_DOWNLOAD_CORRUPT when the jar arrives damaged twice', async () => {
    const { context, cacheDir } = setup(goodJar.subarray(0, 30));
    await assert.rejects(ensureKafkaJars(context), (error: Error & { code: string }) => {
      assert.equal(error.code, 'STACK_DOWNLOAD_CORRUPT');
      assert.match(error.message, /lib-1\.0\.jar is corrupt \(no end-of-central-directory record/);
      return true;
    });
    assert.ok(!existsSync(cacheDir), 'nothing half-fetched is left under the real name');
  });

  it('says how to get Maven when the jars are not cached and mvn is missing', async () => {
    const { context } = setup();
    context.env = { PATH: '/nonexistent' };
    await assert.rejects(ensureKafkaJars(context), { code: 'STACK_MAVEN_MISSING' });
  });
});

describe('local-stack/kafka cluster id', () => {
  it('never starts with "-", which the storage tool would parse as an option (found in CI: 1 in 64 fresh stacks)', () => {
    const leadingDash = Buffer.from('+' + 'A'.repeat(21), 'base64'); // base64url of 0xf8… starts with '-'
    assert.ok(leadingDash.toString('base64url').startsWith('-'));
    const draws = [leadingDash, leadingDash, Buffer.alloc(16, 7)];
    assert.equal(
      newClusterId(() => draws.shift()!),
      Buffer.alloc(16, 7).toString('base64url'),
    );
    for (let i = 0; i < 2_000; i++) assert.match(newClusterId(), /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
