// Decoded views of record values for operators: a Confluent-framed Avro value (magic byte +
// schema id) is read with its own writer schema fetched from the registry and shown as JSON;
// anything that cannot be decoded is shown as a hex dump next to the reason.
import type { RegistrySettings } from '@tributary/config';
import { createSchemaLookup, createSerde, readSchemaId } from '@tributary/kafka';
import type { Decoder } from '@tributary/kafka';

export type DecodedValue =
  | { decoded: true; schemaId: number; schemaName: string; value: unknown }
  | { decoded: false; error: { code: string; message: string }; sizeBytes: number; hex: string };

export interface ValueDecoder {
  decode(bytes: Buffer | null): Promise<DecodedValue>;
}

/** Buffers as hex strings, avsc records as plain objects: what JSON can show. */
export function jsonSafe(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = jsonSafe(item);
    return out;
  }
  return value;
}

/** Classic 16-bytes-per-line dump (offset, hex, printable ASCII), cut at `maxBytes`. */
export function hexDump(bytes: Buffer, maxBytes = 1024): string {
  const shown = bytes.subarray(0, maxBytes);
  const lines: string[] = [];
  for (let at = 0; at < shown.length; at += 16) {
    const row = shown.subarray(at, at + 16);
    const hex = [...row].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
    const text = [...row].map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  |${text}|`);
  }
  if (bytes.length > maxBytes) lines.push(`… ${bytes.length - maxBytes} more bytes`);
  return lines.join('\n');
}

export function createValueDecoder(registry: RegistrySettings): ValueDecoder {
  const lookup = createSchemaLookup(registry);
  const serde = createSerde(lookup);
  // Writer schema id -> a decoder that reads with the writer's own schema (no reader projection).
  const decoders = new Map<number, Promise<{ decoder: Decoder; name: string }>>();
  const decoderFor = (id: number): Promise<{ decoder: Decoder; name: string }> => {
    let entry = decoders.get(id);
    if (!entry) {
      entry = lookup.byId(id).then((writer) => {
        const schema = JSON.parse(writer.schema) as { name?: string; namespace?: string };
        const name =
          schema.name && schema.namespace && !schema.name.includes('.') ? `${schema.namespace}.${schema.name}` : (schema.name ?? '?');
        return { decoder: serde.decoder(writer.schema), name };
      });
      entry.catch(() => decoders.delete(id));
      decoders.set(id, entry);
    }
    return entry;
  };
  return {
    async decode(bytes) {
      try {
        const id = readSchemaId(bytes);
        const { decoder, name } = await decoderFor(id);
        const decoded = await decoder.decode(bytes);
        return { decoded: true, schemaId: decoded.schemaId, schemaName: name, value: jsonSafe(decoded.value) };
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return {
          decoded: false,
          error: { code: typeof code === 'string' ? code : 'UNDECODABLE', message: error instanceof Error ? error.message : String(error) },
          sizeBytes: bytes?.length ?? 0,
          hex: bytes === null ? '' : hexDump(bytes),
        };
      }
    },
  };
}
