// The three registry reads the serde needs, over the Confluent REST API (fetch, no client
// library): a writer schema by id (consumers), the latest version of a subject, and the version
// of a subject whose schema equals a given text (producers). Nothing here registers.
//   GET  /schemas/ids/{id}                    -> { schema, schemaType? }
//   GET  /subjects/{subject}/versions/latest  -> { id, version, schema }
//   POST /subjects/{subject}?normalize=true   -> { id, version, schema }   (lookup by text)
// Outcomes: 404 for an id is a data error (SERDE_UNKNOWN_SCHEMA_ID: the record names a schema
// this registry never had); 404 for a subject is a config error (schemas were not registered);
// no answer, 429 and 5xx are transient (REGISTRY_UNREACHABLE / REGISTRY_REQUEST_FAILED).
import type { RegistrySettings } from '@tributary/config';
import { TributaryError } from '@tributary/errors';
import { classifyRegistryError } from './registry.ts';
import { SerdeError } from './wire-format.ts';

export interface RegisteredSchemaText {
  id: number;
  /** The schema as the registry stores it (JSON text). */
  schema: string;
  /** AVRO when the registry leaves it out (Confluent's convention). */
  schemaType: string;
}

export interface SchemaLookup {
  readonly url: string;
  /** The writer schema of `id`; throws SERDE_UNKNOWN_SCHEMA_ID when the registry has no such id. */
  byId(id: number): Promise<RegisteredSchemaText>;
  /** The newest version of `subject`. */
  latest(subject: string): Promise<RegisteredSchemaText>;
  /** The version of `subject` whose schema is `schemaText` (compared normalised). */
  byText(subject: string, schemaText: string): Promise<RegisteredSchemaText>;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

interface Reply {
  status: number;
  body: unknown;
}

function message(body: unknown): string {
  const text = (body as { message?: unknown } | undefined)?.message;
  return typeof text === 'string' ? text : JSON.stringify(body);
}

export function createSchemaLookup(settings: RegistrySettings): SchemaLookup {
  const base = settings.url.replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE };
  if (settings.username !== '')
    headers.authorization = `Basic ${Buffer.from(`${settings.username}:${settings.password}`).toString('base64')}`;

  const call = async (operation: string, method: string, path: string, body?: unknown): Promise<Reply> => {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        signal: AbortSignal.timeout(settings.requestTimeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      text = await response.text();
    } catch (error) {
      const classified = classifyRegistryError(error, settings.url, operation);
      if (classified !== error) throw classified;
      throw new TributaryError('REGISTRY_UNREACHABLE', `Schema registry at ${settings.url} did not answer ${operation}: ${String(error)}`, {
        failureType: 'transient',
        cause: error,
        details: { url: settings.url, operation },
      });
    }
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // keep the text (a proxy's HTML page)
    }
    return { status: response.status, body: parsed };
  };

  const failed = (operation: string, target: string, reply: Reply): TributaryError => {
    const transient = reply.status >= 500 || reply.status === 429 || reply.status === 408;
    const auth = reply.status === 401 || reply.status === 403;
    return new TributaryError(
      'REGISTRY_REQUEST_FAILED',
      `Schema registry refused ${operation} for ${target}: HTTP ${reply.status} ${message(reply.body)}`,
      {
        failureType: transient ? 'transient' : auth ? 'config' : 'system',
        ...(auth ? { hint: 'Check TRIBUTARY_REGISTRY_USERNAME / TRIBUTARY_REGISTRY_PASSWORD.' } : {}),
        details: { url: settings.url, operation, status: reply.status },
      },
    );
  };

  const schemaOf = (body: unknown, fallbackId?: number): RegisteredSchemaText => {
    const { id, schema, schemaType } = body as { id?: number; schema?: string; schemaType?: string };
    return { id: id ?? fallbackId ?? 0, schema: schema ?? '', schemaType: schemaType ?? 'AVRO' };
  };

  const notRegistered = (subject: string, reply: Reply, what: string): TributaryError =>
    new TributaryError('SERDE_SCHEMA_NOT_REGISTERED', `Schema registry has no ${what} under subject ${subject}: ${message(reply.body)}`, {
      failureType: 'config',
      hint: 'Register the schemas first (npm run tributary -- schemas register); producers never register schemas themselves.',
      details: { url: settings.url, subject },
    });

  return {
    url: settings.url,

    async byId(id) {
      const reply = await call('schema lookup by id', 'GET', `/schemas/ids/${id}`);
      if (reply.status === 404) {
        throw new SerdeError(
          'SERDE_UNKNOWN_SCHEMA_ID',
          `The record names schema id ${id}, which the registry at ${settings.url} does not have.`,
          {
            details: { schemaId: id, url: settings.url },
          },
        );
      }
      if (reply.status !== 200) throw failed('schema lookup by id', `id ${id}`, reply);
      return schemaOf(reply.body, id);
    },

    async latest(subject) {
      const reply = await call('latest version lookup', 'GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
      if (reply.status === 404) throw notRegistered(subject, reply, 'version');
      if (reply.status !== 200) throw failed('latest version lookup', subject, reply);
      return schemaOf(reply.body);
    },

    async byText(subject, schemaText) {
      const reply = await call('schema lookup by text', 'POST', `/subjects/${encodeURIComponent(subject)}?normalize=true`, {
        schema: schemaText,
      });
      if (reply.status === 404) throw notRegistered(subject, reply, 'version with this schema');
      if (reply.status !== 200) throw failed('schema lookup by text', subject, reply);
      return schemaOf(reply.body);
    },
  };
}
