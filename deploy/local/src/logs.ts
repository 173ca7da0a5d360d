// `stack logs <component>`: the last lines of a component's log, optionally followed as it grows.
// Following survives restarts: when up replaces the file (new inode or shorter), reading starts
// again from the top of the new one.
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComponentName } from './components.ts';
import { inheritedEnvironment } from './environment.ts';
import { unknownComponent } from './errors.ts';
import { COMPONENT_NAMES } from './components.ts';
import { stackLayout } from './layout.ts';
import { tailLines } from './process.ts';
import { loadStackSettings } from './spec.ts';
import type { SettingsSource } from './spec.ts';

export interface StackLogsOptions extends SettingsSource {
  /** How many existing lines to show first (default 100). */
  lines?: number;
  /** Keep yielding new lines until `signal` aborts. */
  follow?: boolean;
  signal?: AbortSignal;
  /** Poll interval while following (default 250 ms). */
  pollIntervalMs?: number;
}

/** Path of a component's current log file. */
export function stackLogFile(component: ComponentName, options: SettingsSource = {}): string {
  if (!(COMPONENT_NAMES as readonly string[]).includes(component)) throw unknownComponent(component, COMPONENT_NAMES);
  const settings = loadStackSettings({ ...options, env: inheritedEnvironment(options.env) });
  return stackLayout(settings.dir, settings.downloadsDir).logFile(component);
}

/** Yields log lines (without newlines). Without `follow` it ends after the existing tail. */
export async function* stackLogs(component: ComponentName, options: StackLogsOptions = {}): AsyncGenerator<string> {
  const file = stackLogFile(component, options);
  const { follow = false, signal, pollIntervalMs = 250 } = options;
  const lines = options.lines ?? 100;

  let position = await fileSize(file);
  let inode = await fileInode(file);
  for (const line of lines > 0 ? await tailLines(file, lines) : []) yield line;
  if (!follow) return;

  let partial = '';
  while (!signal?.aborted) {
    await sleep(pollIntervalMs, undefined, { signal }).catch(() => undefined);
    if (signal?.aborted) return;
    const size = await fileSize(file);
    const currentInode = await fileInode(file);
    if (currentInode !== inode || size < position) {
      inode = currentInode;
      position = 0;
      partial = '';
    }
    if (size <= position) continue;
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(size - position);
      await handle.read(buffer, 0, buffer.length, position);
      position = size;
      const text = partial + buffer.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) yield line;
    } finally {
      await handle.close();
    }
  }
}

async function fileSize(file: string): Promise<number> {
  return (await stat(file).catch(() => undefined))?.size ?? 0;
}

async function fileInode(file: string): Promise<number | undefined> {
  return (await stat(file).catch(() => undefined))?.ino;
}
