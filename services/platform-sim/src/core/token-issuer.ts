// OAuth tokens for one platform: issue, check, refresh with optional rotation (TikTok 2026: the old
// refresh token dies when a new one is issued), Instagram-style refresh of the access token itself
// (allowed only once it is old enough), expiry on demand (fault) and revocation
// (authorization.removed). Tokens are opaque random strings from the seeded stream.
import type { SimClock } from './clock.ts';
import type { SeededRandom } from './random.ts';

export interface TokenPolicy {
  accessTtlMs: number;
  /** null: refresh tokens do not expire (Google). */
  refreshTtlMs: number | null;
  /** Each refresh returns a new refresh token and kills the old one. */
  rotateRefresh: boolean;
  accessPrefix: string;
  refreshPrefix: string;
}

export interface IssuedTokens {
  accountId: string;
  scopes: string[];
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string | null;
  refreshExpiresAt: number | null;
  issuedAt: number;
}

interface AccessRecord {
  accountId: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

interface RefreshRecord {
  accountId: string;
  scopes: string[];
  expiresAt: number | null;
  state: 'live' | 'rotated' | 'revoked';
}

export type AccessCheck =
  | { ok: true; accountId: string; scopes: string[]; issuedAt: number; expiresAt: number }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

export type RefreshFailure = { ok: false; reason: 'unknown' | 'expired' | 'rotated' | 'revoked' | 'too-young' };

export class TokenIssuer {
  readonly policy: TokenPolicy;
  readonly #clock: SimClock;
  readonly #random: SeededRandom;
  #access = new Map<string, AccessRecord>();
  #refresh = new Map<string, RefreshRecord>();
  #refreshes = 0;

  constructor(clock: SimClock, random: SeededRandom, policy: TokenPolicy) {
    this.#clock = clock;
    this.#random = random;
    this.policy = policy;
  }

  issue(accountId: string, scopes: string[], withRefresh = true): IssuedTokens {
    const now = this.#clock.now();
    const accessToken = `${this.policy.accessPrefix}${this.#random.string(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`;
    this.#access.set(accessToken, { accountId, scopes, issuedAt: now, expiresAt: now + this.policy.accessTtlMs, revoked: false });
    let refreshToken: string | null = null;
    const refreshExpiresAt = this.policy.refreshTtlMs === null ? null : now + this.policy.refreshTtlMs;
    if (withRefresh) {
      refreshToken = `${this.policy.refreshPrefix}${this.#random.string(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`;
      this.#refresh.set(refreshToken, { accountId, scopes, expiresAt: refreshExpiresAt, state: 'live' });
    }
    return {
      accountId,
      scopes,
      accessToken,
      accessExpiresAt: now + this.policy.accessTtlMs,
      refreshToken,
      refreshExpiresAt,
      issuedAt: now,
    };
  }

  checkAccess(token: string | null): AccessCheck {
    const record = token === null ? undefined : this.#access.get(token);
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.revoked) return { ok: false, reason: 'revoked' };
    if (record.expiresAt <= this.#clock.now()) return { ok: false, reason: 'expired' };
    return { ok: true, accountId: record.accountId, scopes: record.scopes, issuedAt: record.issuedAt, expiresAt: record.expiresAt };
  }

  /** refresh_token grant. With rotation the presented token is dead afterwards. */
  refresh(refreshToken: string | null): ({ ok: true } & IssuedTokens) | RefreshFailure {
    const record = refreshToken === null ? undefined : this.#refresh.get(refreshToken);
    if (!record || refreshToken === null) return { ok: false, reason: 'unknown' };
    if (record.state !== 'live') return { ok: false, reason: record.state };
    if (record.expiresAt !== null && record.expiresAt <= this.#clock.now()) return { ok: false, reason: 'expired' };
    this.#refreshes += 1;
    if (!this.policy.rotateRefresh) {
      const issued = this.issue(record.accountId, record.scopes, false);
      return { ok: true, ...issued, refreshToken, refreshExpiresAt: record.expiresAt };
    }
    record.state = 'rotated';
    return { ok: true, ...this.issue(record.accountId, record.scopes) };
  }

  /** Instagram `ig_refresh_token`: a live access token at least `minAgeMs` old becomes a new one. */
  refreshAccess(accessToken: string | null, minAgeMs: number): ({ ok: true } & IssuedTokens) | RefreshFailure {
    const check = this.checkAccess(accessToken);
    if (!check.ok) return check;
    if (this.#clock.now() - check.issuedAt < minAgeMs) return { ok: false, reason: 'too-young' };
    this.#refreshes += 1;
    return { ok: true, ...this.issue(check.accountId, check.scopes, false) };
  }

  /** Expires live access tokens now (of one account, or all). Returns how many. */
  expireAccess(accountId?: string): number {
    const now = this.#clock.now();
    let count = 0;
    for (const record of this.#access.values()) {
      if ((accountId === undefined || record.accountId === accountId) && record.expiresAt > now && !record.revoked) {
        record.expiresAt = now;
        count += 1;
      }
    }
    return count;
  }

  /** Revokes every access and refresh token of an account (authorization removed, grant revoked). */
  revokeAccount(accountId: string): void {
    for (const record of this.#access.values()) if (record.accountId === accountId) record.revoked = true;
    for (const record of this.#refresh.values()) if (record.accountId === accountId) record.state = 'revoked';
  }

  stats(): { accessTokens: number; refreshTokens: number; refreshes: number } {
    return { accessTokens: this.#access.size, refreshTokens: this.#refresh.size, refreshes: this.#refreshes };
  }
}
