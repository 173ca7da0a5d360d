// Confluent-API schema registry client. Services only look schemas up and encode with known
// ids; registration is an explicit command (schemas register, the canary), never a side effect
// of producing. Network failures become REGISTRY_UNREACHABLE with what to do about it.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { TimeoutMiddleware } from 'mappersmith/middleware/timeout';
import type { SchemaRegistryAPIClientArgs as ApiClientArgs } from '@kafkajs/confluent-schema-registry/dist/api/index.js';
import type { RegistrySettings } from '@tributary/config';
import { TributaryError } from '@tributary/errors';

export interface Registry {
  readonly url: string;
  /** Registers an Avro schema (its .avsc text) under `subject`; returns the schema id. */
  registerAvro(schemaText: string, subject: string): Promise<number>;
  /** Confluent wire format: magic byte 0, 4-byte schema id, Avro body. */
  encode(schemaId: number, value: unknown): Promise<Buffer>;
  decode(buffer: Buffer): Promise<unknown>;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

// The client (mappersmith) flattens socket errors into a ResponseError whose message carries
// the code ("status 400: connect ECONNREFUSED 127.0.0.1:9"), so messages are searched too.
const NETWORK_CODE_IN_TEXT = new RegExp(`\\b(${[...NETWORK_CODES].join('|')})\\b`);

function networkCode(error: unknown): string | undefined {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    const inText = NETWORK_CODE_IN_TEXT.exec(String((current as { message?: unknown }).message ?? ''));
    if (inText) return inText[1];
    const nested = (current as { errors?: unknown[] }).errors; // AggregateError from happy-eyeballs connects
    if (Array.isArray(nested)) for (const inner of nested) if (networkCode(inner)) return networkCode(inner);
  }
  return undefined;
}

export function classifyRegistryError(error: unknown, url: string, operation: string): unknown {
  const code = networkCode(error);
  if (code === undefined) return error;
  return new TributaryError('REGISTRY_UNREACHABLE', `Schema registry at ${url} is unreachable (${code}) during ${operation}.`, {
    failureType: 'transient',
    cause: error,
    hint: 'Start the local stack (npm run stack -- up) or set TRIBUTARY_REGISTRY_URL to a running Confluent-API registry.',
    details: { url, operation },
  });
}

export function createSchemaRegistry(settings: RegistrySettings): Registry {
  const auth = settings.username === '' ? undefined : { username: settings.username, password: settings.password };
  // The client's HTTP layer (mappersmith) has no timeout unless a middleware sets one. The cast
  // bridges mappersmith's ESM and CJS type declarations of the same function shape.
  const timeout = TimeoutMiddleware(settings.requestTimeoutMs) as unknown as NonNullable<ApiClientArgs['middlewares']>[number];
  const client = new SchemaRegistry(
    { host: settings.url, ...(auth ? { auth } : {}), clientId: 'tributary', retry: { retries: 2 }, middlewares: [timeout] },
    {},
  );
  const guard = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw classifyRegistryError(error, settings.url, operation);
    }
  };
  return {
    url: settings.url,
    registerAvro: (schemaText, subject) =>
      guard('register', async () => (await client.register({ type: SchemaType.AVRO, schema: schemaText }, { subject })).id),
    encode: (schemaId, value) => guard('encode', () => client.encode(schemaId, value)),
    decode: (buffer) => guard('decode', () => client.decode(buffer) as Promise<unknown>),
  };
}
