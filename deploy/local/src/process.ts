// The processes the local stack starts: spawned detached (they outlive the CLI), recorded in a
// pid file with their exact command line, and only ever signalled after /proc (or ps) confirms
// that the pid still runs that command line, so a recycled pid is never killed.
import { spawn, execFile } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** What a pid file holds. */
export interface PidRecord {
  pid: number;
  /** argv exactly as spawned: [command, ...args]. */
  command: string[];
  startedAt: string;
  version: string;
  ports: Record<string, number>;
}

export type ProcessState =
  { kind: 'none' } | { kind: 'running'; record: PidRecord } | { kind: 'stale'; record: PidRecord | undefined; reason: string };

export function writePidFile(file: string, record: PidRecord): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temp, file);
}

export function readPidFile(file: string): PidRecord | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<PidRecord>;
    if (typeof value.pid !== 'number' || !Array.isArray(value.command)) return undefined;
    return value as PidRecord;
  } catch {
    return undefined;
  }
}

export function removePidFile(file: string): void {
  rmSync(file, { force: true });
}

/** Reads a pid file and tells whether its process is alive and still ours. Never signals anything. */
export async function inspectPidFile(file: string): Promise<ProcessState> {
  if (!existsSync(file)) return { kind: 'none' };
  const record = readPidFile(file);
  if (!record) return { kind: 'stale', record: undefined, reason: 'unreadable pid file' };
  if (!isAlive(record.pid)) return { kind: 'stale', record, reason: `pid ${record.pid} is not running` };
  const actual = await commandLineOf(record.pid);
  if (actual === undefined) return { kind: 'stale', record, reason: `pid ${record.pid} has exited` };
  if (!sameCommandLine(actual, record.command)) {
    return { kind: 'stale', record, reason: `pid ${record.pid} now runs something else (${actual.join(' ').slice(0, 120)})` };
  }
  return { kind: 'running', record };
}

/** True when the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = readProcFile(pid, 'stat');
  if (stat !== undefined) {
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  }
  return true;
}

/** argv of a running process: /proc/<pid>/cmdline on Linux, `ps` elsewhere. Undefined if it is gone. */
export async function commandLineOf(pid: number): Promise<string[] | undefined> {
  const cmdline = readProcFile(pid, 'cmdline');
  if (cmdline !== undefined) {
    const parts = cmdline.split('\0');
    if (parts.at(-1) === '') parts.pop();
    return parts.length === 0 ? undefined : parts;
  }
  try {
    const { stdout } = await execFileAsync('ps', ['-o', 'args=', '-p', String(pid)]);
    const line = stdout.trim();
    return line === '' ? undefined : [line];
  } catch {
    return undefined;
  }
}

/** Exact argv match; when only a joined string is known (ps), compare the joined form. */
export function sameCommandLine(actual: string[], expected: string[]): boolean {
  if (actual.length === 1 && expected.length > 1) return actual[0] === expected.join(' ');
  return actual.length === expected.length && actual.every((part, index) => part === expected[index]);
}

export interface LaunchSpec {
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface Launched {
  pid: number;
  /** Resolves when the process exits (while this process is still around to see it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a process in its own process group with stdout and stderr appended to logFile, and
 * detaches it, so it keeps running after the caller exits. Rejects if the command cannot be run.
 */
export async function spawnDetached(spec: LaunchSpec, logFile: string): Promise<Launched> {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', fd, fd] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`${spec.command} did not start`);
    return { pid: child.pid, exited };
  } finally {
    closeSync(fd);
  }
}

export interface StopResult {
  pid: number;
  /** How it ended: SIGTERM was enough, or it had to be killed. */
  how: 'terminated' | 'killed' | 'already-gone';
  durationMs: number;
}

/** SIGTERM, wait up to timeoutMs, then SIGKILL. The caller has verified the pid is ours. */
export async function stopProcess(pid: number, timeoutMs: number): Promise<StopResult> {
  const started = Date.now();
  if (!signal(pid, 'SIGTERM')) return { pid, how: 'already-gone', durationMs: 0 };
  if (await waitForExit(pid, timeoutMs)) return { pid, how: 'terminated', durationMs: Date.now() - started };
  signal(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
  return { pid, how: 'killed', durationMs: Date.now() - started };
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/** Resident set size in bytes, or undefined when it cannot be read. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  const status = readProcFile(pid, 'status');
  if (status !== undefined) {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  }
  try {
    const { stdout } = await execFileAsync('ps', ['-o', 'rss=', '-p', String(pid)]);
    const kb = Number(stdout.trim());
    return Number.isFinite(kb) && kb > 0 ? kb * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The last `count` lines of a text file (empty if it does not exist). */
export async function tailLines(file: string, count: number): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-count);
}

function readProcFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}
