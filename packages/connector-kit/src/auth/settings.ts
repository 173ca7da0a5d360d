// Convict fragment for credential storage, composed by each source's spec:
//   const schema = { credentials: credentialsSchema, ... }  → TRIBUTARY_CREDENTIALS_* variables.
import type convict from 'convict';
import { ConfigError } from '@tributary/errors';
import { createEncryptedFileCredentialStore, createMemoryCredentialStore, parseEncryptionKey } from './credential-store.ts';
import type { CredentialStore } from './credential-store.ts';

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
