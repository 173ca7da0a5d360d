// Avro serde with the Confluent wire format (wire-format.ts), built on avsc directly.
//
// Producer side: an Encoder is bound to one subject and one writer schema. Its schema id is
// looked up once when the encoder is created (by schema text, or the subject's latest version)
// and never again: encode() is synchronous, allocates one buffer of the exact size, and makes no
// registry call. Producers never register schemas (`tributary schemas register` does).
//
// Consumer side: a Decoder is bound to the reader schema the consumer was written against (the
// generated one). Writer schemas are fetched by id once per process and cached (unknown ids too,
// for a while, so a burst of poison records does not hammer the registry); a resolver is built
// once per (writer id, reader schema) pair. A record written with any compatible writer version
// is read as the reader's shape: new optional fields appear with their defaults, removed ones
// are dropped.
//
// Errors: everything the bytes or the value are to blame for is a SerdeError (data, never
// retried); a registry that does not answer is transient (REGISTRY_UNREACHABLE).
import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import type { RegistrySettings } from '@tributary/config';
import { TributaryError } from '@tributary/errors';
import { createSchemaLookup } from './schema-lookup.ts';
import type { SchemaLookup } from './schema-lookup.ts';
import { SerdeError, WIRE_HEADER_BYTES, readSchemaId, writeWireHeader } from './wire-format.ts';

/** An avsc Type, an Avro schema as JSON (e.g. EVENT_SCHEMAS[name].schema), or its text. */
export type AvroSchema = Type | Readonly<Record<string, unknown>> | string;

export interface Encoder<T = unknown> {
  readonly subject: string;
  readonly schemaId: number;
  /** Magic byte + schema id + Avro body; throws SERDE_INVALID_VALUE naming every bad field path. */
  encode(value: T): Buffer;
}

export interface Decoded<T> {
  value: T;
  /** The writer's schema id, as framed in the record. */
  schemaId: number;
}

export interface Decoder<T = unknown> {
  readonly readerType: Type;
  /** Decodes a framed value, fetching its writer schema first if this process has not seen the id. */
  decode(bytes: Buffer | null): Promise<Decoded<T>>;
  /**
   * Decodes without any I/O. The writer schema must already be cached (Serde.load with the
   * record's id); otherwise throws SERDE_WRITER_NOT_LOADED (a system error, i.e. a caller bug).
   */
  decodeSync(bytes: Buffer | null): Decoded<T>;
}

export interface Serde {
  /** An encoder for `subject`: with `schema`, the registered version equal to it; without, the latest version. */
  encoder<T = unknown>(subject: string, options?: { schema?: AvroSchema }): Promise<Encoder<T>>;
  decoder<T = unknown>(readerSchema: AvroSchema): Decoder<T>;
  /** Fetches and caches the writer schemas of `ids` not cached yet (at most one request per id). */
  load(ids: Iterable<number>): Promise<void>;
}

export interface SerdeOptions {
  /** How long an id the registry does not know stays cached as unknown before asking again. */
  unknownIdRetryMs?: number;
  /** Initial size of an encoder's scratch buffer; it grows to the largest value seen. */
  initialEncodeBufferBytes?: number;
}

interface KnownWriter {
  id: number;
  type: Type;
  canonical: string;
}
type WriterEntry = KnownWriter | { id: number; error: SerdeError; expiresAt: number };

const DEFAULT_UNKNOWN_ID_RETRY_MS = 60_000;

/** Parses an AvroSchema into an avsc Type (avsc defaults: long → number, bytes → Buffer). */
export function avroTypeOf(schema: AvroSchema): Type {
  if (avro.Type.isType(schema)) return schema as Type;
  const json: unknown = typeof schema === 'string' ? JSON.parse(schema) : schema;
  return avro.Type.forSchema(json as Schema);
}

