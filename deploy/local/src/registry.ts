// Apicurio Registry 3.0.9 as the local Confluent-API schema registry (why 3.0.9 and how it
// differs from Confluent: docs/adr/0007). Storage: an H2 database file under the stack dir, so
// schemas (and their ids, which Kafka records carry) live as long as the Kafka data they
// describe; up --fresh wipes both.
// - artifact: io.apicurio:apicurio-registry-app:3.0.9:tar.gz:all from Maven Central, downloaded
//   directly (Maven cannot resolve it, see maven.ts), unpacked once into the downloads dir;
// - run: java -jar apicurio-registry-app-3.0.9-runner.jar (Quarkus legacy-jar layout) on 127.0.0.1;
// - ready: GET /health/ready answers 200; then the global compatibility is set to BACKWARD.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { extractTarGz, readCompleteMarker, zipProblem } from './archive.ts';
import { httpAnswers } from './components.ts';
import type { Component, ComponentContext } from './components.ts';
import { TributaryError } from '@tributary/errors';
import { downloadCorrupt } from './errors.ts';
import { withLock } from './lock.ts';
import { downloadArtifact, localRepositoryDir } from './maven.ts';
import type { ArtifactCoordinates } from './maven.ts';
import { LOOPBACK } from './ports.ts';

export const REGISTRY_VERSION = '3.0.9';
export const REGISTRY_ARTIFACT: ArtifactCoordinates = {
  groupId: 'io.apicurio',
  artifactId: 'apicurio-registry-app',
  version: REGISTRY_VERSION,
  classifier: 'all',
  extension: 'tar.gz',
};
const RUNNER_JAR = `apicurio-registry-app-${REGISTRY_VERSION}-runner.jar`;
export const CONFLUENT_API_PATH = '/apis/ccompat/v7';
const LABEL = `Apicurio Registry ${REGISTRY_VERSION}`;

export function registryHome(downloadsDir: string): string {
  return join(downloadsDir, `apicurio-registry-${REGISTRY_VERSION}`);
}

/**
 * The unpacked distribution, fetching and unpacking it when missing or damaged. A cached archive
 * that does not unpack is deleted and downloaded once more; if that fails too, STACK_DOWNLOAD_CORRUPT.
 */
export async function ensureRegistryHome(context: ComponentContext): Promise<string> {
  const { settings, logger } = context;
  const home = registryHome(settings.downloadsDir);
  const unpacked = async () => (await readCompleteMarker(home)) !== undefined && (await zipProblem(join(home, RUNNER_JAR))) === undefined;
  if (await unpacked()) return home;
  return withLock(join(settings.downloadsDir, '.lock'), settings.downloadTimeoutMs, logger, async () => {
    if (await unpacked()) return home; // unpacked by another process while we waited for the lock
    const download = {
      remoteRepositoryUrl: settings.maven.remoteRepositoryUrl,
      localRepository: localRepositoryDir(settings.maven.localRepository),
      timeoutMs: settings.downloadTimeoutMs,
      logger,
      label: LABEL,
    };
    let archive = await downloadArtifact(REGISTRY_ARTIFACT, download);
    let problem = await unpack(archive, home);
    if (problem) {
      logger.warn({ archive, problem }, `The cached ${LABEL} archive is damaged (${problem}); downloading it again`);
      await rm(archive, { force: true });
      await rm(`${archive}.sha1`, { force: true });
      archive = await downloadArtifact(REGISTRY_ARTIFACT, download);
      problem = await unpack(archive, home);
      if (problem) throw downloadCorrupt(`${LABEL} archive`, archive, problem);
    }
    logger.info({ home }, `${LABEL} unpacked`);
    return home;
  });
}

async function unpack(archive: string, home: string): Promise<string | undefined> {
  try {
    await extractTarGz(archive, home, { source: archive });
  } catch (error) {
    return (error as Error).message;
  }
  const runnerProblem = await zipProblem(join(home, RUNNER_JAR));
  if (runnerProblem) {
    await rm(home, { recursive: true, force: true });
    return `${RUNNER_JAR}: ${runnerProblem}`;
  }
  return undefined;
}

function baseUrl(port: number): string {
  return `http://${LOOPBACK}:${port}`;
}

export const registry: Component = {
  name: 'registry',
  displayName: `Schema registry (Apicurio ${REGISTRY_VERSION})`,
  version: REGISTRY_VERSION,
  usesJava: true,

  ports: (settings) => [
    {
      key: 'http',
      setting: 'registry.port',
      port: settings.registry.port,
      purpose: 'schema registry HTTP',
      env: 'TRIBUTARY_STACK_REGISTRY_PORT',
    },
  ],

  endpoint: (settings) => `${baseUrl(settings.registry.port)}${CONFLUENT_API_PATH}`,

  async preflight() {},

  async prepare(context) {
    await mkdir(context.layout.registryDataDir, { recursive: true });
    await ensureRegistryHome(context);
  },

  async launch(context) {
    const { settings, layout } = context;
    const home = await ensureRegistryHome(context);
    return {
      command: settings.java.command,
      args: [
        '-Xms128m',
        `-Xmx${settings.registry.heapMb}m`,
        '-Djava.util.logging.manager=org.jboss.logmanager.LogManager',
        `-Dquarkus.http.host=${LOOPBACK}`,
        `-Dquarkus.http.port=${settings.registry.port}`,
        // Confluent's default; Apicurio's is none. Enforced for every subject without its own rule.
        '-Dapicurio.rules.global.compatibility=BACKWARD',
        // File-backed H2: ids must survive restarts, because Kafka keeps the records that carry them.
        `-Dapicurio.datasource.url=jdbc:h2:file:${join(layout.registryDataDir, 'registry')}`,
        // A local H2 file needs no pool of 20 connections.
        '-Dapicurio.datasource.jdbc.initial-size=2',
        '-Dapicurio.datasource.jdbc.min-size=2',
        // 3.0.9 ships a broken date pattern (YYYY-MMx-dd) and hides Quarkus' "started in" line.
        '-Dquarkus.log.console.format=%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c{3.}] (%t) %s%e%n',
        '-Dquarkus.log.category."io.quarkus".level=INFO',
        `-Dtributary.stack=${settings.dir}`,
        '-jar',
        join(home, RUNNER_JAR),
      ],
      env: context.env,
      cwd: join(layout.dir, 'registry'),
    };
  },

  async readiness(context) {
    return (await httpAnswers(`${baseUrl(context.settings.registry.port)}/health/ready`)) ? undefined : 'GET /health/ready to answer 200';
  },

  /** Makes GET /config report BACKWARD, as Confluent's does (the -D flag alone enforces it but reports NONE). */
  async afterReady(context) {
    const url = `${baseUrl(context.settings.registry.port)}${CONFLUENT_API_PATH}/config`;
    const response = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: 'BACKWARD' }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      throw new TributaryError(
        'STACK_REGISTRY_SETUP_FAILED',
        `Setting the registry's global compatibility failed: PUT ${url} answered HTTP ${response.status}.`,
        {
          failureType: 'system',
          hint: `See ${context.layout.logFile('registry')}; run up again.`,
          details: { body: (await response.text()).slice(0, 500) },
        },
      );
    }
  },

  healthy: (context) => httpAnswers(`${baseUrl(context.settings.registry.port)}/health/ready`),

  async wipe(context) {
    await rm(context.layout.registryDataDir, { recursive: true, force: true });
  },

  dataDir: (layout) => layout.registryDataDir,
};
