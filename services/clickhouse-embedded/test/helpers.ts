// Test harness: one embedded server per test file, on port 0 with a fresh data directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseClient, ClickHouseClientConfigOptions } from '@clickhouse/client';
import { createLogger } from '@tributary/telemetry';
import { startServer } from '../src/server.ts';
import type { EmbeddedClickHouse, ServerOptions } from '../src/server.ts';

export const silentLogger = createLogger({ serviceName: 'clickhouse-embedded-test', level: 'silent' });

export function tempDataDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `tributary-ch-${label}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export async function startTestServer(dataDir: string, overrides: Partial<ServerOptions> = {}): Promise<EmbeddedClickHouse> {
  return startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    maxBodyBytes: 64 * 1024 * 1024,
    insertChunkBytes: 16 * 1024 * 1024,
    maxConcurrentQueries: 8,
    maxQueuedQueries: 256,
    queryTimeoutMs: 60_000,
    requestTimeoutMs: 60_000,
    shutdownTimeoutMs: 5_000,
    logger: silentLogger,
    ...overrides,
  });
}

export function clientFor(server: EmbeddedClickHouse, options: ClickHouseClientConfigOptions = {}): ClickHouseClient {
  return createClient({ url: server.url, log: { level: ClickHouseLogLevel.OFF }, ...options });
}

/** A unique table name per test. */
let counter = 0;
export function tableName(prefix = 't'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${Date.now()}_${counter}`;
}
