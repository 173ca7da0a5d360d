// The system tools the JVM components need: a Java 17+ runtime, and Maven until Kafka's jars
// are cached. Both are looked up on the PATH of the environment the stack was given.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { javaMissing, javaTooOld, mavenMissing } from './errors.ts';

const execFileAsync = promisify(execFile);

/** Kafka 4.x brokers and Apicurio 3.0.x both need Java 17. */
export const REQUIRED_JAVA_MAJOR = 17;

export interface ToolCommand {
  command: string;
  env: Record<string, string | undefined>;
}

export interface JavaRuntime {
  command: string;
  major: number;
  version: string;
}

/** Runs `java -version` and checks the major version; throws STACK_JAVA_MISSING / STACK_JAVA_TOO_OLD. */
export async function checkJava(tool: ToolCommand, requiredMajor = REQUIRED_JAVA_MAJOR): Promise<JavaRuntime> {
  let output: string;
  try {
    const { stdout, stderr } = await execFileAsync(tool.command, ['-version'], { env: tool.env, timeout: 30_000 });
    output = `${stderr}\n${stdout}`;
  } catch (cause) {
    throw javaMissing(tool.command, cause);
  }
  const version = parseJavaVersion(output);
  if (version === undefined)
    throw javaMissing(tool.command, new Error(`unrecognised "java -version" output: ${output.trim().slice(0, 200)}`));
  const major = javaMajor(version);
  if (major < requiredMajor) throw javaTooOld(tool.command, version, requiredMajor);
  return { command: tool.command, major, version };
}

/** `openjdk version "17.0.15" 2025-04-15` -> "17.0.15"; `java version "1.8.0_392"` -> "1.8.0_392". */
export function parseJavaVersion(output: string): string | undefined {
  return /version "([^"]+)"/.exec(output)?.[1];
}

/** "17.0.15" -> 17, "21" -> 21, "1.8.0_392" -> 8. */
export function javaMajor(version: string): number {
  const [first, second] = version.split(/[.+_-]/);
  const major = Number(first);
  return major === 1 ? Number(second) : major;
}

/** Runs `mvn -v`; throws STACK_MAVEN_MISSING when it cannot. Returns the version line. */
export async function checkMaven(tool: ToolCommand): Promise<string> {
  try {
    const { stdout } = await execFileAsync(tool.command, ['-v', '-B'], { env: tool.env, timeout: 60_000 });
    // eslint-disable-next-line no-control-regex -- Maven colours its banner on some terminals
    return (stdout.split('\n')[0] ?? '').replace(/\x1b\[[0-9;]*m/g, '').trim();
  } catch (cause) {
    throw mavenMissing(tool.command, cause);
  }
}
