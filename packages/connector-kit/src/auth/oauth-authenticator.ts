// Access tokens per credential (contracts.ts Authenticator) for OAuth platforms.
// - Proactive refresh when a token expires within refreshSkewMs; concurrent callers share one
//   refresh per credential (single flight).
// - Rotation: a refreshed record (new refresh token included) is saved to the store before the
//   new access token is handed out. If the save fails the record is kept in memory, not used,
//   and saved again on the next call: the spent refresh token is never the only one left.
// - A refresh the platform refuses (invalid_grant, Meta 190, any other non-retryable reply)
//   suspends that credential only; 5xx/network failures are retried with backoff, then given
//   up for now without suspension.
// - Tokens never reach logs or error messages.
import { createHash } from 'node:crypto';
import { fetch } from 'undici';
import type { Dispatcher } from 'undici';
import { ConfigError, TributaryError, describeCause } from '@tributary/errors';
import type { Platform } from '@tributary/events';
import type { Logger } from '@tributary/telemetry';
import type { Authenticator, Clock, RequesterHealth } from '../contracts.ts';
import type { CredentialRecord, CredentialStore } from './credential-store.ts';
import type { OAuthRefreshSpec } from './refresh-specs.ts';

/** A credential as configured: the tokens of the first authorisation. The store's record wins once it exists. */
export interface CredentialSeed {
  id: string;
  accessToken: string;
  /** Epoch ms; omit when unknown (the token is used until the platform rejects it). */
  accessTokenExpiresAt?: number | null;
  accessTokenIssuedAt?: number | null;
  refreshToken?: string | null;
  refreshTokenExpiresAt?: number | null;
}

export interface OAuthAuthenticatorOptions {
  platform: Platform;
  credentials: readonly CredentialSeed[];
  /** null: access tokens only, each works until it expires. */
  refresh: OAuthRefreshSpec | null;
  store: CredentialStore;
  clock: Clock;
  logger: Logger;
  refreshSkewMs: number;
  /** Tries per refresh for transient failures (5xx, network). */
  refreshAttempts?: number;
  /** First backoff between tries; doubles each time. */
  refreshBackoffMs?: number;
  /** After transient failures, a still-valid token is used without trying again for this long. */
  refreshCooldownMs?: number;
  refreshTimeoutMs?: number;
  /** undici dispatcher for the token endpoint (tests, proxies). */
  dispatcher?: Dispatcher;
}

export const CREDENTIAL_SUSPENDED = 'CONNECTOR_CREDENTIAL_SUSPENDED';
export const CREDENTIAL_REFRESH_FAILED = 'CONNECTOR_CREDENTIAL_REFRESH_FAILED';

type RefreshOutcome = { kind: 'refreshed' } | { kind: 'suspended' } | { kind: 'failed'; error: TributaryError };

interface Entry {
  seed: CredentialSeed;
  record: CredentialRecord | null;
  /** A refreshed record not yet durable: it holds the only valid refresh token, so it is saved before anything else. */
  unsaved: CredentialRecord | null;
  loading: Promise<CredentialRecord> | null;
  refreshing: Promise<RefreshOutcome> | null;
  /** No proactive refresh before this time (after transient failures). */
  proactiveRefreshAfter: number;
  suspensionLogged: boolean;
}

