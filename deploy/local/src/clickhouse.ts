// Embedded ClickHouse: services/clickhouse-embedded, one Node process that owns the chDB engine
// (chDB locks its data dir, so there is exactly one owner) and serves ClickHouse's HTTP interface
// (docs/adr/0008). Run with this process's own Node 24; ready when GET /ping answers "Ok.\n".
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { repoRoot } from '@tributary/config';
import { join } from 'node:path';
import { httpAnswers } from './components.ts';
import type { Component } from './components.ts';
import { clickhouseServerMissing } from './errors.ts';
import { LOOPBACK } from './ports.ts';

export function clickhouseMainFile(): string {
  return join(repoRoot(), 'services', 'clickhouse-embedded', 'src', 'main.ts');
}

function baseUrl(port: number): string {
  return `http://${LOOPBACK}:${port}`;
}

export const clickhouse: Component = {
  name: 'clickhouse',
  displayName: 'ClickHouse (embedded, chDB)',
  version: 'embedded',
  usesJava: false,

  ports: (settings) => [
    {
      key: 'http',
      setting: 'clickhouse.port',
      port: settings.clickhouse.port,
      purpose: 'ClickHouse HTTP interface',
      env: 'TRIBUTARY_STACK_CLICKHOUSE_PORT',
    },
  ],

  endpoint: (settings) => baseUrl(settings.clickhouse.port),

  async preflight() {
    const main = clickhouseMainFile();
    if (!existsSync(main)) throw clickhouseServerMissing(main);
  },

  async prepare(context) {
    await this.preflight(context);
    await mkdir(context.layout.clickhouseDataDir, { recursive: true });
  },

  async launch(context) {
    const { settings, layout } = context;
    return {
      command: process.execPath,
      args: [clickhouseMainFile()],
      env: {
        ...context.env,
        TRIBUTARY_CLICKHOUSE_EMBEDDED_HOST: LOOPBACK,
        TRIBUTARY_CLICKHOUSE_EMBEDDED_PORT: String(settings.clickhouse.port),
        TRIBUTARY_CLICKHOUSE_EMBEDDED_DATA_DIR: layout.clickhouseDataDir,
      },
      cwd: repoRoot(),
    };
  },

  async readiness(context) {
    return (await httpAnswers(`${baseUrl(context.settings.clickhouse.port)}/ping`, 'Ok.\n')) ? undefined : 'GET /ping to answer "Ok."';
  },

  healthy: (context) => httpAnswers(`${baseUrl(context.settings.clickhouse.port)}/ping`, 'Ok.\n'),

  async runtimeVersion(context) {
    try {
      const response = await fetch(`${baseUrl(context.settings.clickhouse.port)}/?query=${encodeURIComponent('SELECT version()')}`, {
        signal: AbortSignal.timeout(2_000),
      });
      return response.ok ? `chDB (ClickHouse ${(await response.text()).trim()})` : undefined;
    } catch {
      return undefined;
    }
  },

  async wipe(context) {
    await rm(context.layout.clickhouseDataDir, { recursive: true, force: true });
  },

  dataDir: (layout) => layout.clickhouseDataDir,
};
