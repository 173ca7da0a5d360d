// The simulated platforms; each has a folder (routes, data model, errors) and a URL prefix.
export const PLATFORMS = ['tiktok', 'instagram', 'youtube'] as const;
export type PlatformName = (typeof PLATFORMS)[number];

export function isPlatformName(value: unknown): value is PlatformName {
  return typeof value === 'string' && (PLATFORMS as readonly string[]).includes(value);
}
