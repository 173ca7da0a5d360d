// Settings every source service shares, as convict schema fragments: a source's spec.ts composes
//   { source: sourceRuntimeSchema('TRIBUTARY_SOURCE_TIKTOK'), http: httpSchema(9464, 'TRIBUTARY_SOURCE_TIKTOK_HTTP'),
//     kafka: kafkaSchema, registry: registrySchema, telemetry: telemetrySchema('source-tiktok'), ...its own }
// and loads it with loadConfig. Parsing helpers turn the raw values into what runSource takes.
import type convict from 'convict';
import { httpSchema, kafkaSchema, registrySchema, telemetrySchema } from '@tributary/config';
import type { HttpSettings, KafkaSettings, RegistrySettings, TelemetrySettings } from '@tributary/config';
import { ConfigError } from '@tributary/errors';
import { COLLECTOR_STATE_TOPIC } from './checkpoint-store.ts';
import type { ScopeConfig } from './declarations.ts';
import { credentialsSchema } from '../auth/settings.ts';
import type { CredentialsSettings } from '../auth/settings.ts';
import { webhookSchema } from '../webhooks/settings.ts';
import type { WebhookSettings } from '../webhooks/settings.ts';

export interface SourceRuntimeSettings {
  scopes: string[];
  mode: 'incremental' | 'backfill';
  backfillStartAt: string;
  backfillProgressEveryPages: number;
  shutdownTimeoutMs: number;
  checkpointTopic: string;
  topicOverrides: string[];
  cadenceScale: number;
}

/** What runSourceService needs from a source's settings; a source adds its own sections. */
export interface SourceServiceSettings {
  source: SourceRuntimeSettings;
  http: HttpSettings;
  kafka: KafkaSettings;
  registry: RegistrySettings;
  telemetry: TelemetrySettings;
  /** The webhook receiver's server, for sources whose platform pushes. */
  webhook?: SourceWebhookSettings;
}

/** Where the webhook receiver listens (apart from /health and /metrics: it faces the platform) and its tunables. */
export type SourceWebhookSettings = HttpSettings & WebhookSettings & { enabled: boolean };

/** `envPrefix` e.g. `TRIBUTARY_SOURCE_TIKTOK_WEBHOOK`. */
export function sourceWebhookSchema(envPrefix: string, defaultPort: number): convict.Schema<SourceWebhookSettings> {
  const http = httpSchema(defaultPort, envPrefix);
  return {
    enabled: { doc: 'Serve the webhook receiver.', format: Boolean, default: true, env: `${envPrefix}_ENABLED` },
    ...http,
    maxBodyBytes: {
      doc: 'Largest webhook body accepted; larger ones get 413 before any other work.',
      format: 'positive-int',
      default: 921_600,
      env: `${envPrefix}_MAX_BODY_BYTES`,
    },
    ...webhookSchema(envPrefix),
  } as convict.Schema<SourceWebhookSettings>;
}

export function sourceRuntimeSchema(envPrefix: string): convict.Schema<SourceRuntimeSettings> {
  return {
    scopes: {
      doc: 'Accounts to collect, comma-separated: `<account id>` or `<account id>:<credential id>` (the credential defaults to the account id).',
      format: Array,
      default: [],
      env: `${envPrefix}_SCOPES`,
    },
    mode: {
      doc: 'incremental: poll new and recent content on the cadence; backfill: the same plus a walk back to backfillStartAt at the lowest priority.',
      format: ['incremental', 'backfill'],
      default: 'incremental',
      env: `${envPrefix}_MODE`,
    },
    backfillStartAt: {
      doc: 'Backfill history back to this time: ISO 8601 (2026-01-01T00:00:00Z) or a window in days before the start of the process (90d); required when mode is backfill.',
      format: String,
      default: '',
      env: `${envPrefix}_BACKFILL_START_AT`,
    },
    backfillProgressEveryPages: {
      doc: 'Log backfill progress every this many pages per stream and account.',
      format: 'positive-int',
      default: 50,
      env: `${envPrefix}_BACKFILL_PROGRESS_EVERY_PAGES`,
    },
    shutdownTimeoutMs: {
      doc: 'On SIGTERM, time to finish the pages in hand (write and checkpoint) before exiting anyway (safe: an unfinished page is collected again with the same event ids).',
      format: 'positive-int',
      default: 20_000,
      env: `${envPrefix}_SHUTDOWN_TIMEOUT_MS`,
    },
    topicOverrides: {
      doc: "Produce a catalogue topic's events to another topic, comma-separated `<catalogue topic>=<topic>` (staging, isolated test runs); still encoded under the catalogue topic's subject. Empty: the catalogue topics.",
      format: Array,
      default: [],
      env: `${envPrefix}_TOPIC_OVERRIDES`,
    },
    cadenceScale: {
      doc: 'Multiplies every polling interval and collection slot (0 < scale <= 1): 1 in production; the demo uses 0.05 so posts get several metric snapshots within minutes.',
      format: (value: unknown) => {
        if (typeof value !== 'number' || !(value > 0 && value <= 1)) throw new Error('must be a number in (0, 1]');
      },
      default: 1,
      env: `${envPrefix}_CADENCE_SCALE`,
    },
    checkpointTopic: {
      doc: 'Compacted topic holding the collector state (cursors, watermarks, backfill progress).',
      format: String,
      default: COLLECTOR_STATE_TOPIC,
      env: `${envPrefix}_CHECKPOINT_TOPIC`,
    },
  };
}

