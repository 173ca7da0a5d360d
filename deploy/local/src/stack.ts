// up / down / status for the local stack. The rules:
// - up is idempotent: a component whose pid file names a live process running our exact command
//   line, and which answers its health check, is reused; a stale pid file is removed.
// - Everything that can be checked before starting (Java, the ClickHouse server file, every
//   port) is checked first, and all port conflicts are reported at once.
// - Components start in parallel (Maven and downloads take turns on a lock); each is ready only
//   when its own readiness check passes. A component that exits or times out is reported with
//   the tail of its log, and up can be run again after fixing the cause.
// - down signals only processes recorded in our pid files whose command line still matches.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { createLogger } from '@tributary/telemetry';
import type { Logger } from '@tributary/telemetry';
import { setTimeout as sleep } from 'node:timers/promises';
import { clickhouse } from './clickhouse.ts';
import { COMPONENT_NAMES } from './components.ts';
import type { Component, ComponentContext, ComponentName } from './components.ts';
import { inheritedEnvironment } from './environment.ts';
import { componentExited, componentUnhealthy, portsInUse, runningWithOtherPorts, startTimedOut, unknownComponent } from './errors.ts';
import type { PortConflict } from './errors.ts';
import { kafka } from './kafka.ts';
import { stackLayout } from './layout.ts';
import { withLock } from './lock.ts';
import { describeHolder, findPortHolder, isPortFree } from './ports.ts';
import { inspectPidFile, isAlive, removePidFile, residentBytes, spawnDetached, stopProcess, tailLines, writePidFile } from './process.ts';
import type { Launched } from './process.ts';
import { registry } from './registry.ts';
import { loadStackSettings } from './spec.ts';
import type { LocalStackSettings, SettingsSource } from './spec.ts';
import { checkJava } from './toolchain.ts';

const COMPONENTS: Record<ComponentName, Component> = { kafka, registry, clickhouse };
const LOG_LINES_ON_FAILURE = 40;

export interface StackOptions extends SettingsSource {
  /** Progress lines go here; defaults to a pino logger on stdout. */
  logger?: Logger;
}

export interface StackUpOptions extends StackOptions {
  /** Which components to run; default all three. */
  components?: ComponentName[];
  /** Stop the selected components if running and wipe their data (Kafka log dirs, ClickHouse data) first. */
  fresh?: boolean;
}

export interface StackDownOptions extends StackOptions {
  /** Which components to stop; default all. */
  components?: ComponentName[];
}

export interface StackEndpoints {
  /** Kafka bootstrap broker, host:port. */
  kafkaBrokers: string;
  /** Confluent-API base URL of the registry. */
  registryUrl: string;
  clickhouseUrl: string;
}

export interface ComponentStatus {
  component: ComponentName;
  displayName: string;
  version: string;
  /** running: our live process; stopped: no pid file; stale: a pid file whose process is gone. */
  state: 'running' | 'stopped' | 'stale';
  /** Whether the component's health check passes on its port (even if something else answers). */
  healthy: boolean;
  endpoint: string;
  ports: Record<string, number>;
  pid?: number;
  uptimeMs?: number;
  rssBytes?: number;
  logFile: string;
  dataDir?: string;
  /** A remark for humans, e.g. why a pid file is stale. */
  note?: string;
}

export interface StackStatus {
  dir: string;
  endpoints: StackEndpoints;
  components: ComponentStatus[];
}

export interface StackUpResult extends StackStatus {
  started: ComponentName[];
  reused: ComponentName[];
  durationMs: number;
}

interface Session {
  context: ComponentContext;
  endpoints: StackEndpoints;
}

function openSession(options: StackOptions): Session {
  const env = inheritedEnvironment(options.env);
  const settings = loadStackSettings({ ...options, env });
  const layout = stackLayout(settings.dir, settings.downloadsDir);
  const logger = options.logger ?? createLogger({ serviceName: 'local-stack', level: settings.logLevel });
  return {
    context: { settings, layout, env, logger },
    endpoints: {
      kafkaBrokers: kafka.endpoint(settings),
      registryUrl: registry.endpoint(settings),
      clickhouseUrl: clickhouse.endpoint(settings),
    },
  };
}

function selectComponents(names: readonly string[] | undefined): Component[] {
  const selected = names === undefined || names.length === 0 ? [...COMPONENT_NAMES] : names;
  for (const name of selected) if (!(COMPONENT_NAMES as readonly string[]).includes(name)) throw unknownComponent(name, COMPONENT_NAMES);
  return COMPONENT_NAMES.filter((name) => selected.includes(name)).map((name) => COMPONENTS[name]);
}

