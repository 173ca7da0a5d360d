// Fetching from Maven Central. Two ways, both caching in the Maven local repository (~/.m2):
// - resolveDependencies: Maven itself resolves a committed POM's runtime closure and copies the
//   jars out (Kafka's broker is ~46 jars; transitive resolution is Maven's job, not ours);
// - downloadArtifact: one file by coordinates over HTTPS, checked against the repository's
//   published checksum. Used where Maven cannot resolve an artifact: Apicurio 3.0.9's POM names
//   a parent (io.apicurio:apicurio-registry:3.0.9) that was never published to Central, so every
//   Maven goal fails with "Failed to read artifact descriptor", although the archive is there.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '@tributary/telemetry';
import { downloadFailed } from './errors.ts';

/** The dependency plugin pinned, so no Maven default decides what runs. */
export const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

export interface ArtifactCoordinates {
  groupId: string;
  artifactId: string;
  version: string;
  classifier?: string;
  extension: string;
}

/** groupId/artifactId/version/artifactId-version[-classifier].extension, relative to a repository root. */
export function repositoryPath(coordinates: ArtifactCoordinates): string {
  const { groupId, artifactId, version, classifier, extension } = coordinates;
  const file = `${artifactId}-${version}${classifier ? `-${classifier}` : ''}.${extension}`;
  return [...groupId.split('.'), artifactId, version, file].join('/');
}

/** The Maven local repository: the configured one, or Maven's default under the home directory. */
export function localRepositoryDir(configured: string): string {
  return configured === '' ? join(homedir(), '.m2', 'repository') : configured;
}

export interface MavenRun {
  command: string;
  env: Record<string, string | undefined>;
  /** Empty: Maven's own default. */
  localRepository: string;
  timeoutMs: number;
}

/**
 * Copies the runtime closure of `pom` into `outputDir` in repository layout
 * (outputDir/org/apache/kafka/kafka_2.13/4.1.1/kafka_2.13-4.1.1.jar), so each jar maps back to
 * its file in the local repository. Returns the jar paths relative to outputDir.
 */
export async function resolveDependencies(run: MavenRun, pom: string, outputDir: string): Promise<string[]> {
  const args = [
    '-B',
    '-q',
    '-ntp',
    '-f',
    pom,
    `${DEPENDENCY_PLUGIN}:copy-dependencies`,
    '-DincludeScope=runtime',
    '-Dmdep.useRepositoryLayout=true',
    '-Dmdep.copyPom=false',
    '-Dmdep.overWriteReleases=true',
    `-DoutputDirectory=${outputDir}`,
    ...(run.localRepository === '' ? [] : [`-Dmaven.repo.local=${run.localRepository}`]),
  ];
  await new Promise<void>((resolve, reject) => {
    execFile(run.command, args, { env: run.env, timeout: run.timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve();
      const output = `${stdout}\n${stderr}`
        .split('\n')
        // eslint-disable-next-line no-control-regex -- strip Maven's ANSI colours
        .map((line) => line.replace(/\x1b\[[0-9;]*m/g, '').trimEnd())
        .filter(
          (line) => line.startsWith('[ERROR]') && !/Re-run Maven|For more information|Help 1|^\[ERROR\] *$|-e switch|-X switch/.test(line),
        );
      const reason = error.killed ? `Maven did not finish within ${run.timeoutMs} ms` : output.slice(0, 6).join('\n') || error.message;
      reject(downloadFailed(`the Kafka broker's jars (mvn -f ${pom})`, reason, error));
    });
  });
  return (await listFiles(outputDir)).filter((file) => file.endsWith('.jar')).sort();
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

export interface DownloadOptions {
  remoteRepositoryUrl: string;
  localRepository: string;
  timeoutMs: number;
  logger: Logger;
  /** Shown in progress lines, e.g. "Apicurio Registry 3.0.9". */
  label: string;
}

/**
 * Returns the artifact's path in the local repository, downloading it first if it is not there.
 * The download streams to a .part file, is checked against the remote .sha1, and only then is
 * renamed into place, so the cache never holds a half-written file under the real name.
 */
export async function downloadArtifact(coordinates: ArtifactCoordinates, options: DownloadOptions): Promise<string> {
  const path = repositoryPath(coordinates);
  const target = join(options.localRepository, ...path.split('/'));
  if (await exists(target)) return target;

  const url = `${options.remoteRepositoryUrl.replace(/\/$/, '')}/${path}`;
  const signal = AbortSignal.timeout(options.timeoutMs);
  const expectedSha1 = (await fetchText(`${url}.sha1`, signal)).trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{40}$/.test(expectedSha1)) throw downloadFailed(options.label, `${url}.sha1 is not a SHA-1 checksum`);

  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (cause) {
    throw downloadFailed(options.label, `GET ${url} failed: ${(cause as Error).message}`, cause);
  }
  if (!response.ok || !response.body) throw downloadFailed(options.label, `GET ${url} answered HTTP ${response.status}`);
  const size = Number(response.headers.get('content-length') ?? 0);
  options.logger.info(
    { url, bytes: size || undefined },
    `Downloading ${options.label}${size ? ` (${Math.round(size / 1_048_576)} MiB)` : ''}`,
  );

  const started = Date.now();
  await mkdir(dirname(target), { recursive: true });
  const part = `${target}.${process.pid}.part`;
  const hash = createHash('sha1');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body), hashing, createWriteStream(part));
  } catch (cause) {
    await rm(part, { force: true });
    throw downloadFailed(options.label, `download of ${url} was interrupted: ${(cause as Error).message}`, cause);
  }
  const actualSha1 = hash.digest('hex');
  if (actualSha1 !== expectedSha1) {
    await rm(part, { force: true });
    throw downloadFailed(options.label, `checksum mismatch for ${url}: expected SHA-1 ${expectedSha1}, got ${actualSha1}`);
  }
  await writeFile(`${target}.sha1`, `${expectedSha1}\n`);
  await rename(part, target);
  options.logger.info({ file: target, durationMs: Date.now() - started }, `Downloaded ${options.label}`);
  return target;
}

async function fetchText(url: string, signal: AbortSignal): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (cause) {
    throw downloadFailed(url, (cause as Error).message, cause);
  }
  if (!response.ok) throw downloadFailed(url, `HTTP ${response.status}`);
  return response.text();
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