/** `acc` or `acc:cred` entries to ScopeConfig; duplicates and empty ids are configuration errors. */
export function parseScopes(entries: readonly string[]): ScopeConfig[] {
  const scopes: ScopeConfig[] = [];
  const seen = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const separator = entry.indexOf(':');
    const id = separator < 0 ? entry : entry.slice(0, separator);
    const credential = separator < 0 ? undefined : entry.slice(separator + 1);
    if (id === '' || credential === '')
      throw new ConfigError('SOURCE_SCOPE_INVALID', `Scope "${entry}" needs an account id (and a credential after ':').`);
    if (seen.has(id)) throw new ConfigError('SOURCE_SCOPE_INVALID', `Scope ${id} is listed twice.`);
    seen.add(id);
    scopes.push(credential === undefined ? { id } : { id, credential });
  }
  return scopes;
}

/** The backfill start as epoch ms (`90d`: 90 days before `now`), or null when none is set. */
export function parseBackfillStart(value: string, now: number = Date.now()): number | null {
  const text = value.trim();
  if (text === '') return null;
  const days = /^(\d+)d$/.exec(text);
  if (days) return now - Number(days[1]) * 86_400_000;
  const at = Date.parse(text);
  if (!Number.isFinite(at))
    throw new ConfigError('SOURCE_BACKFILL_START_INVALID', `backfillStartAt "${value}" is neither an ISO 8601 time nor a window like 90d.`);
  return at;
}

/** `from=to` entries to a map; a malformed or repeated entry is a configuration error. */
export function parseTopicOverrides(entries: readonly string[]): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [from, to, ...rest] = entry.split('=').map((part) => part.trim());
    if (!from || !to || rest.length > 0 || from in overrides)
      throw new ConfigError('SOURCE_TOPIC_OVERRIDE_INVALID', `topicOverrides entry "${entry}" is not a single <catalogue topic>=<topic>.`);
    overrides[from] = to;
  }
  return overrides;
}

/** The sections of a platform source (polling, webhooks, stored credentials); the source adds its platform section. */
export interface PlatformSourceSettings extends SourceServiceSettings {
  webhook: SourceWebhookSettings;
  credentials: CredentialsSettings;
}

/**
 * The shared sections of a platform source's schema, in the order the config docs show them: runtime
 * (`<envPrefix>_*`), health HTTP (`<envPrefix>_HTTP_*`), webhook receiver (`<envPrefix>_WEBHOOK_*`), Kafka,
 * registry, telemetry (service name `service`), credential store.
 */
export function platformSourceSchema(options: { service: string; envPrefix: string; httpPort: number; webhookPort: number }) {
  const { envPrefix } = options;
  return {
    source: sourceRuntimeSchema(envPrefix),
    http: httpSchema(options.httpPort, `${envPrefix}_HTTP`),
    webhook: sourceWebhookSchema(`${envPrefix}_WEBHOOK`, options.webhookPort),
    kafka: kafkaSchema,
    registry: registrySchema,
    telemetry: telemetrySchema(options.service),
    credentials: credentialsSchema,
  };
}

/** A setting holding an http(s) URL (an API base, a token or hub endpoint), refused at boot otherwise. */
export function httpUrlSetting(doc: string, defaultValue: string, env: string): convict.SchemaObj<string> {
  return {
    doc,
    format: (candidate: unknown) => {
      if (typeof candidate !== 'string' || !/^https?:\/\/[^\s]+$/.test(candidate)) throw new Error('must be an http(s) URL');
    },
    default: defaultValue,
    env,
  };
}
