// Configuration of the local stack: where it keeps its files, which loopback ports it binds,
// how much heap each JVM gets and how long it waits. Declared once here; loaded only through
// @tributary/config (the CLI passes its flags as overrides, tests pass their own env).
import { isAbsolute, join, resolve } from 'node:path';
import type convict from 'convict';
import { loadConfig, repoRoot } from '@tributary/config';

export interface LocalStackSettings {
  dir: string;
  downloadsDir: string;
  startTimeoutMs: number;
  stopTimeoutMs: number;
  downloadTimeoutMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  java: { command: string };
  maven: { command: string; localRepository: string; remoteRepositoryUrl: string };
  kafka: { port: number; controllerPort: number; heapMb: number };
  registry: { port: number; heapMb: number };
  clickhouse: { port: number };
}

export const localStackSchema: convict.Schema<LocalStackSettings> = {
  dir: {
    doc: 'Runtime directory of the local stack (data, logs, pid files); empty means <repo>/.local-stack. Relative paths are resolved from the repository root.',
    format: String,
    default: '',
    env: 'TRIBUTARY_STACK_DIR',
  },
  downloadsDir: {
    doc: 'Where fetched jars and unpacked distributions are kept; empty means <dir>/downloads. Several stack dirs may share one.',
    format: String,
    default: '',
    env: 'TRIBUTARY_STACK_DOWNLOADS_DIR',
  },
  startTimeoutMs: {
    doc: 'Time a component may take from process start to ready (downloads not included).',
    format: 'positive-int',
    default: 120_000,
    env: 'TRIBUTARY_STACK_START_TIMEOUT_MS',
  },
  stopTimeoutMs: {
    doc: 'Time a component gets to exit after SIGTERM before it is killed with SIGKILL.',
    format: 'positive-int',
    default: 30_000,
    env: 'TRIBUTARY_STACK_STOP_TIMEOUT_MS',
  },
  downloadTimeoutMs: {
    doc: 'Time allowed for fetching one component (Maven resolution or an archive download).',
    format: 'positive-int',
    default: 900_000,
    env: 'TRIBUTARY_STACK_DOWNLOAD_TIMEOUT_MS',
  },
  logLevel: {
    doc: "Minimum level of the local stack's own progress lines.",
    format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    env: 'TRIBUTARY_LOG_LEVEL',
  },
  java: {
    command: {
      doc: 'Java 17+ launcher used for Kafka and the registry: a command on PATH or an absolute path.',
      format: String,
      default: 'java',
      env: 'TRIBUTARY_STACK_JAVA',
    },
  },
  maven: {
    command: {
      doc: "Maven launcher used to resolve the Kafka broker's jars (only needed until they are cached).",
      format: String,
      default: 'mvn',
      env: 'TRIBUTARY_STACK_MAVEN',
    },
    localRepository: {
      doc: "Maven local repository used as the download cache; empty means Maven's default (~/.m2/repository).",
      format: String,
      default: '',
      env: 'TRIBUTARY_STACK_MAVEN_LOCAL_REPOSITORY',
    },
    remoteRepositoryUrl: {
      doc: 'Maven repository the registry distribution is downloaded from (Maven Central or a mirror of it).',
      format: 'http-url',
      default: 'https://repo.maven.apache.org/maven2',
      env: 'TRIBUTARY_STACK_MAVEN_REMOTE_REPOSITORY_URL',
    },
  },
  kafka: {
    port: { doc: 'Kafka client listener (PLAINTEXT) on 127.0.0.1.', format: 'port', default: 9092, env: 'TRIBUTARY_STACK_KAFKA_PORT' },
    controllerPort: {
      doc: 'Kafka KRaft controller listener on 127.0.0.1.',
      format: 'port',
      default: 9093,
      env: 'TRIBUTARY_STACK_KAFKA_CONTROLLER_PORT',
    },
    heapMb: {
      doc: 'Maximum heap of the Kafka JVM (-Xmx), in MiB.',
      format: 'positive-int',
      default: 768,
      env: 'TRIBUTARY_STACK_KAFKA_HEAP_MB',
    },
  },
  registry: {
    port: {
      doc: 'Schema registry (Apicurio) HTTP port on 127.0.0.1; the Confluent API is at /apis/ccompat/v7.',
      format: 'port',
      default: 8081,
      env: 'TRIBUTARY_STACK_REGISTRY_PORT',
    },
    heapMb: {
      doc: 'Maximum heap of the registry JVM (-Xmx), in MiB.',
      format: 'positive-int',
      default: 512,
      env: 'TRIBUTARY_STACK_REGISTRY_HEAP_MB',
    },
  },
  clickhouse: {
    port: {
      doc: 'Embedded ClickHouse HTTP interface on 127.0.0.1.',
      format: 'port',
      default: 8123,
      env: 'TRIBUTARY_STACK_CLICKHOUSE_PORT',
    },
  },
};

export interface SettingsSource {
  /** Environment to read settings from (and hand to child processes). Defaults to this process's. */
  env?: Record<string, string | undefined>;
  /** Values that win over everything, e.g. CLI flags: { 'kafka.port': 19092, dir: '/tmp/stack' }. */
  overrides?: Record<string, unknown>;
  /** JSON config files holding only local-stack keys. */
  configFiles?: string[];
}

/** Validated settings with `dir` and `downloadsDir` resolved to absolute paths. */
export function loadStackSettings(source: SettingsSource = {}): LocalStackSettings {
  const { values } = loadConfig(localStackSchema, {
    ...(source.env === undefined ? {} : { env: source.env }),
    files: source.configFiles ?? [],
    ...(source.overrides === undefined ? {} : { overrides: source.overrides }),
  });
  const root = repoRoot();
  const dir = values.dir === '' ? join(root, '.local-stack') : absoluteFrom(root, values.dir);
  const downloadsDir = values.downloadsDir === '' ? join(dir, 'downloads') : absoluteFrom(root, values.downloadsDir);
  return {
    ...values,
    dir,
    downloadsDir,
    java: { ...values.java },
    maven: { ...values.maven },
    kafka: { ...values.kafka },
    registry: { ...values.registry },
    clickhouse: { ...values.clickhouse },
  };
}

function absoluteFrom(root: string, path: string): string {
  return isAbsolute(path) ? path : resolve(root, path);
}
