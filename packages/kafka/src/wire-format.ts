// The Confluent wire format of a record value: magic byte 0, the schema id as a 4-byte
// big-endian unsigned integer, then the Avro binary body (no container header, no sync marker).
//   00 | 00 00 00 2a | <avro body>
// https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
// Anything else in a value is a poison record for Tributary: the errors below are data errors
// with stable codes, so the consumer runtime dead-letters them instead of retrying.
import { TributaryError } from '@tributary/errors';
import type { TributaryErrorOptions } from '@tributary/errors';

export const MAGIC_BYTE = 0;
/** Magic byte + schema id. */
export const WIRE_HEADER_BYTES = 5;
/** Schema ids are unsigned 32-bit on the wire; registries hand out positive ones. */
export const MAX_SCHEMA_ID = 0xffff_ffff;

export type SerdeErrorCode =
  | 'SERDE_TOO_SHORT'
  | 'SERDE_BAD_MAGIC'
  | 'SERDE_UNKNOWN_SCHEMA_ID'
  | 'SERDE_TRUNCATED_AVRO'
  | 'SERDE_INVALID_AVRO'
  | 'SERDE_INCOMPATIBLE'
  | 'SERDE_INVALID_VALUE';

/**
 * A record that cannot be (de)serialized. Always a data error: retrying the same bytes or the
 * same value cannot succeed, so the runtime routes it to the dead-letter topic (decode) or the
 * caller gets it before anything is sent (encode).
 */
export class SerdeError extends TributaryError {
  declare readonly code: SerdeErrorCode;

  constructor(code: SerdeErrorCode, message: string, options: Omit<TributaryErrorOptions, 'failureType' | 'retryable'> = {}) {
    super(code, message, { ...options, failureType: 'data', retryable: false });
  }
}

export function isSerdeError(error: unknown): error is SerdeError {
  return error instanceof SerdeError;
}

/** Reads the schema id of a framed value, or throws SERDE_TOO_SHORT / SERDE_BAD_MAGIC. */
export function readSchemaId(bytes: Buffer | null): number {
  if (bytes === null || bytes.length < WIRE_HEADER_BYTES) {
    const length = bytes?.length ?? 0;
    throw new SerdeError(
      'SERDE_TOO_SHORT',
      bytes === null
        ? 'The record has no value (null): expected Confluent-framed Avro.'
        : `The value is ${length} byte${length === 1 ? '' : 's'} long; Confluent framing needs at least ${WIRE_HEADER_BYTES} (magic byte + schema id).`,
      { details: { length } },
    );
  }
  const magic = bytes[0];
  if (magic !== MAGIC_BYTE) {
    throw new SerdeError(
      'SERDE_BAD_MAGIC',
      `The value starts with byte 0x${magic!.toString(16).padStart(2, '0')}, not the Confluent magic byte 0x00: it was not written by a schema-registry serializer.`,
      { details: { magicByte: magic, length: bytes.length } },
    );
  }
  return bytes.readUInt32BE(1);
}

/** Writes magic byte and schema id at the start of `target`. */
export function writeWireHeader(target: Buffer, schemaId: number): void {
  target[0] = MAGIC_BYTE;
  target.writeUInt32BE(schemaId, 1);
}