function schemaText(schema: AvroSchema): string {
  if (typeof schema === 'string') return schema;
  if (avro.Type.isType(schema)) return JSON.stringify((schema as Type).schema({ exportAttrs: true }));
  return JSON.stringify(schema);
}

/** Two types with the same text here encode identically, so the reader can read the writer's bytes directly. */
function canonicalOf(type: Type): string {
  return JSON.stringify(type.schema());
}

/** Every path in `value` that does not match `type` (avsc's isValid errorHook). */
export function invalidPaths(type: Type, value: unknown): string[] {
  const paths: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], found: unknown, expected: Type) => {
      let shown: string;
      try {
        shown = found === undefined ? 'undefined' : (JSON.stringify(found) ?? String(found));
      } catch {
        shown = String(found);
      }
      if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
      const expectedName =
        expected.typeName === 'record' || expected.typeName === 'enum' ? (expected.name ?? expected.typeName) : expected.typeName;
      paths.push(`${path.length === 0 ? '(root)' : path.join('.')}: expected ${expectedName}, got ${shown}`);
    },
  });
  return paths;
}

export function createSerde(source: SchemaLookup | RegistrySettings, options: SerdeOptions = {}): Serde {
  const lookup: SchemaLookup = 'byId' in source ? source : createSchemaLookup(source);
  const unknownIdRetryMs = options.unknownIdRetryMs ?? DEFAULT_UNKNOWN_ID_RETRY_MS;
  const writers = new Map<number, WriterEntry>();
  const pending = new Map<number, Promise<void>>();

  const fetchWriter = async (id: number): Promise<void> => {
    try {
      const registered = await lookup.byId(id);
      if (registered.schemaType.toUpperCase() !== 'AVRO') {
        throw new SerdeError('SERDE_INCOMPATIBLE', `Schema id ${id} is a ${registered.schemaType} schema; Tributary reads Avro only.`, {
          details: { schemaId: id, schemaType: registered.schemaType },
        });
      }
      let type: Type;
      try {
        type = avroTypeOf(registered.schema);
      } catch (error) {
        throw new SerdeError('SERDE_INCOMPATIBLE', `Schema id ${id} is not a schema avsc can parse: ${(error as Error).message}`, {
          cause: error,
          details: { schemaId: id },
        });
      }
      writers.set(id, { id, type, canonical: canonicalOf(type) });
    } catch (error) {
      if (!(error instanceof SerdeError)) throw error; // transient or config: not cached, the caller retries
      writers.set(id, { id, error, expiresAt: Date.now() + unknownIdRetryMs });
    }
  };

  const load = async (ids: Iterable<number>): Promise<void> => {
    const waits: Promise<void>[] = [];
    const now = Date.now();
    for (const id of new Set(ids)) {
      const entry = writers.get(id);
      if (entry && !('error' in entry && entry.expiresAt <= now)) continue;
      let inFlight = pending.get(id);
      if (!inFlight) {
        inFlight = fetchWriter(id).finally(() => pending.delete(id));
        pending.set(id, inFlight);
      }
      waits.push(inFlight);
    }
    await Promise.all(waits);
  };

  const decoder = <T>(readerSchema: AvroSchema): Decoder<T> => {
    const readerType = avroTypeOf(readerSchema);
    const readerCanonical = canonicalOf(readerType);
    // undefined: the writer is the reader's own schema, read directly.
    const resolvers = new Map<number, { resolver: ReturnType<Type['createResolver']> | undefined } | { error: SerdeError }>();

    const resolverFor = (entry: KnownWriter) => {
      let cached = resolvers.get(entry.id);
      if (!cached) {
        if (entry.canonical === readerCanonical) cached = { resolver: undefined };
        else {
          try {
            cached = { resolver: readerType.createResolver(entry.type) };
          } catch (error) {
            cached = {
              error: new SerdeError(
                'SERDE_INCOMPATIBLE',
                `Records written with schema id ${entry.id} cannot be read as ${readerType.name ?? readerType.typeName}: ${(error as Error).message}`,
                { cause: error, details: { schemaId: entry.id, reader: readerType.name } },
              ),
            };
          }
        }
        resolvers.set(entry.id, cached);
      }
      if ('error' in cached) throw cached.error;
      return cached.resolver;
    };

    const decodeSync = (bytes: Buffer | null): Decoded<T> => {
      const schemaId = readSchemaId(bytes);
      const entry = writers.get(schemaId);
      if (!entry) {
        throw new TributaryError('SERDE_WRITER_NOT_LOADED', `Writer schema ${schemaId} is not cached; call Serde.load() first.`, {
          failureType: 'system',
        });
      }
      if ('error' in entry) throw entry.error;
      const resolver = resolverFor(entry);
      const body = bytes as Buffer;
      let decoded: { value: unknown; offset: number };
      try {
        decoded = readerType.decode(body, WIRE_HEADER_BYTES, resolver);
      } catch (error) {
        throw new SerdeError('SERDE_INVALID_AVRO', `The Avro body (schema id ${schemaId}) is invalid: ${(error as Error).message}`, {
          cause: error,
          details: { schemaId, length: body.length },
        });
      }
      if (decoded.offset < 0) {
        throw new SerdeError(
          'SERDE_TRUNCATED_AVRO',
          `The Avro body (schema id ${schemaId}, ${body.length - WIRE_HEADER_BYTES} bytes) ends before the record does.`,
          { details: { schemaId, length: body.length } },
        );
      }
      if (decoded.offset !== body.length) {
        throw new SerdeError(
          'SERDE_INVALID_AVRO',
          `The Avro body (schema id ${schemaId}) has ${body.length - decoded.offset} bytes after the end of the record: wrong schema id or corrupted value.`,
          { details: { schemaId, length: body.length, end: decoded.offset } },
        );
      }
      return { value: decoded.value as T, schemaId };
    };

    return {
      readerType,
      decodeSync,
      async decode(bytes) {
        const schemaId = readSchemaId(bytes);
        const entry = writers.get(schemaId);
        if (!entry || ('error' in entry && entry.expiresAt <= Date.now())) await load([schemaId]);
        return decodeSync(bytes);
      },
    };
  };

  const encoder = async <T>(subject: string, encoderOptions: { schema?: AvroSchema } = {}): Promise<Encoder<T>> => {
    let type: Type;
    let schemaId: number;
    if (encoderOptions.schema !== undefined) {
      type = avroTypeOf(encoderOptions.schema);
      schemaId = (await lookup.byText(subject, schemaText(encoderOptions.schema))).id;
    } else {
      const latest = await lookup.latest(subject);
      type = avroTypeOf(latest.schema);
      schemaId = latest.id;
    }
    let scratch = Buffer.allocUnsafe(Math.max(options.initialEncodeBufferBytes ?? 4096, 64));
    return {
      subject,
      schemaId,
      encode(value: T): Buffer {
        let end: number;
        try {
          end = type.encode(value, scratch, WIRE_HEADER_BYTES);
          if (end < 0) {
            // avsc returns (buffer length - bytes needed) when the value does not fit: grow once, redo.
            scratch = Buffer.allocUnsafe(Math.max(scratch.length - end, scratch.length * 2));
            end = type.encode(value, scratch, WIRE_HEADER_BYTES);
          }
        } catch (error) {
          const paths = invalidPaths(type, value);
          throw new SerdeError(
            'SERDE_INVALID_VALUE',
            `The value does not match ${type.name ?? type.typeName} (subject ${subject}): ${paths.length > 0 ? paths.slice(0, 10).join('; ') : (error as Error).message}`,
            { cause: error, details: { subject, schemaId, paths } },
          );
        }
        const out = Buffer.allocUnsafe(end);
        scratch.copy(out, 0, 0, end);
        writeWireHeader(out, schemaId);
        return out;
      },
    };
  };

  return { encoder, decoder, load };
}