/** Starts the selected components (default: all), reusing any that already run. */
export async function stackUp(options: StackUpOptions = {}): Promise<StackUpResult> {
  const started = Date.now();
  const session = openSession(options);
  const { context } = session;
  const { settings, layout, logger } = context;
  const components = selectComponents(options.components);
  for (const dir of [layout.dir, layout.logsDir, layout.pidsDir, layout.downloadsDir]) mkdirSync(dir, { recursive: true });

  const lockTimeoutMs = settings.downloadTimeoutMs + 2 * settings.startTimeoutMs;
  return withLock(layout.lockFile, lockTimeoutMs, logger, async () => {
    const toStart: Component[] = [];
    const toReuse: Component[] = [];
    for (const component of components) {
      const state = await inspectPidFile(layout.pidFile(component.name));
      if (state.kind === 'running' && options.fresh) {
        logger.info({ component: component.name, pid: state.record.pid }, `Stopping ${component.displayName} for a fresh start`);
        await stopProcess(state.record.pid, settings.stopTimeoutMs);
        removePidFile(layout.pidFile(component.name));
        toStart.push(component);
      } else if (state.kind === 'running') {
        const wanted = portMap(component, settings);
        if (JSON.stringify(state.record.ports) !== JSON.stringify(wanted))
          throw runningWithOtherPorts(component.displayName, state.record.ports, wanted);
        toReuse.push(component);
      } else {
        if (state.kind === 'stale') {
          logger.info({ component: component.name, reason: state.reason }, `Removing stale pid file of ${component.displayName}`);
          removePidFile(layout.pidFile(component.name));
        }
        toStart.push(component);
      }
    }

    await preflight(context, toStart);

    const outcomes = await Promise.allSettled([
      ...toReuse.map(async (component) => {
        await waitUntilReady(component, context, undefined);
        logger.info({ component: component.name }, `${component.displayName} is already running`);
      }),
      ...toStart.map((component) => startComponent(component, context, options.fresh === true)),
    ]);
    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    for (const failure of failures.slice(1)) logger.error({ err: failure }, 'Another component failed to start as well');
    if (failures.length > 0) throw failures[0];

    const status = await collectStatus(session);
    const durationMs = Date.now() - started;
    logger.info({ durationMs, ...session.endpoints }, `Local stack up in ${(durationMs / 1000).toFixed(1)} s`);
    return {
      ...status,
      started: toStart.map((component) => component.name),
      reused: toReuse.map((component) => component.name),
      durationMs,
    };
  });
}

async function preflight(context: ComponentContext, components: Component[]): Promise<void> {
  const { settings } = context;
  for (const component of components) await component.preflight(context);
  if (components.some((component) => component.usesJava)) await checkJava({ command: settings.java.command, env: context.env });

  const conflicts: PortConflict[] = [];
  const seen = new Map<number, string>();
  for (const component of components) {
    for (const spec of component.ports(settings)) {
      const clash = seen.get(spec.port);
      if (clash) {
        conflicts.push({
          port: spec.port,
          setting: spec.setting,
          env: spec.env,
          purpose: spec.purpose,
          holder: `this stack's own ${clash} (two settings name the same port)`,
        });
        continue;
      }
      seen.set(spec.port, spec.purpose);
      if (await isPortFree(spec.port)) continue;
      const holder = describeHolder(await findPortHolder(spec.port));
      conflicts.push({ port: spec.port, setting: spec.setting, env: spec.env, purpose: spec.purpose, ...(holder ? { holder } : {}) });
    }
  }
  if (conflicts.length > 0) throw portsInUse(conflicts);
}

