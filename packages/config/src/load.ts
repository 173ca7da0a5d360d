// Loading: the only place in Tributary that reads the process environment.
// Precedence: defaults < config files (JSON) < environment < explicit overrides (CLI flags).
// Validation is strict: an unknown key in a file, a value of the wrong format, or a missing
// required value stops the boot with a ConfigError that names every problem at once.
import { existsSync, readFileSync } from 'node:fs';
import convict from 'convict';
import { ConfigError } from '@tributary/errors';
import { registerFormats } from './formats.ts';

export interface LoadOptions {
  /** Environment to read; defaults to the process environment. Tests pass their own. */
  env?: Record<string, string | undefined>;
  /** Config files (JSON), applied in order. Defaults to TRIBUTARY_CONFIG_FILE (comma-separated). */
  files?: string[];
  /** Values that win over everything (e.g. CLI flags). Dotted keys: { 'kafka.brokers': [...] }. */
  overrides?: Record<string, unknown>;
}

export interface LoadedConfig<T> {
  /** The validated, typed values. Frozen: configuration does not change after boot. */
  readonly values: Readonly<T>;
  /** Effective configuration with sensitive values masked; safe to log or print. */
  redacted(): Record<string, unknown>;
  /** True when the key was set by a file, the environment or an override rather than its default. */
  isExplicit(key: string): boolean;
}

export const CONFIG_FILE_ENV = 'TRIBUTARY_CONFIG_FILE';

export function loadConfig<T>(schema: convict.Schema<T>, options: LoadOptions = {}): LoadedConfig<T> {
  registerFormats();
  const env = options.env ?? process.env;
  const config = convict<T>(schema, { env: env as NodeJS.ProcessEnv, args: [] });
  const explicit = new Set<string>();

  for (const [key, envName] of envNames(config.getSchema())) {
    if (env[envName] !== undefined && env[envName] !== '') explicit.add(key);
  }

  const files = options.files ?? (env[CONFIG_FILE_ENV] ? env[CONFIG_FILE_ENV].split(',').filter(Boolean) : []);
  for (const file of files) {
    if (!existsSync(file))
      throw new ConfigError('CONFIG_FILE_MISSING', `Config file ${file} does not exist.`, {
        hint: `Fix ${CONFIG_FILE_ENV} or the --config flag.`,
      });
    let content: object;
    try {
      content = JSON.parse(readFileSync(file, 'utf8')) as object;
    } catch (cause) {
      throw new ConfigError('CONFIG_FILE_INVALID', `Config file ${file} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
    config.load(content); // convict re-applies the environment afterwards, so env wins over files
    for (const key of leafKeys(content)) explicit.add(key);
  }

  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    config.set(key as never, value as never);
    explicit.add(key);
  }

  try {
    config.validate({ allowed: 'strict' });
  } catch (cause) {
    const problems = (cause as Error).message.split('\n').filter(Boolean);
    throw new ConfigError('CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`, {
      cause,
      hint: 'Each setting, its environment variable and format are listed in docs/configuration.md.',
    });
  }

  const values = deepFreeze(config.getProperties());
  return {
    values,
    redacted: () => JSON.parse(config.toString()) as Record<string, unknown>,
    isExplicit: (key) => [...explicit].some((k) => k === key || k.startsWith(`${key}.`)),
  };
}

/** Rows describing every setting of a schema: the source of the generated configuration docs. */
export interface SettingDescription {
  key: string;
  env: string | undefined;
  format: string;
  default: unknown;
  doc: string;
  sensitive: boolean;
}

export function describeSchema(schema: convict.Schema<unknown>, prefix = ''): SettingDescription[] {
  const rows: SettingDescription[] = [];
  for (const [name, node] of Object.entries(schema as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (isLeaf(node)) {
      rows.push({
        key,
        env: node.env,
        format: formatName(node.format),
        default: node.sensitive ? '(secret)' : node.default,
        doc: node.doc ?? '',
        sensitive: node.sensitive === true,
      });
    } else {
      rows.push(...describeSchema(node as convict.Schema<unknown>, key));
    }
  }
  return rows;
}

function isLeaf(node: unknown): node is convict.SchemaObj {
  return typeof node === 'object' && node !== null && 'default' in node;
}

function formatName(format: unknown): string {
  if (Array.isArray(format)) return format.map((v) => JSON.stringify(v)).join(' | ');
  if (typeof format === 'function') return format.name.toLowerCase() || 'custom';
  return String(format ?? 'any');
}

// convict's internal schema: { _cvtProperties: { name: { env?, _cvtProperties? } } }
function* envNames(internal: unknown, prefix = ''): Generator<[string, string]> {
  const props = (internal as { _cvtProperties?: Record<string, unknown> })._cvtProperties ?? {};
  for (const [name, node] of Object.entries(props)) {
    const key = prefix ? `${prefix}.${name}` : name;
    const env = (node as { env?: string }).env;
    if (typeof env === 'string') yield [key, env];
    if ((node as { _cvtProperties?: unknown })._cvtProperties) yield* envNames(node, key);
  }
}

function leafKeys(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([name, child]) => {
    const key = prefix ? `${prefix}.${name}` : name;
    return child !== null && typeof child === 'object' && !Array.isArray(child) ? leafKeys(child, key) : [key];
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
