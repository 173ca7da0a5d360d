// A private local stack for integration tests that need one of their own (a specific broker
// version, or up/down themselves): a temp stack dir on free ports, sharing the downloads of
// <repo>/.local-stack so jars and archives are fetched once per machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@tributary/config';
import { createLogger } from '@tributary/telemetry';
import type { Logger } from '@tributary/telemetry';
import { stackDown, stackUp } from '@tributary/local-stack';
import type { ComponentName, StackUpResult } from '@tributary/local-stack';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface PrivateStack {
  dir: string;
  /** Settings overrides that address this stack (pass to stackUp/stackStatus/stackDown). */
  overrides: Record<string, unknown>;
  logger: Logger;
  /** Stops what this stack started and deletes its dir. */
  dispose(): Promise<void>;
}

export async function privateStack(name: string): Promise<PrivateStack> {
  const dir = mkdtempSync(join(tmpdir(), `tributary-${name}-`));
  const overrides = {
    dir,
    downloadsDir: join(repoRoot(), '.local-stack', 'downloads'),
    'kafka.port': await freePort(),
    'kafka.controllerPort': await freePort(),
    'registry.port': await freePort(),
    'clickhouse.port': await freePort(),
  };
  const logger = createLogger({ serviceName: `test-${name}`, level: 'warn' });
  return {
    dir,
    overrides,
    logger,
    async dispose() {
      await stackDown({ overrides, logger });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type StartedPrivateStack = PrivateStack & { up: StackUpResult };

export async function startPrivateStack(name: string, components: ComponentName[]): Promise<StartedPrivateStack> {
  const stack = await privateStack(name);
  try {
    const up = await stackUp({ overrides: stack.overrides, logger: stack.logger, components });
    return { ...stack, up };
  } catch (error) {
    await stack.dispose();
    throw error;
  }
}
