// The administrative part of the Confluent schema-registry REST API that
// @kafkajs/confluent-schema-registry does not offer (subject config, lookup, compatibility
// checks), over fetch. Used by `tributary schemas register|check`; services never register.
// Verified against Apicurio Registry 3.0.9's Confluent API (/apis/ccompat/v7), which differs
// from Confluent in places (test/integration/schema-registration.test.ts):
//   - GET /config/{subject} answers 200 NONE for a subject created without its own config
//     (Confluent: 404); PUT /config/{subject} works before the subject has any version;
//   - POST /compatibility/subjects/{s}/versions/latest checks the latest version only, even when
//     the level is transitive; POST /compatibility/subjects/{s}/versions checks all versions;
//     for a subject that does not exist it answers is_compatible: true (Confluent: 404);
//   - without ?normalize=true, registration and lookup compare the schema text byte for byte, so
//     a reformatted schema becomes a new version; with it, they compare the parsed schema.
//   - ?verbose=true is accepted but gives no messages.
import type { RegistrySettings } from '@tributary/config';
import { TributaryError } from '@tributary/errors';
import { classifyRegistryError } from './registry.ts';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export interface RegisteredSchema {
  subject: string;
  version: number;
  id: number;
}

export interface RegistryAdmin {
  readonly url: string;
  /** The subject's own compatibility level; undefined when the registry has none for it (Confluent: 404). */
  getCompatibility(subject: string): Promise<string | undefined>;
  setCompatibility(subject: string, level: string): Promise<void>;
  /** Version numbers under the subject; empty when the subject does not exist. */
  listVersions(subject: string): Promise<number[]>;
  /** The version of `subject` whose schema equals `schemaText` (normalised), if any. */
  lookup(subject: string, schemaText: string): Promise<RegisteredSchema | undefined>;
  /** Registers `schemaText` under `subject` (normalised); the registry refuses an incompatible schema with 409. */
  register(subject: string, schemaText: string): Promise<number>;
  /** Whether `schemaText` is compatible with the latest version, or with every version (transitive). */
  testCompatibility(subject: string, schemaText: string, against: 'latest' | 'all'): Promise<boolean>;
}

interface RegistryReply {
  status: number;
  body: unknown;
}

function errorCode(body: unknown): number | undefined {
  const code = (body as { error_code?: unknown } | undefined)?.error_code;
  return typeof code === 'number' ? code : undefined;
}

function errorMessage(body: unknown): string {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : JSON.stringify(body);
}

export function createRegistryAdmin(settings: RegistrySettings): RegistryAdmin {
  const base = settings.url.replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE };
  if (settings.username !== '')
    headers.authorization = `Basic ${Buffer.from(`${settings.username}:${settings.password}`).toString('base64')}`;

  const call = async (operation: string, method: string, path: string, body?: unknown): Promise<RegistryReply> => {
    try {
      const response = await fetch(`${base}${path}`, {
        method,
        headers,
        signal: AbortSignal.timeout(settings.requestTimeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // keep the text: some proxies answer HTML
      }
      return { status: response.status, body: parsed };
    } catch (error) {
      const classified = classifyRegistryError(error, settings.url, operation);
      if (classified !== error) throw classified;
      if ((error as Error).name === 'TimeoutError') {
        throw new TributaryError(
          'REGISTRY_TIMEOUT',
          `Schema registry at ${settings.url} did not answer ${operation} within ${settings.requestTimeoutMs} ms.`,
          {
            failureType: 'transient',
            cause: error,
            details: { url: settings.url, operation },
          },
        );
      }
      throw error;
    }
  };

  const fail = (operation: string, subject: string, reply: RegistryReply): TributaryError => {
    const transient = reply.status >= 500 || reply.status === 429;
    return new TributaryError(
      'REGISTRY_REQUEST_FAILED',
      `Schema registry refused ${operation} for ${subject}: HTTP ${reply.status} ${errorMessage(reply.body)}`,
      {
        failureType: transient ? 'transient' : 'system',
        details: { url: settings.url, operation, subject, status: reply.status, errorCode: errorCode(reply.body) },
      },
    );
  };

  const encoded = (subject: string): string => encodeURIComponent(subject);

  return {
    url: settings.url,

    async getCompatibility(subject) {
      const reply = await call('get compatibility', 'GET', `/config/${encoded(subject)}`);
      if (reply.status === 404) return undefined;
      if (reply.status !== 200) throw fail('get compatibility', subject, reply);
      return (reply.body as { compatibilityLevel?: string }).compatibilityLevel;
    },

    async setCompatibility(subject, level) {
      const reply = await call('set compatibility', 'PUT', `/config/${encoded(subject)}`, { compatibility: level });
      if (reply.status !== 200) throw fail('set compatibility', subject, reply);
    },

    async listVersions(subject) {
      const reply = await call('list versions', 'GET', `/subjects/${encoded(subject)}/versions`);
      if (reply.status === 404) return [];
      if (reply.status !== 200) throw fail('list versions', subject, reply);
      return reply.body as number[];
    },

    async lookup(subject, schemaText) {
      const reply = await call('look up schema', 'POST', `/subjects/${encoded(subject)}?normalize=true`, { schema: schemaText });
      if (reply.status === 404) return undefined; // 40401 no such subject, 40403 schema not under it
      if (reply.status !== 200) throw fail('look up schema', subject, reply);
      const { version, id } = reply.body as { version: number; id: number };
      return { subject, version, id };
    },

    async register(subject, schemaText) {
      const reply = await call('register', 'POST', `/subjects/${encoded(subject)}/versions?normalize=true`, { schema: schemaText });
      if (reply.status === 409 || errorCode(reply.body) === 409) {
        throw new TributaryError(
          'SCHEMA_INCOMPATIBLE',
          `The registry refused a new version of ${subject} as incompatible: ${errorMessage(reply.body)}`,
          {
            failureType: 'config',
            retryable: false,
            hint: 'Run `tributary schemas check` to see which versions it breaks; evolve schemas by adding optional fields with defaults (docs/adr/0010).',
            details: { url: settings.url, subject },
          },
        );
      }
      if (reply.status !== 200) throw fail('register', subject, reply);
      return (reply.body as { id: number }).id;
    },

    async testCompatibility(subject, schemaText, against) {
      const path =
        against === 'latest'
          ? `/compatibility/subjects/${encoded(subject)}/versions/latest`
          : `/compatibility/subjects/${encoded(subject)}/versions`;
      const reply = await call('test compatibility', 'POST', path, { schema: schemaText });
      if (reply.status !== 200) throw fail('test compatibility', subject, reply);
      return (reply.body as { is_compatible: boolean }).is_compatible;
    },
  };
}
