// One simulated time for the kit and the platform simulator: the kit runs on a ManualClock and the simulator's
// clock follows it, one due timer at a time, with the HTTP exchanges in between settled (in real time) first.
import type { Registry } from 'prom-client';

export interface OneClock {
  clock: { now(): number; nextDeadline(): number | null; set(time: number): void };
  sim: { now(): number; setTime(time: number): Promise<unknown> };
  /** Resolves once nothing changes any more (no request in flight, no new event or sleep). */
  settle(): Promise<void>;
}

/** Moves both clocks forward by `ms`, firing the kit's due timers in order and settling after each. */
export async function advanceTogether(parts: OneClock, ms: number): Promise<void> {
  const { clock, sim } = parts;
  const target = clock.now() + ms;
  await parts.settle();
  for (let next = clock.nextDeadline(); next !== null && next <= target; next = clock.nextDeadline()) {
    if (next > sim.now()) await sim.setTime(next);
    clock.set(next);
    await parts.settle();
  }
  if (target > sim.now()) await sim.setTime(target);
  clock.set(target);
  await parts.settle();
}

/** The sum of a counter's values whose labels include `labels` (0 when the metric is not registered). */
export async function counterValue(registry: Registry, name: string, labels: Record<string, string | undefined> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, label]) => label === undefined || value.labels[key] === label))
    .reduce((sum, value) => sum + value.value, 0);
}
