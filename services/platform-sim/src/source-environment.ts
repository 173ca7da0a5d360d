// The environment that points services/source-<platform> at a running simulator: its base URLs,
// app secrets, the simulated accounts as scopes and their seed tokens. The demo and the
// end-to-end tests start real source processes with it, exactly as a deployment configures them.
import type { PlatformSim } from './sim.ts';

/** The settings that point source-<name> at the simulator: its base URLs, app secrets, accounts as scopes and seed tokens. */
export function sourceEnvironment(sim: PlatformSim, name: 'tiktok' | 'instagram' | 'youtube'): Record<string, string> {
  const credentials = sim.credentials();
  const seeds = (accounts: Array<{ id: string; accessToken: string; expiresAt: number; refreshToken?: string; issuedAt?: number }>) =>
    JSON.stringify(
      accounts.map((account) => ({
        id: account.id,
        accessToken: account.accessToken,
        accessTokenExpiresAt: account.expiresAt,
        ...(account.refreshToken === undefined ? {} : { refreshToken: account.refreshToken }),
        ...(account.issuedAt === undefined ? {} : { accessTokenIssuedAt: account.issuedAt }),
      })),
    );
  if (name === 'tiktok') {
    const accounts = credentials.tiktok.accounts.map((a) => ({ ...a, id: a.openId, expiresAt: a.accessExpiresAt }));
    return {
      TRIBUTARY_SOURCE_TIKTOK_SCOPES: accounts.map((account) => account.id).join(','),
      TRIBUTARY_SOURCE_TIKTOK_API_BASE_URL: sim.baseUrls.tiktok,
      TRIBUTARY_SOURCE_TIKTOK_CLIENT_KEY: credentials.tiktok.clientKey,
      TRIBUTARY_SOURCE_TIKTOK_CLIENT_SECRET: credentials.tiktok.clientSecret,
      TRIBUTARY_SOURCE_TIKTOK_SEED_CREDENTIALS: seeds(accounts),
    };
  }
  if (name === 'instagram') {
    const accounts = credentials.instagram.accounts.map((a) => ({ ...a, id: a.igUserId, expiresAt: a.accessExpiresAt }));
    return {
      TRIBUTARY_SOURCE_INSTAGRAM_SCOPES: accounts.map((account) => account.id).join(','),
      TRIBUTARY_SOURCE_INSTAGRAM_API_URL: sim.baseUrls.instagram,
      TRIBUTARY_SOURCE_INSTAGRAM_REFRESH_URL: sim.baseUrls.instagram,
      TRIBUTARY_SOURCE_INSTAGRAM_APP_SECRET: credentials.instagram.appSecret,
      TRIBUTARY_SOURCE_INSTAGRAM_VERIFY_TOKEN: credentials.instagram.verifyToken,
      TRIBUTARY_SOURCE_INSTAGRAM_SEED_CREDENTIALS: seeds(accounts),
    };
  }
  const accounts = credentials.youtube.accounts.map((a) => ({ ...a, id: a.channelId, expiresAt: a.accessExpiresAt }));
  return {
    TRIBUTARY_SOURCE_YOUTUBE_SCOPES: accounts.map((account) => account.id).join(','),
    TRIBUTARY_SOURCE_YOUTUBE_API_URL: sim.baseUrls.youtube,
    TRIBUTARY_SOURCE_YOUTUBE_ANALYTICS_URL: sim.baseUrls.youtubeAnalytics,
    TRIBUTARY_SOURCE_YOUTUBE_TOKEN_URL: sim.baseUrls.googleOAuth,
    TRIBUTARY_SOURCE_YOUTUBE_HUB_URL: sim.baseUrls.youtubeWebSubHub,
    TRIBUTARY_SOURCE_YOUTUBE_CLIENT_ID: credentials.youtube.clientId,
    TRIBUTARY_SOURCE_YOUTUBE_CLIENT_SECRET: credentials.youtube.clientSecret,
    TRIBUTARY_SOURCE_YOUTUBE_SEED_CREDENTIALS: seeds(accounts),
  };
}