async function startComponent(component: Component, context: ComponentContext, fresh: boolean): Promise<void> {
  const { layout, settings, logger } = context;
  if (fresh) await component.wipe(context);
  await component.prepare(context);
  const spec = await component.launch(context);

  const logFile = layout.logFile(component.name);
  if (existsSync(logFile)) renameSync(logFile, layout.previousLogFile(component.name));
  logger.info({ component: component.name, version: component.version, logFile }, `Starting ${component.displayName}`);
  const startedAt = Date.now();
  const launched = await spawnDetached(spec, logFile);
  writePidFile(layout.pidFile(component.name), {
    pid: launched.pid,
    command: [spec.command, ...spec.args],
    startedAt: new Date(startedAt).toISOString(),
    version: component.version,
    ports: portMap(component, settings),
  });
  await waitUntilReady(component, context, launched);
  await component.afterReady?.(context);
  logger.info(
    { component: component.name, pid: launched.pid, durationMs: Date.now() - startedAt, endpoint: component.endpoint(settings) },
    `${component.displayName} ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
  );
}

function portMap(component: Component, settings: LocalStackSettings): Record<string, number> {
  return Object.fromEntries(component.ports(settings).map((port) => [port.key, port.port]));
}

/**
 * Polls the component's readiness check until it passes. If we launched the process, its exit
 * ends the wait with STACK_COMPONENT_EXITED, and a timeout stops it (STACK_START_TIMEOUT). A
 * reused process that does not become ready is left alone (STACK_COMPONENT_UNHEALTHY).
 */
async function waitUntilReady(component: Component, context: ComponentContext, launched: Launched | undefined): Promise<void> {
  const { layout, settings } = context;
  const logFile = layout.logFile(component.name);
  const pidFile = layout.pidFile(component.name);
  const deadline = Date.now() + settings.startTimeoutMs;
  let exit: string | undefined;
  void launched?.exited.then(({ code, signal }) => {
    exit = signal ? `killed by ${signal}` : `exit code ${code}`;
  });
  for (;;) {
    const waitingFor = await component.readiness(context);
    if (waitingFor === undefined) return;
    if (launched && (exit !== undefined || !isAlive(launched.pid))) {
      await sleep(200); // let the last lines reach the log
      removePidFile(pidFile);
      throw componentExited(component.displayName, exit ?? 'exited', logFile, await tailLines(logFile, LOG_LINES_ON_FAILURE));
    }
    if (Date.now() < deadline) {
      await sleep(250);
      continue;
    }
    const tail = await tailLines(logFile, LOG_LINES_ON_FAILURE);
    if (launched) {
      await stopProcess(launched.pid, settings.stopTimeoutMs);
      removePidFile(pidFile);
      throw startTimedOut(component.displayName, settings.startTimeoutMs, waitingFor, logFile, tail);
    }
    const state = await inspectPidFile(pidFile);
    if (state.kind === 'running')
      throw componentUnhealthy(component.displayName, state.record.pid, settings.startTimeoutMs, waitingFor, logFile);
    removePidFile(pidFile);
    throw componentExited(component.displayName, 'exited', logFile, tail);
  }
}

/**
 * Stops the selected components (default: all) that this stack dir's pid files name, and logs
 * what it stopped. Components that are not running are skipped; stale pid files are removed.
 */
export async function stackDown(options: StackDownOptions = {}): Promise<void> {
  const { context } = openSession(options);
  const { settings, layout, logger } = context;
  const components = selectComponents(options.components).reverse();
  if (!existsSync(layout.dir)) return;

  await withLock(layout.lockFile, 2 * settings.stopTimeoutMs + 10_000, logger, async () => {
    await Promise.all(
      components.map(async (component) => {
        const pidFile = layout.pidFile(component.name);
        const state = await inspectPidFile(pidFile);
        if (state.kind === 'stale')
          logger.info({ component: component.name, reason: state.reason }, `Removing stale pid file of ${component.displayName}`);
        if (state.kind !== 'running') {
          removePidFile(pidFile);
          return;
        }
        const stop = await stopProcess(state.record.pid, settings.stopTimeoutMs);
        removePidFile(pidFile);
        const level = stop.how === 'killed' ? 'warn' : 'info';
        logger[level](
          { component: component.name, pid: stop.pid, how: stop.how, durationMs: stop.durationMs },
          `Stopped ${component.displayName} (pid ${stop.pid}${stop.how === 'killed' ? `, killed after ${settings.stopTimeoutMs} ms` : ''})`,
        );
      }),
    );
  });
}

/** Versions, ports, pids, health, uptime and memory of every component. Changes nothing. */
export async function stackStatus(options: StackOptions = {}): Promise<StackStatus> {
  return collectStatus(openSession(options));
}

async function collectStatus(session: Session): Promise<StackStatus> {
  const { context, endpoints } = session;
  const { settings, layout } = context;
  const components = await Promise.all(
    COMPONENT_NAMES.map(async (name): Promise<ComponentStatus> => {
      const component = COMPONENTS[name];
      const [state, healthy] = await Promise.all([inspectPidFile(layout.pidFile(name)), component.healthy(context)]);
      const status: ComponentStatus = {
        component: name,
        displayName: component.displayName,
        version: component.version,
        state: state.kind === 'none' ? 'stopped' : state.kind,
        healthy,
        endpoint: component.endpoint(settings),
        ports: portMap(component, settings),
        logFile: layout.logFile(name),
      };
      const dataDir = component.dataDir(layout);
      if (dataDir) status.dataDir = dataDir;
      if (state.kind === 'running') {
        status.pid = state.record.pid;
        status.uptimeMs = Date.now() - Date.parse(state.record.startedAt);
        const rss = await residentBytes(state.record.pid);
        if (rss !== undefined) status.rssBytes = rss;
        if (healthy) status.version = (await component.runtimeVersion?.(context)) ?? component.version;
      } else if (state.kind === 'stale') {
        status.note = `stale pid file: ${state.reason}`;
      } else if (healthy) {
        status.note = 'something answers on this port, but it was not started by this stack dir';
      }
      return status;
    }),
  );
  return { dir: layout.dir, endpoints, components };
}
