// Where credentials live between runs. Rotating refresh tokens (TikTok since 2026) make this
// state, not configuration: the newest refresh token exists only here once the old one is spent.
// The file store encrypts each record with AES-256-GCM (random IV per write, the credential id
// as associated data so records cannot be swapped between files), writes atomically
// (temp file + rename) with mode 0600, and never puts a token into an error message.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, TributaryError } from '@tributary/errors';

export type CredentialState = 'active' | 'suspended';

/** Everything known about one credential; tokens are secrets and never logged. */
export interface CredentialRecord {
  credentialId: string;
  accessToken: string;
  /** Epoch ms; null when the platform did not say (the token works until rejected). */
  accessTokenExpiresAt: number | null;
  /** Epoch ms the access token was issued (Instagram refreshes only tokens at least 24 h old); null when unknown. */
  accessTokenIssuedAt: number | null;
  refreshToken: string | null;
  refreshTokenExpiresAt: number | null;
  state: CredentialState;
  /** Why the credential is suspended (an error code, never a token). */
  suspendedReason: string | null;
  /** Fingerprint of the configured seed this record grew from: a different seed means the operator re-authorised. */
  seedFingerprint: string;
  updatedAt: number;
}

export interface CredentialStore {
  /** The stored record, or null when the credential was never saved. */
  load(credentialId: string): Promise<CredentialRecord | null>;
  /** Durable when it resolves. */
  save(record: CredentialRecord): Promise<void>;
}

/** For tests and for deployments without a store path: state lasts as long as the process. */
export function createMemoryCredentialStore(): CredentialStore & { records: Map<string, CredentialRecord> } {
  const records = new Map<string, CredentialRecord>();
  return {
    records,
    load: (credentialId) => Promise.resolve(records.has(credentialId) ? { ...records.get(credentialId)! } : null),
    save: (record) => {
      records.set(record.credentialId, { ...record });
      return Promise.resolve();
    },
  };
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const ENVELOPE_VERSION = 1;

/** Decodes the configured key: base64 of exactly 32 random bytes (`openssl rand -base64 32`). */
export function parseEncryptionKey(base64Key: string): Buffer {
  const trimmed = base64Key.trim();
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES) {
    throw new ConfigError('CONNECTOR_CREDENTIAL_KEY_INVALID', `The credential encryption key must be base64 of ${KEY_BYTES} bytes`, {
      hint: 'Generate one with `openssl rand -base64 32` and set it in TRIBUTARY_CREDENTIALS_ENCRYPTION_KEY.',
      details: { decodedBytes: key.length },
    });
  }
  return key;
}

export interface EncryptedFileStoreOptions {
  /** Directory holding one encrypted file per credential; created (mode 0700) when missing. */
  directory: string;
  /** Base64 of 32 bytes. */
  encryptionKey: string;
}

interface Envelope {
  v: number;
  iv: string;
  tag: string;
  data: string;
}

/** One file per credential: `<base64url(credential id)>.cred`, JSON envelope {v, iv, tag, data}. */
export function createEncryptedFileCredentialStore(options: EncryptedFileStoreOptions): CredentialStore {
  const key = parseEncryptionKey(options.encryptionKey);
  const fileOf = (credentialId: string) => join(options.directory, `${Buffer.from(credentialId).toString('base64url')}.cred`);
  let directoryReady: Promise<unknown> | null = null;
  let writeSequence = 0;
  // Saves of one credential run one after another, so an older record can never be renamed over a newer one.
  const writeChains = new Map<string, Promise<void>>();

  return {
    async load(credentialId) {
      let text: string;
      try {
        text = await readFile(fileOf(credentialId), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw storeError('CONNECTOR_CREDENTIAL_STORE_UNREADABLE', `Cannot read the stored credential "${credentialId}"`, error);
      }
      return decrypt(key, credentialId, text);
    },

    save(record) {
      const previous = writeChains.get(record.credentialId) ?? Promise.resolve();
      const write = previous.catch(() => undefined).then(() => writeRecord(record));
      writeChains.set(record.credentialId, write);
      void write
        .finally(() => {
          if (writeChains.get(record.credentialId) === write) writeChains.delete(record.credentialId);
        })
        .catch(() => undefined);
      return write;
    },
  };

  async function writeRecord(record: CredentialRecord): Promise<void> {
    const target = fileOf(record.credentialId);
    const temporary = `${target}.${process.pid}.${++writeSequence}.tmp`;
    try {
      directoryReady ??= mkdir(options.directory, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
        directoryReady = null;
        throw error;
      });
      await directoryReady;
      await writeFile(temporary, encrypt(key, record), { mode: 0o600, flag: 'wx' });
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw storeError('CONNECTOR_CREDENTIAL_STORE_WRITE_FAILED', `Cannot write the credential "${record.credentialId}"`, error);
    }
  }
}

function encrypt(key: Buffer, record: CredentialRecord): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(record.credentialId));
  const data = Buffer.concat([cipher.update(JSON.stringify(record), 'utf8'), cipher.final()]);
  const envelope: Envelope = {
    v: ENVELOPE_VERSION,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  return `${JSON.stringify(envelope)}\n`;
}

function decrypt(key: Buffer, credentialId: string, text: string): CredentialRecord {
  let envelope: Envelope;
  try {
    envelope = JSON.parse(text) as Envelope;
  } catch (error) {
    throw storeError(
      'CONNECTOR_CREDENTIAL_STORE_UNREADABLE',
      `The stored credential "${credentialId}" is not a credential envelope`,
      error,
    );
  }
  if (envelope.v !== ENVELOPE_VERSION) {
    throw storeError(
      'CONNECTOR_CREDENTIAL_STORE_UNREADABLE',
      `The stored credential "${credentialId}" has unknown format version ${String(envelope.v)}`,
    );
  }
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
    decipher.setAAD(Buffer.from(credentialId));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    plain = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    // GCM authentication failed: wrong key, or the file was altered or moved from another credential.
    throw new ConfigError(
      'CONNECTOR_CREDENTIAL_STORE_KEY_MISMATCH',
      `The stored credential "${credentialId}" cannot be decrypted with the configured key`,
      {
        hint: 'Set TRIBUTARY_CREDENTIALS_ENCRYPTION_KEY to the key the store was written with, or delete the file and re-authorise the account.',
      },
    );
  }
  return JSON.parse(plain) as CredentialRecord;
}

function storeError(code: string, message: string, cause?: unknown): TributaryError {
  return new TributaryError(code, message, {
    failureType: 'system',
    retryable: false,
    cause,
    hint: 'Check that TRIBUTARY_CREDENTIALS_STORE_PATH is a writable directory owned by the service user.',
  });
}
