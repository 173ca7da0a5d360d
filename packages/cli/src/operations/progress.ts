// Progress of long operations (scanning topics, redrive, release) on stderr: a bar only when
// stderr is a terminal and the output is for a person (no --json); otherwise nothing at all, so
// pipes and machine output stay clean.
import cliProgress from 'cli-progress';

export interface Progress {
  /** Starts (or restarts) a bar of `total` steps. */
  start(label: string, total: number): void;
  increment(steps?: number): void;
  stop(): void;
}

export const NO_PROGRESS: Progress = { start: () => undefined, increment: () => undefined, stop: () => undefined };

export function createProgress(options: { json?: boolean }): Progress {
  if (options.json || !process.stderr.isTTY) return NO_PROGRESS;
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(label, total) {
      bar?.stop();
      bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: `${label} [{bar}] {value}/{total} ({percentage}%)`, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(total, 1), 0);
    },
    increment(steps = 1) {
      bar?.increment(steps);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
