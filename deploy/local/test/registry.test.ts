import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComponentContext } from '../src/components.ts';
import { stackLayout } from '../src/layout.ts';
import { repositoryPath } from '../src/maven.ts';
import { REGISTRY_ARTIFACT, REGISTRY_VERSION, ensureRegistryHome, registryHome } from '../src/registry.ts';
import { loadStackSettings } from '../src/spec.ts';
import { fakeRepository, memoryLogger, sha1, tempDir, zipBytes } from './fixtures.ts';

const RUNNER = `apicurio-registry-app-${REGISTRY_VERSION}-runner.jar`;

function distribution(runnerJar: Buffer): Buffer {
  const source = tempDir('apicurio-src');
  mkdirSync(join(source, 'lib'));
  writeFileSync(join(source, RUNNER), runnerJar);
  writeFileSync(join(source, 'lib', 'dep.jar'), zipBytes({ 'x.class': 'x' }));
  const archive = join(tempDir('apicurio-dist'), 'dist.tar.gz');
  execFileSync('tar', ['-czf', archive, '-C', source, '.']);
  return readFileSync(archive);
}

function context(remoteRepositoryUrl: string): { context: ComponentContext; localRepository: string; warnings: () => string[] } {
  const dir = tempDir('registry-stack');
  const localRepository = tempDir('m2');
  const settings = loadStackSettings({
    env: {},
    overrides: { dir, 'maven.localRepository': localRepository, 'maven.remoteRepositoryUrl': remoteRepositoryUrl },
  });
  const { logger, lines } = memoryLogger();
  return {
    context: { settings, layout: stackLayout(settings.dir, settings.downloadsDir), env: {}, logger },
    localRepository,
    warnings: () =>
      lines()
        .filter((line) => line.level === 'warn')
        .map((line) => line.msg),
  };
}

describe('local-stack/registry distribution cache', () => {
  const path = `/maven2/${repositoryPath(REGISTRY_ARTIFACT)}`;
  const good = distribution(zipBytes({ 'META-INF/MANIFEST.MF': 'Main-Class: io.quarkus.runner.GeneratedMain\n' }));

  it('downloads and unpacks the distribution once', async () => {
    const repo = await fakeRepository(
      new Map<string, Buffer | string>([
        [path, good],
        [`${path}.sha1`, sha1(good)],
      ]),
    );
    try {
      const { context: ctx } = context(repo.url);
      const home = await ensureRegistryHome(ctx);
      assert.equal(home, registryHome(ctx.settings.downloadsDir));
      assert.ok(existsSync(join(home, RUNNER)));
      await ensureRegistryHome(ctx);
      assert.equal(repo.requests.filter((url) => url === path).length, 1);
    } finally {
      repo.server.close();
    }
  });

  it('notices a truncated archive in the Maven cache, says so, and fetches it again', async () => {
    const repo = await fakeRepository(
      new Map<string, Buffer | string>([
        [path, good],
        [`${path}.sha1`, sha1(good)],
      ]),
    );
    try {
      const { context: ctx, localRepository, warnings } = context(repo.url);
      const cached = join(localRepository, repositoryPath(REGISTRY_ARTIFACT));
      mkdirSync(join(cached, '..'), { recursive: true });
      writeFileSync(cached, good.subarray(0, good.length / 2));
      const home = await ensureRegistryHome(ctx);
      assert.ok(existsSync(join(home, RUNNER)));
      assert.deepEqual(readFileSync(cached), good);
      assert.match(warnings().join('\n'), /archive is damaged .*; downloading it again/);
    } finally {
      repo.server.close();
    }
  });

  it('unpacks again when the unpacked runner jar was damaged', async () => {
    const repo = await fakeRepository(
      new Map<string, Buffer | string>([
        [path, good],
        [`${path}.sha1`, sha1(good)],
      ]),
    );
    try {
      const { context: ctx } = context(repo.url);
      const home = await ensureRegistryHome(ctx);
      truncateSync(join(home, RUNNER), 10);
      await ensureRegistryHome(ctx);
      assert.deepEqual(readFileSync(join(home, RUNNER)).subarray(0, 4), Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    } finally {
      repo.server.close();
    }
  });

  it('gives up with STACK_DOWNLOAD_CORRUPT when even a fresh download is damaged', async () => {
    const broken = distribution(Buffer.from('not a jar at all, just text'));
    const repo = await fakeRepository(
      new Map<string, Buffer | string>([
        [path, broken],
        [`${path}.sha1`, sha1(broken)],
      ]),
    );
    try {
      const { context: ctx } = context(repo.url);
      await assert.rejects(ensureRegistryHome(ctx), (error: Error & { code: string; hint: string }) => {
        assert.equal(error.code, 'STACK_DOWNLOAD_CORRUPT');
        assert.match(error.message, /runner\.jar: does not start like a zip file/);
        assert.match(error.hint, /Delete .*tar\.gz and run up again/);
        return true;
      });
      assert.equal(repo.requests.filter((url) => url === path).length, 2, 'fetched once more before giving up');
    } finally {
      repo.server.close();
    }
  });
});
