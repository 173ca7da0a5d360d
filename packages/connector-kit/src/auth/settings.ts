// Convict fragment for credential storage, composed by each source's spec:
//   const schema = { credentials: credentialsSchema, ... }  → TRIBUTARY_CREDENTIALS_* variables.
import type convict from 'convict';
import { ConfigError } from '@tributary/errors';
import { createEncryptedFileCredentialStore, createMemoryCredentialStore, parseEncryptionKey } from './credential-store.ts';
import type { CredentialStore } from './credential-store.ts';
import type { CredentialSeed } from './oauth-authenticator.ts';

export interface CredentialsSettings {
  storePath: string;
  encryptionKey: string;
  refreshSkewMs: number;
}

export const credentialsSchema: convict.Schema<CredentialsSettings> = {
  storePath: {
    doc: 'Directory of the encrypted credential store (rotated refresh tokens live here); empty keeps credentials in memory only.',
    format: String,
    default: '',
    env: 'TRIBUTARY_CREDENTIALS_STORE_PATH',
  },
  encryptionKey: {
    doc: 'AES-256-GCM key of the credential store: base64 of 32 bytes (`openssl rand -base64 32`). Required with storePath.',
    format: (value: unknown) => {
      if (typeof value !== 'string') throw new Error('must be a base64 string');
      if (value !== '') parseEncryptionKey(value);
    },
    default: '',
    env: 'TRIBUTARY_CREDENTIALS_ENCRYPTION_KEY',
    sensitive: true,
  },
  refreshSkewMs: {
    doc: 'Refresh an access token this long before it expires.',
    format: 'positive-int',
    default: 300_000,
    env: 'TRIBUTARY_CREDENTIALS_REFRESH_SKEW_MS',
  },
};

/** The store the settings describe: encrypted files under storePath, or memory when storePath is empty. */
export function createCredentialStore(settings: Pick<CredentialsSettings, 'storePath' | 'encryptionKey'>): CredentialStore {
  if (settings.storePath === '') return createMemoryCredentialStore();
  if (settings.encryptionKey === '') {
    throw new ConfigError('CONNECTOR_CREDENTIAL_KEY_MISSING', 'A credential store path is set but no encryption key', {
      hint: 'Set TRIBUTARY_CREDENTIALS_ENCRYPTION_KEY (generate with `openssl rand -base64 32`), or unset TRIBUTARY_CREDENTIALS_STORE_PATH.',
    });
  }
  return createEncryptedFileCredentialStore({ directory: settings.storePath, encryptionKey: settings.encryptionKey });
}

const SEED_SHAPE = '[{"id","accessToken","refreshToken","accessTokenExpiresAt","accessTokenIssuedAt"}]';

/**
 * A source's seed credentials setting, JSON `[{"id","accessToken","refreshToken"?,"accessTokenExpiresAt"?,
 * "accessTokenIssuedAt"?}]` (times in epoch ms). Empty text is no seeds. An entry needs a non-empty id and
 * an access token or a refresh token (an empty access token is refreshed before first use). Throws
 * CONNECTOR_SEED_CREDENTIALS_INVALID naming the entry (`setting[index]`), never a token.
 */
export function parseSeedCredentials(text: string, setting = 'seedCredentials'): CredentialSeed[] {
  const invalid = (message: string): ConfigError =>
    new ConfigError('CONNECTOR_SEED_CREDENTIALS_INVALID', message, { hint: `Set ${setting} to a JSON array ${SEED_SHAPE}.` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text === '' ? '[]' : text);
  } catch {
    throw invalid(`${setting} is not JSON.`);
  }
  if (!Array.isArray(parsed)) throw invalid(`${setting} must be a JSON array.`);
  return parsed.map((entry: unknown, index) => {
    const record = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const { id, accessToken, refreshToken } = record;
    const at = `${setting}[${index}]`;
    if (refreshToken !== undefined && refreshToken !== null && typeof refreshToken !== 'string')
      throw invalid(`${at}.refreshToken is not a string.`);
    const refresh = typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : null;
    if (typeof id !== 'string' || id === '' || typeof accessToken !== 'string' || (accessToken === '' && refresh === null))
      throw invalid(`${at} needs a string id and accessToken (or a refreshToken).`);
    const epochMs = (field: 'accessTokenExpiresAt' | 'accessTokenIssuedAt'): number | null => {
      const value = record[field];
      if (value === undefined || value === null) return null;
      if (!Number.isSafeInteger(value)) throw invalid(`${at}.${field} is not epoch ms.`);
      return value as number;
    };
    return {
      id,
      accessToken,
      refreshToken: refresh,
      accessTokenExpiresAt: epochMs('accessTokenExpiresAt'),
      accessTokenIssuedAt: epochMs('accessTokenIssuedAt'),
    };
  });
}

/**
 * The convict entry of a source's seed credentials: `${envPrefix}_SEED_CREDENTIALS`, a sensitive JSON string
 * validated at boot with parseSeedCredentials (convict masks sensitive values in its errors, and the parser's
 * messages name entries, never tokens). The credential store wins once it holds a credential.
 */
export function seedCredentialsSetting(envPrefix: string, doc?: string): convict.SchemaObj<string> {
  return {
    doc:
      doc ??
      `Seed credentials, JSON ${SEED_SHAPE} (epoch ms; id = the credential id scopes refer to). The credential store wins once it holds a credential.`,
    format: (value: unknown) => {
      if (typeof value !== 'string') throw new Error('must be a JSON string');
      parseSeedCredentials(value);
    },
    default: '[]',
    env: `${envPrefix}_SEED_CREDENTIALS`,
    sensitive: true,
  };
}
