// Timing helpers: wall time and this process's CPU time (user + system) around a run, repeated,
// reporting the median run; and a plain-text table printer.

export interface Sample {
  /** Operations (messages) in the run. */
  operations: number;
  bytes: number;
  wallNs: number;
  cpuUs: number;
}

export async function measure(operations: number, bytes: number, run: () => void | Promise<void>): Promise<Sample> {
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run();
  const wallNs = Number(process.hrtime.bigint() - start);
  const cpu = process.cpuUsage(cpuBefore);
  return { operations, bytes, wallNs, cpuUs: cpu.user + cpu.system };
}

/** Runs `once` `runs` times (after `warmups` unmeasured runs) and returns the median by wall time. */
export async function medianOf(runs: number, warmups: number, once: () => Promise<Sample>): Promise<Sample> {
  for (let index = 0; index < warmups; index++) await once();
  const samples: Sample[] = [];
  for (let index = 0; index < runs; index++) samples.push(await once());
  samples.sort((a, b) => a.wallNs - b.wallNs);
  return samples[Math.floor(samples.length / 2)]!;
}

export const perSecond = (sample: Sample): number => sample.operations / (sample.wallNs / 1e9);
export const nsPerOp = (sample: Sample): number => sample.wallNs / sample.operations;
export const megabytesPerSecond = (sample: Sample): number => sample.bytes / 1e6 / (sample.wallNs / 1e9);
/** CPU-seconds this process spent per million operations. */
export const cpuSecondsPerMillion = (sample: Sample): number => sample.cpuUs / 1e6 / (sample.operations / 1e6);

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function printTable(title: string, header: string[], rows: string[][], out: (line: string) => void): void {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  out('');
  out(title);
  out(line(header));
  out(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) out(line(row));
}
