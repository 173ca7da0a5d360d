// Every way `stack up` can fail, as an error that says what to do next. Codes are stable
// (the CLI and tests match on them); hints are printed by the CLI under the message.
// After fixing the cause, `up` can simply be run again: it reuses whatever is already running.
import { ConfigError, TributaryError } from '@tributary/errors';

const DOCKER_ALTERNATIVE = 'or run the stack from images with docker compose (docker-compose.yml) where a Docker engine exists';

export function javaMissing(command: string, cause: unknown): ConfigError {
  return new ConfigError('STACK_JAVA_MISSING', `Java was not found: "${command}" could not be run.`, {
    cause,
    hint: `Install Java 17 or newer (Debian/Ubuntu: apt-get install openjdk-17-jre-headless), or set TRIBUTARY_STACK_JAVA to a java binary, ${DOCKER_ALTERNATIVE}.`,
    details: { command },
  });
}

export function javaTooOld(command: string, found: string, requiredMajor: number): ConfigError {
  return new ConfigError('STACK_JAVA_TOO_OLD', `Java ${requiredMajor}+ is required; "${command}" is Java ${found}.`, {
    hint: `Install Java ${requiredMajor} or newer (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) and put it first on PATH or set TRIBUTARY_STACK_JAVA, ${DOCKER_ALTERNATIVE}.`,
    details: { command, found, requiredMajor },
  });
}

export function mavenMissing(command: string, cause: unknown): ConfigError {
  return new ConfigError(
    'STACK_MAVEN_MISSING',
    `Maven was not found: "${command}" could not be run. It resolves Kafka's jars from Maven Central on first start.`,
    {
      cause,
      hint: `Install Maven 3.6+ (Debian/Ubuntu: apt-get install maven), or set TRIBUTARY_STACK_MAVEN to an mvn binary, ${DOCKER_ALTERNATIVE}.`,
      details: { command },
    },
  );
}

export interface PortConflict {
  port: number;
  /** The setting and environment variable that move this port. */
  setting: string;
  env: string;
  purpose: string;
  /** What holds the port, when it can be found out (e.g. `java (pid 1234)`). */
  holder?: string;
}

export function portsInUse(conflicts: PortConflict[]): ConfigError {
  const lines = conflicts.map((c) => `port ${c.port} (${c.purpose}) is already in use by ${c.holder ?? 'another process'}`);
  const moves = conflicts.map((c) => `${c.env}=<free port>`).join(' ');
  return new ConfigError('STACK_PORT_IN_USE', `Cannot start the local stack on 127.0.0.1: ${lines.join('; ')}.`, {
    hint: `Stop whatever holds the port (if it is another local stack: tributary stack down with its TRIBUTARY_STACK_DIR), or move the stack: ${moves}. Then run up again.`,
    details: { conflicts },
  });
}

export function downloadCorrupt(what: string, file: string, reason: string): TributaryError {
  return new TributaryError(
    'STACK_DOWNLOAD_CORRUPT',
    `The cached ${what} at ${file} is corrupt (${reason}), and fetching it again did not help.`,
    {
      failureType: 'transient',
      retryable: true,
      hint: `Delete ${file} and run up again; if it keeps failing, check the network or proxy between this machine and Maven Central.`,
      details: { file, reason },
    },
  );
}

export function downloadFailed(what: string, reason: string, cause?: unknown): TributaryError {
  return new TributaryError('STACK_DOWNLOAD_FAILED', `Could not fetch ${what}: ${reason}`, {
    failureType: 'transient',
    retryable: true,
    cause,
    hint: 'Check that this machine reaches Maven Central (or set TRIBUTARY_STACK_MAVEN_REMOTE_REPOSITORY_URL to a mirror), then run up again.',
  });
}

export function componentExited(component: string, exit: string, logFile: string, logTail: string[]): TributaryError {
  return new TributaryError(
    'STACK_COMPONENT_EXITED',
    `${component} exited while starting (${exit}). Last log lines (${logFile}):\n${indent(logTail)}`,
    {
      failureType: 'system',
      retryable: false,
      hint: `Read the lines above and ${logFile}; fix the cause (a stale data dir can be wiped with up --fresh) and run up again.`,
      details: { component, exit, logFile },
    },
  );
}

export function startTimedOut(
  component: string,
  timeoutMs: number,
  waitingFor: string,
  logFile: string,
  logTail: string[],
): TributaryError {
  return new TributaryError(
    'STACK_START_TIMEOUT',
    `${component} was not ready after ${Math.round(timeoutMs / 1000)} s (waiting for ${waitingFor}); it was stopped. Last log lines (${logFile}):\n${indent(logTail)}`,
    {
      failureType: 'transient',
      retryable: true,
      hint: `A slow or busy machine may need more time: set TRIBUTARY_STACK_START_TIMEOUT_MS (now ${timeoutMs}) and run up again.`,
      details: { component, timeoutMs, logFile },
    },
  );
}

export function clickhouseServerMissing(mainFile: string): TributaryError {
  return new TributaryError(
    'STACK_CLICKHOUSE_MISSING',
    `The embedded ClickHouse server is not in this checkout: ${mainFile} does not exist.`,
    {
      failureType: 'system',
      retryable: false,
      hint: 'Update the checkout (services/clickhouse-embedded provides it), or start only the other components (components: kafka, registry) and point TRIBUTARY_CLICKHOUSE_URL at a ClickHouse server.',
      details: { mainFile },
    },
  );
}

export function unknownComponent(name: string, known: readonly string[]): ConfigError {
  return new ConfigError('STACK_UNKNOWN_COMPONENT', `Unknown local stack component "${name}".`, {
    hint: `Use one of: ${known.join(', ')}.`,
  });
}

export function lockTimedOut(lockFile: string, holderPid: number): TributaryError {
  return new TributaryError('STACK_LOCKED', `Another stack up/down (pid ${holderPid}) is still running on this stack dir.`, {
    failureType: 'transient',
    retryable: true,
    hint: `Wait for it to finish, or if pid ${holderPid} is not a Tributary process, delete ${lockFile}.`,
    details: { lockFile, holderPid },
  });
}

function indent(lines: string[]): string {
  return lines.length === 0 ? '    (the log is empty)' : lines.map((line) => `    ${line}`).join('\n');
}

export function runningWithOtherPorts(component: string, running: Record<string, number>, wanted: Record<string, number>): ConfigError {
  return new ConfigError(
    'STACK_RUNNING_WITH_OTHER_PORTS',
    `${component} is already running from this stack dir on ports ${JSON.stringify(running)}, but the settings ask for ${JSON.stringify(wanted)}.`,
    {
      hint: 'Stop it first (tributary stack down), then run up again with the new ports; or use another TRIBUTARY_STACK_DIR for a second stack.',
      details: { running, wanted },
    },
  );
}

export function componentUnhealthy(component: string, pid: number, timeoutMs: number, waitingFor: string, logFile: string): TributaryError {
  return new TributaryError(
    'STACK_COMPONENT_UNHEALTHY',
    `${component} (pid ${pid}) is running but has not become ready within ${Math.round(timeoutMs / 1000)} s (waiting for ${waitingFor}). It was left running.`,
    {
      failureType: 'transient',
      retryable: true,
      hint: `Look at ${logFile}; if it is stuck, run tributary stack down and then up.`,
      details: { component, pid, logFile },
    },
  );
}
