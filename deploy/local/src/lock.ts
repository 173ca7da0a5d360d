// A lock file, so two `stack up`s (a CLI and a test run, say) on one stack dir or one downloads
// dir take turns instead of racing. The file holds the owner's pid; a lock whose owner is gone
// is taken over. Within one process, callers queue on a promise instead.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@tributary/telemetry';
import { lockTimedOut } from './errors.ts';
import { isAlive } from './process.ts';

const queues = new Map<string, Promise<unknown>>();

export async function withLock<T>(lockFile: string, timeoutMs: number, logger: Logger, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(lockFile) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(async () => {
      await acquire(lockFile, timeoutMs, logger);
      try {
        return await task();
      } finally {
        rmSync(lockFile, { force: true });
      }
    });
  queues.set(lockFile, run);
  try {
    return await run;
  } finally {
    if (queues.get(lockFile) === run) queues.delete(lockFile);
  }
}

async function acquire(lockFile: string, timeoutMs: number, logger: Logger): Promise<void> {
  mkdirSync(dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readOrEmpty(lockFile));
    if (!Number.isSafeInteger(holder) || holder <= 0 || !isAlive(holder)) {
      rmSync(lockFile, { force: true }); // the owner died without cleaning up
      continue;
    }
    if (Date.now() >= deadline) throw lockTimedOut(lockFile, holder);
    if (!announced) {
      logger.info({ lockFile, pid: holder }, `Waiting for another stack operation (pid ${holder}) to finish`);
      announced = true;
    }
    await sleep(250);
  }
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
