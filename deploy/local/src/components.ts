// What every local stack component provides to the orchestration in stack.ts: how to fetch and
// prepare it, the command that runs it, when it is ready, and whether it is healthy.
import type { Logger } from '@tributary/telemetry';
import type { StackLayout } from './layout.ts';
import type { LaunchSpec } from './process.ts';
import type { LocalStackSettings } from './spec.ts';

export const COMPONENT_NAMES = ['kafka', 'registry', 'clickhouse'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

export interface ComponentContext {
  settings: LocalStackSettings;
  layout: StackLayout;
  /** Environment handed to child processes (PATH, HOME, JAVA_HOME...). */
  env: Record<string, string | undefined>;
  logger: Logger;
}

export interface PortSpec {
  port: number;
  purpose: string;
  /** Key in the ports map of pid files and status, e.g. "client". */
  key: string;
  /** The setting that moves it, and its environment variable. */
  setting: string;
  env: string;
}

export interface Component {
  name: ComponentName;
  displayName: string;
  /** Version this stack pins (the runtime may report more detail, see runtimeVersion). */
  version: string;
  usesJava: boolean;
  ports(settings: LocalStackSettings): PortSpec[];
  /** What clients connect to: host:port for Kafka, a URL for HTTP components. */
  endpoint(settings: LocalStackSettings): string;
  /** Fails fast, before anything starts, when the component cannot possibly start. */
  preflight(context: ComponentContext): Promise<void>;
  /** Fetches, unpacks and initialises whatever the process needs. Idempotent. */
  prepare(context: ComponentContext): Promise<void>;
  launch(context: ComponentContext): Promise<LaunchSpec>;
  /** Undefined when ready; otherwise what is still awaited (shown on timeout). */
  readiness(context: ComponentContext): Promise<string | undefined>;
  /** One-off setup against the running process (runs after every fresh start). */
  afterReady?(context: ComponentContext): Promise<void>;
  healthy(context: ComponentContext): Promise<boolean>;
  runtimeVersion?(context: ComponentContext): Promise<string | undefined>;
  /** Deletes persistent data (up --fresh). The process is not running when this is called. */
  wipe(context: ComponentContext): Promise<void>;
  /** Directory holding persistent data, if any. */
  dataDir(layout: StackLayout): string | undefined;
}

/** GET url and report whether it answered 200 (and, if given, exactly `body`). */
export async function httpAnswers(url: string, body?: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return response.status === 200 && (body === undefined || text === body);
  } catch {
    return false;
  }
}
