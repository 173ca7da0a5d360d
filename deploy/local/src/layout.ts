// Where the local stack keeps its files. Everything lives under one git-ignored directory
// (default <repo>/.local-stack); downloads may be shared between several stack dirs.
//
//   <dir>/
//     downloads/                     fetched artefacts (or TRIBUTARY_STACK_DOWNLOADS_DIR)
//       kafka-4.1.1/                   broker jars in Maven repository layout + .complete
//       apicurio-registry-3.0.9/       unpacked distribution + .complete
//     kafka/server.properties        generated on every start
//     kafka/data/                    log.dirs, formatted once, kept across restarts
//     clickhouse/data/               chDB data directory, kept across restarts
//     logs/<component>.log           console output of the current run (.previous.log: the run before)
//     pids/<component>.pid           JSON: pid, command line, start time, ports
//     stack.lock                     held while up/down runs
import { join } from 'node:path';
import type { ComponentName } from './components.ts';

export interface StackLayout {
  dir: string;
  downloadsDir: string;
  logsDir: string;
  pidsDir: string;
  lockFile: string;
  kafkaDir: string;
  kafkaDataDir: string;
  kafkaServerProperties: string;
  clickhouseDataDir: string;
  registryDataDir: string;
  logFile(component: ComponentName): string;
  previousLogFile(component: ComponentName): string;
  pidFile(component: ComponentName): string;
}

export function stackLayout(dir: string, downloadsDir: string): StackLayout {
  const logsDir = join(dir, 'logs');
  const pidsDir = join(dir, 'pids');
  return {
    dir,
    downloadsDir,
    logsDir,
    pidsDir,
    lockFile: join(dir, 'stack.lock'),
    kafkaDir: join(dir, 'kafka'),
    kafkaDataDir: join(dir, 'kafka', 'data'),
    kafkaServerProperties: join(dir, 'kafka', 'server.properties'),
    clickhouseDataDir: join(dir, 'clickhouse', 'data'),
    registryDataDir: join(dir, 'registry', 'data'),
    logFile: (component) => join(logsDir, `${component}.log`),
    previousLogFile: (component) => join(logsDir, `${component}.previous.log`),
    pidFile: (component) => join(pidsDir, `${component}.pid`),
  };
}