export function createOAuthAuthenticator(options: OAuthAuthenticatorOptions): Authenticator {
  const { platform, refresh: spec, store, clock, logger, refreshSkewMs } = options;
  const refreshAttempts = options.refreshAttempts ?? 3;
  const refreshBackoffMs = options.refreshBackoffMs ?? 1_000;
  const refreshCooldownMs = options.refreshCooldownMs ?? 60_000;
  const refreshTimeoutMs = options.refreshTimeoutMs ?? 30_000;
  const log = logger.child({ component: 'authenticator', platform });
  const entries = new Map<string, Entry>();

  for (const seed of options.credentials) {
    if (entries.has(seed.id)) throw new ConfigError('CONNECTOR_CREDENTIAL_DUPLICATE', `Credential "${seed.id}" is configured twice`);
    const entry: Entry = {
      seed,
      record: null,
      unsaved: null,
      loading: null,
      refreshing: null,
      proactiveRefreshAfter: 0,
      suspensionLogged: false,
    };
    entries.set(seed.id, entry);
    loaded(entry).catch(() => undefined); // started now; a failure surfaces on the first accessToken() call
  }

  /** The record, loaded once from the store (or seeded); a failed load is retried on the next call. */
  function loaded(entry: Entry): Promise<CredentialRecord> {
    entry.loading ??= load(entry).catch((error: unknown) => {
      entry.loading = null;
      throw error;
    });
    return entry.loading;
  }

  async function load(entry: Entry): Promise<CredentialRecord> {
    const fingerprint = seedFingerprint(entry.seed);
    const stored = await store.load(entry.seed.id);
    if (stored !== null && stored.seedFingerprint === fingerprint) {
      entry.record = stored;
      if (stored.state === 'suspended') logSuspension(entry, stored.suspendedReason ?? 'unknown');
      return stored;
    }
    // First start, or the operator configured new tokens (re-authorisation): the seed wins.
    const seeded: CredentialRecord = {
      credentialId: entry.seed.id,
      accessToken: entry.seed.accessToken,
      accessTokenExpiresAt: entry.seed.accessTokenExpiresAt ?? null,
      // Unknown issue time with a minimum refresh age (Instagram): count from now, so the first
      // refresh is not refused as too young (a refusal would suspend the credential).
      accessTokenIssuedAt: entry.seed.accessTokenIssuedAt ?? (spec?.minTokenAgeMs === undefined ? null : clock.now()),
      refreshToken: entry.seed.refreshToken ?? null,
      refreshTokenExpiresAt: entry.seed.refreshTokenExpiresAt ?? null,
      state: 'active',
      suspendedReason: null,
      seedFingerprint: fingerprint,
      updatedAt: clock.now(),
    };
    if (stored !== null) log.info({ credential: entry.seed.id }, 'Credential re-seeded from configuration');
    await store.save(seeded);
    entry.record = seeded;
    return seeded;
  }

  function entryOf(credential: string): Entry {
    const entry = entries.get(credential);
    if (entry === undefined) {
      throw new ConfigError('CONNECTOR_CREDENTIAL_UNKNOWN', `No credential "${credential}" is configured for ${platform}`, {
        hint: 'Add the credential to the source configuration, or fix the credential id the stream uses.',
      });
    }
    return entry;
  }

  function suspendedError(entry: Entry): TributaryError {
    return new TributaryError(
      CREDENTIAL_SUSPENDED,
      `Credential "${entry.seed.id}" of ${platform} is suspended: ${entry.record?.suspendedReason ?? 'unknown'}`,
      {
        failureType: 'config',
        retryable: false,
        hint: `Re-authorise the account and configure the new tokens for credential "${entry.seed.id}" (a new seed replaces the stored record); if the reason names the client (invalid_client), fix the app's client id or secret and restart.`,
        details: { platform, credential: entry.seed.id, reason: entry.record?.suspendedReason ?? null },
      },
    );
  }

  function logSuspension(entry: Entry, reason: string): void {
    if (entry.suspensionLogged) return;
    entry.suspensionLogged = true;
    log.error({ credential: entry.seed.id, reason }, 'Credential suspended; re-authorise the account');
  }

  /**
   * Suspends one credential. `persist: false` for refusals that are not about the grant (a wrong
   * client secret): a restart with corrected configuration then tries again without re-seeding.
   */
  async function suspend(entry: Entry, reason: string, persist = true): Promise<void> {
    const current = entry.record!;
    const suspended: CredentialRecord = { ...current, state: 'suspended', suspendedReason: reason, updatedAt: clock.now() };
    entry.record = suspended;
    logSuspension(entry, reason);
    if (!persist) return;
    try {
      await store.save(suspended);
    } catch (error) {
      log.warn({ credential: entry.seed.id, err: error }, 'Cannot persist the credential suspension');
    }
  }

  /** Saves a refreshed record that an earlier save failed to persist; only then is it used. */
  async function persistUnsaved(entry: Entry): Promise<void> {
    if (entry.unsaved === null) return;
    const record = entry.unsaved;
    await store.save(record);
    if (entry.unsaved === record) entry.unsaved = null;
    entry.record = record;
  }

  /** Loaded, with any unsaved refresh made durable first (rejects CONNECTOR_CREDENTIAL_STORE_FAILED while it cannot be). */
  async function ready(entry: Entry, signal?: AbortSignal): Promise<CredentialRecord> {
    await untilAborted(loaded(entry), signal);
    if (entry.unsaved !== null) {
      try {
        await persistUnsaved(entry);
      } catch (error) {
        throw storeFailure(entry, error);
      }
    }
    return entry.record!;
  }

  const isExpired = (record: CredentialRecord, now: number) => record.accessTokenExpiresAt !== null && now >= record.accessTokenExpiresAt;
  const expiresSoon = (record: CredentialRecord, now: number) =>
    record.accessTokenExpiresAt !== null && record.accessTokenExpiresAt - now <= refreshSkewMs;

  /** Null when a refresh can be tried now, else why not. */
  function refreshBlocker(record: CredentialRecord, now: number): string | null {
    if (spec === null) return 'no refresh configured';
    if (spec.exchanges === 'refresh-token') {
      if (record.refreshToken === null) return 'no refresh token';
      if (record.refreshTokenExpiresAt !== null && now >= record.refreshTokenExpiresAt) return 'refresh token expired';
      return null;
    }
    if (isExpired(record, now)) return 'access token expired';
    if (spec.minTokenAgeMs !== undefined && record.accessTokenIssuedAt !== null && now - record.accessTokenIssuedAt < spec.minTokenAgeMs) {
      return 'access token too young to refresh';
    }
    return null;
  }

  function refreshOnce(entry: Entry): Promise<RefreshOutcome> {
    entry.refreshing ??= runRefresh(entry).finally(() => {
      entry.refreshing = null;
    });
    return entry.refreshing;
  }

  async function runRefresh(entry: Entry): Promise<RefreshOutcome> {
    if (entry.unsaved !== null) {
      // The last refresh spent the old refresh token; the new record must become durable, never be refreshed around.
      try {
        await persistUnsaved(entry);
        return { kind: 'refreshed' };
      } catch (error) {
        return { kind: 'failed', error: storeFailure(entry, error) };
      }
    }
    const attempts: unknown[] = [];
    for (let attempt = 1; attempt <= refreshAttempts; attempt++) {
      const before = entry.record!;
      if (before.state === 'suspended') return { kind: 'suspended' };
      const result = await callTokenEndpoint(before);
      if (result.kind === 'tokens') {
        const now = clock.now();
        const next: CredentialRecord = {
          ...before,
          accessToken: result.accessToken,
          accessTokenExpiresAt: result.expiresInSeconds === null ? null : now + result.expiresInSeconds * 1000,
          accessTokenIssuedAt: now,
          refreshToken: result.refreshToken ?? before.refreshToken,
          refreshTokenExpiresAt:
            result.refreshExpiresInSeconds !== null
              ? now + result.refreshExpiresInSeconds * 1000
              : result.refreshToken !== null
                ? null
                : before.refreshTokenExpiresAt,
          updatedAt: now,
        };
        entry.unsaved = next;
        try {
          await persistUnsaved(entry);
        } catch (error) {
          return { kind: 'failed', error: storeFailure(entry, error) };
        }
        entry.proactiveRefreshAfter = 0;
        log.debug({ credential: entry.seed.id, expiresAt: next.accessTokenExpiresAt }, 'Access token refreshed');
        return { kind: 'refreshed' };
      }
      if (result.kind === 'dead') {
        await suspend(entry, result.reason, result.grantDead);
        return { kind: 'suspended' };
      }
      attempts.push(result.error);
      if (attempt < refreshAttempts) await clock.sleep(refreshBackoffMs * 2 ** (attempt - 1));
    }
    entry.proactiveRefreshAfter = clock.now() + refreshCooldownMs;
    const error = new TributaryError(
      CREDENTIAL_REFRESH_FAILED,
      `Refreshing credential "${entry.seed.id}" of ${platform} failed ${attempts.length} times`,
      {
        failureType: 'transient',
        retryable: true,
        cause: attempts.at(-1),
        hint: `The ${spec?.name ?? platform} token endpoint is unavailable; the credential is not suspended and refresh is tried again later.`,
        details: { platform, credential: entry.seed.id, attempts: attempts.map(describeCause) },
      },
    );
    log.warn({ credential: entry.seed.id, err: error }, 'Token refresh failed; will try again');
    return { kind: 'failed', error };
  }

  function storeFailure(entry: Entry, error: unknown): TributaryError {
    log.error({ credential: entry.seed.id, err: error }, 'Cannot persist the refreshed credential; holding it in memory');
    return new TributaryError('CONNECTOR_CREDENTIAL_STORE_FAILED', `The refreshed credential "${entry.seed.id}" could not be persisted`, {
      failureType: 'system',
      retryable: true,
      cause: error,
      hint: 'Check the credential store directory (TRIBUTARY_CREDENTIALS_STORE_PATH); the new tokens are used once they are saved.',
    });
  }

  type EndpointResult =
    | {
        kind: 'tokens';
        accessToken: string;
        expiresInSeconds: number | null;
        refreshToken: string | null;
        refreshExpiresInSeconds: number | null;
      }
    | { kind: 'dead'; reason: string; grantDead: boolean }
    | { kind: 'transient'; error: TributaryError };

  async function callTokenEndpoint(record: CredentialRecord): Promise<EndpointResult> {
    const refreshSpec = spec!;
    const token = refreshSpec.exchanges === 'refresh-token' ? record.refreshToken! : record.accessToken;
    const params = new URLSearchParams({ ...refreshSpec.params, [refreshSpec.tokenParam]: token });
    let status: number;
    let text: string;
    try {
      const response =
        refreshSpec.method === 'POST'
          ? await fetch(refreshSpec.url, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
              body: params.toString(),
              signal: AbortSignal.timeout(refreshTimeoutMs),
              ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
            })
          : await fetch(`${refreshSpec.url}?${params.toString()}`, {
              headers: { accept: 'application/json' },
              signal: AbortSignal.timeout(refreshTimeoutMs),
              ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
            });
      status = response.status;
      text = await response.text();
    } catch (error) {
      // undici errors do not carry the URL, but the message is rebuilt anyway so no query string can leak.
      return {
        kind: 'transient',
        error: refreshError(`network error: ${(error as Error).name}`, {
          cause: (error as Error).cause === undefined ? undefined : describeCause((error as Error).cause),
        }),
      };
    }
    const body = parseJson(text);
    const errorCode = oauthErrorCode(body);
    const accessToken = field(body, 'access_token');
    if (status >= 200 && status < 300 && typeof accessToken === 'string' && accessToken !== '') {
      const refreshToken = field(body, 'refresh_token');
      return {
        kind: 'tokens',
        accessToken,
        expiresInSeconds: seconds(field(body, 'expires_in')),
        refreshToken: typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : null,
        refreshExpiresInSeconds: seconds(field(body, 'refresh_expires_in')),
      };
    }
    const deadGrant =
      errorCode !== null &&
      (refreshSpec.deadGrantErrors.includes(errorCode) || refreshSpec.deadGrantCodes.some((code) => String(code) === errorCode));
    const serverSide = status >= 500 || status === 408 || status === 429;
    if (deadGrant || (!serverSide && errorCode !== null) || (status >= 400 && !serverSide)) {
      return {
        kind: 'dead',
        reason: `refresh refused by ${refreshSpec.name}: ${errorCode ?? 'no error code'} (HTTP ${status})`,
        grantDead: deadGrant,
      };
    }
    return { kind: 'transient', error: refreshError(`HTTP ${status}${errorCode === null ? '' : ` ${errorCode}`}`, { status }) };
  }

  function refreshError(what: string, details: Record<string, unknown>): TributaryError {
    return new TributaryError(CREDENTIAL_REFRESH_FAILED, `Token endpoint of ${spec?.name ?? platform}: ${what}`, {
      failureType: 'transient',
      retryable: true,
      details,
    });
  }

  return {
    async accessToken(credential, signal) {
      const entry = entryOf(credential);
      const record = await ready(entry, signal);
      if (record.state === 'suspended') throw suspendedError(entry);
      const now = clock.now();
      if (expiresSoon(record, now)) {
        const blocker = refreshBlocker(record, now);
        if (blocker === null && (isExpired(record, now) || now >= entry.proactiveRefreshAfter)) {
          const outcome = await untilAborted(refreshOnce(entry), signal);
          if (outcome.kind === 'suspended') throw suspendedError(entry);
          if (outcome.kind === 'failed' && isExpired(entry.record!, clock.now())) throw outcome.error;
        } else if (blocker !== null && isExpired(record, now)) {
          await suspend(entry, `access token expired and cannot be refreshed (${blocker})`);
          throw suspendedError(entry);
        }
      }
      return entry.record!.accessToken;
    },

    async refreshAfterRejection(credential, rejectedToken) {
      const entry = entryOf(credential);
      await ready(entry);
      if (entry.refreshing !== null) await entry.refreshing;
      if (entry.record!.state === 'suspended') return false;
      if (entry.record!.accessToken !== rejectedToken) return true;
      const blocker = refreshBlocker(entry.record!, clock.now());
      if (blocker !== null) {
        await suspend(entry, `access token rejected and cannot be refreshed (${blocker})`);
        return false;
      }
      const outcome = await refreshOnce(entry);
      if (outcome.kind === 'failed') throw outcome.error;
      return outcome.kind === 'refreshed';
    },

    async suspend(credential, reason) {
      const entry = entryOf(credential);
      await ready(entry);
      if (entry.refreshing !== null) await entry.refreshing;
      if (entry.record!.state === 'suspended') return;
      await suspend(entry, reason);
    },

    health() {
      return [...entries.values()].map((entry) => {
        const record = entry.record;
        const state = record?.state === 'suspended' ? 'suspended' : entry.refreshing !== null ? 'refreshing' : 'active';
        const expiresAt = record === null ? (entry.seed.accessTokenExpiresAt ?? null) : record.accessTokenExpiresAt;
        return {
          id: entry.seed.id,
          state,
          ...(record?.suspendedReason ? { reason: record.suspendedReason } : {}),
          ...(expiresAt === null ? {} : { expiresAt }),
        } satisfies RequesterHealth['credentials'][number];
      });
    },
  };
}

function seedFingerprint(seed: CredentialSeed): string {
  return createHash('sha256')
    .update(`${seed.id}\0${seed.accessToken}\0${seed.refreshToken ?? ''}`)
    .digest('hex')
    .slice(0, 32);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/** OAuth `error` string, or a Meta Graph `error.code`, as a string; null when the body has none. */
function oauthErrorCode(body: unknown): string | null {
  const error = field(body, 'error');
  if (typeof error === 'string' && error !== '') return error;
  const code = field(error, 'code');
  if (typeof code === 'number' || (typeof code === 'string' && code !== '')) return String(code);
  return null;
}

function seconds(value: unknown): number | null {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : null;
}

/** Waits for a shared promise without cancelling it for the other waiters. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
