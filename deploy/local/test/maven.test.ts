import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadArtifact, repositoryPath } from '../src/maven.ts';
import type { ArtifactCoordinates } from '../src/maven.ts';
import { fakeRepository, memoryLogger, sha1, tempDir } from './fixtures.ts';

describe('local-stack/maven', () => {
  const artifact: ArtifactCoordinates = {
    groupId: 'io.example',
    artifactId: 'thing',
    version: '1.2.3',
    classifier: 'all',
    extension: 'tar.gz',
  };
  const path = `/maven2/${repositoryPath(artifact)}`;

  it('lays out coordinates like Maven does', () => {
    assert.equal(repositoryPath(artifact), 'io/example/thing/1.2.3/thing-1.2.3-all.tar.gz');
    assert.equal(
      repositoryPath({ groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: '4.1.1', extension: 'jar' }),
      'org/apache/kafka/kafka_2.13/4.1.1/kafka_2.13-4.1.1.jar',
    );
  });

  it('downloads into the local repository once, verified against the published SHA-1', async () => {
    const body = Buffer.from('payload '.repeat(1000));
    const repo = await fakeRepository(
      new Map<string, Buffer | string>([
        [path, body],
        [`${path}.sha1`, `${sha1(body)}  thing-1.2.3-all.tar.gz\n`],
      ]),
    );
    const localRepository = tempDir('m2');
    const options = { remoteRepositoryUrl: repo.url, localRepository, timeoutMs: 10_000, logger: memoryLogger().logger, label: 'Thing' };
    try {
      const file = await downloadArtifact(artifact, options);
      assert.equal(file, join(localRepository, 'io/example/thing/1.2.3/thing-1.2.3-all.tar.gz'));
      assert.deepEqual(readFileSync(file), body);
      await downloadArtifact(artifact, options);
      assert.equal(repo.requests.filter((url) => url === path).length, 1, 'a cached artifact is not fetched again');
    } finally {
      repo.server.close();
    }
  });

  it('refuses a download whose checksum does not match, and caches nothing', async () => {
    const repo = await fakeRepository(
      new Map<string, Buffer | string>([
        [path, 'tampered'],
        [`${path}.sha1`, sha1('original')],
      ]),
    );
    const localRepository = tempDir('m2');
    try {
      await assert.rejects(
        downloadArtifact(artifact, {
          remoteRepositoryUrl: repo.url,
          localRepository,
          timeoutMs: 10_000,
          logger: memoryLogger().logger,
          label: 'Thing',
        }),
        (error: Error & { code: string }) => error.code === 'STACK_DOWNLOAD_FAILED' && /checksum mismatch/.test(error.message),
      );
      assert.ok(!existsSync(join(localRepository, 'io/example/thing/1.2.3/thing-1.2.3-all.tar.gz')));
    } finally {
      repo.server.close();
    }
  });

  it('explains a missing artifact', async () => {
    const repo = await fakeRepository(new Map());
    try {
      await assert.rejects(
        downloadArtifact(artifact, {
          remoteRepositoryUrl: repo.url,
          localRepository: tempDir('m2'),
          timeoutMs: 10_000,
          logger: memoryLogger().logger,
          label: 'Thing',
        }),
        (error: Error & { code: string; hint: string }) =>
          error.code === 'STACK_DOWNLOAD_FAILED' && /HTTP 404/.test(error.message) && /Maven Central/.test(error.hint),
      );
    } finally {
      repo.server.close();
    }
  });
});
