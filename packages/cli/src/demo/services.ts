// The demo's child processes: each Tributary service runs from its own main.ts, configured by
// environment exactly as a deployment would configure it. Their JSON logs go to one file per
// service under the demo's log directory; the supervisor only reads them to learn when a service
// is running (its "running" line) and to count errors.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tributary/config';
import { TributaryError } from '@tributary/errors';

export interface ServiceSpec {
  /** e.g. source-tiktok, transform-enrich, sink-clickhouse. */
  name: string;
  /** Path of its main.ts, relative to the repository root. */
  main: string;
  env: Record<string, string | undefined>;
  /** The log message that says the service is up. */
  readyMessage: string;
}

export interface LogLine {
  level?: number | string;
  msg?: string;
  [field: string]: unknown;
}

export interface ManagedService {
  readonly name: string;
  readonly logFile: string;
  /** Resolves with the ready line; rejects when the process exits first or does not get ready in time. */
  readonly ready: Promise<LogLine>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** error and fatal lines seen so far. */
  errors(): LogLine[];
  running(): boolean;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code (null when killed). */
  stop(timeoutMs: number): Promise<number | null>;
}

const ERROR_LEVEL = 50;

/** pino writes levels as labels in Tributary's services (numbers by default elsewhere). */
function isError(level: LogLine['level']): boolean {
  return typeof level === 'number' ? level >= ERROR_LEVEL : level === 'error' || level === 'fatal';
}

export function startService(spec: ServiceSpec, logDirectory: string, readyTimeoutMs = 90_000): ManagedService {
  const logFile = join(logDirectory, `${spec.name}.log`);
  const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
  // kafkajs schedules negative timeouts on Node 24 (a harmless warning per client): keep service logs to the service's own lines.
  const child: ChildProcess = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', join(repoRoot(), spec.main)], {
    env: spec.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C in the terminal reaches the demo only, which stops the
    // services in order (sources, drain, the rest) instead of all at once.
    detached: true,
  });
  const errors: LogLine[] = [];
  let resolveReady!: (line: LogLine) => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<LogLine>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined);
  const readyTimer = setTimeout(
    () =>
      rejectReady(
        new TributaryError('DEMO_SERVICE_NOT_READY', `${spec.name} did not start within ${readyTimeoutMs / 1000}s; see ${logFile}.`, {
          failureType: 'system',
        }),
      ),
    readyTimeoutMs,
  );
  readyTimer.unref();

  let buffered = '';
  const onData = (chunk: Buffer): void => {
    log.write(chunk);
    buffered += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (!text.startsWith('{')) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue;
      }
      if (isError(line.level)) errors.push(line);
      if (line.msg === spec.readyMessage) {
        clearTimeout(readyTimer);
        resolveReady(line);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let alive = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      alive = false;
      clearTimeout(readyTimer);
      const last = errors.at(-1)?.msg;
      rejectReady(
        new TributaryError(
          'DEMO_SERVICE_EXITED',
          `${spec.name} exited (${code ?? signal}) before it was running${last ? `: ${last}` : ''}; see ${logFile}.`,
          {
            failureType: 'system',
          },
        ),
      );
      log.end();
      resolve({ code, signal });
    });
  });

  return {
    name: spec.name,
    logFile,
    ready,
    exited,
    errors: () => [...errors],
    running: () => alive,
    async stop(timeoutMs) {
      if (!alive) return (await exited).code;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const { code } = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
