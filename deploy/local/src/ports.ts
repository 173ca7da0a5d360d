// Loopback ports: is one free, who holds it, does something answer on it.
import { execFile } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { promisify } from 'node:util';
import { commandLineOf } from './process.ts';

const execFileAsync = promisify(execFile);

export const LOOPBACK = '127.0.0.1';

/** True when nothing listens on host:port, tested by binding it for a moment. */
export function isPortFree(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** True when a TCP connection to host:port is accepted within timeoutMs. */
export function acceptsConnections(port: number, host = LOOPBACK, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface PortHolder {
  pid: number;
  name: string;
  /** Its command line, when readable (helps tell "another local stack" from "something else"). */
  commandLine?: string;
}

/**
 * Which process listens on a TCP port, via `ss -ltnpH` (or `lsof` where ss is missing).
 * Undefined when neither tool is available or the holder belongs to another user.
 */
export async function findPortHolder(port: number): Promise<PortHolder | undefined> {
  const holder = (await holderFromSs(port)) ?? (await holderFromLsof(port));
  if (!holder) return undefined;
  const argv = await commandLineOf(holder.pid);
  return argv ? { ...holder, commandLine: argv.join(' ') } : holder;
}

async function holderFromSs(port: number): Promise<PortHolder | undefined> {
  try {
    const { stdout } = await execFileAsync('ss', ['-ltnpH', `sport = :${port}`]);
    return parseSsHolder(stdout);
  } catch {
    return undefined; // ss missing or failed
  }
}

async function holderFromLsof(port: number): Promise<PortHolder | undefined> {
  try {
    const { stdout } = await execFileAsync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc']);
    return parseLsofHolder(stdout);
  } catch {
    return undefined;
  }
}

/** Parses `users:(("java",pid=1234,fd=95))` out of ss output. */
export function parseSsHolder(output: string): PortHolder | undefined {
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(output);
  return match ? { name: match[1] ?? '?', pid: Number(match[2]) } : undefined;
}

/** Parses lsof -F output: a `p<pid>` line followed by a `c<command>` line. */
export function parseLsofHolder(output: string): PortHolder | undefined {
  const pid = /^p(\d+)$/m.exec(output);
  const name = /^c(.+)$/m.exec(output);
  return pid ? { pid: Number(pid[1]), name: name?.[1] ?? '?' } : undefined;
}

/** `java (pid 1234: java -Xmx768m ... kafka.Kafka /x/server.properties)`, shortened. */
export function describeHolder(holder: PortHolder | undefined): string | undefined {
  if (!holder) return undefined;
  const command = holder.commandLine === undefined ? '' : `: ${shorten(holder.commandLine, 160)}`;
  return `${holder.name} (pid ${holder.pid}${command})`;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max / 2 - 2)} … ${text.slice(-(max / 2 - 2))}`;
}
