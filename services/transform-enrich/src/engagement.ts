// Engagement of a post-metrics snapshot by its platform's definition (PostMetricsEnrichment):
//   TikTok     likes + comments + shares               / views
//   Instagram  likes + comments + shares + saves       / reach, falling back to views when reach is null
//   YouTube    likes + comments                        / views
//   others     likes + comments + shares               / views (the common denominator)
// Unknown counters are left out of the sum; the sum is null when none of them is known (never 0),
// and the rate is null when the sum or the denominator is null, or the denominator is 0 (a reach
// of 0 does not fall back to views: it is known, not missing); engagement_basis is then NONE.
import type { Platform, PostMetricsSnapshot } from '@tributary/events';

export type EngagementBasis = 'VIEWS' | 'REACH' | 'NONE';

export interface Engagement {
  engagements: number | null;
  engagement_rate: number | null;
  engagement_basis: EngagementBasis;
}

type Counter = 'likes' | 'comments' | 'shares' | 'saves';

const COUNTED: Partial<Record<Platform, readonly Counter[]>> = {
  TIKTOK: ['likes', 'comments', 'shares'],
  INSTAGRAM: ['likes', 'comments', 'shares', 'saves'],
  YOUTUBE: ['likes', 'comments'],
};
const DEFAULT_COUNTED: readonly Counter[] = ['likes', 'comments', 'shares'];

export type EngagementInput = Pick<PostMetricsSnapshot, 'views' | 'reach' | 'likes' | 'comments' | 'shares' | 'saves'>;

/** The interaction counters the platform counts as engagement, summed; null when none is known. */
export function engagementsOf(platform: Platform, snapshot: EngagementInput): number | null {
  const known = (COUNTED[platform] ?? DEFAULT_COUNTED).map((name) => snapshot[name]).filter((value): value is number => value !== null);
  return known.length === 0 ? null : known.reduce((sum, value) => sum + value, 0);
}

function basisOf(platform: Platform, snapshot: EngagementInput): { basis: EngagementBasis; value: number | null } {
  if (platform === 'INSTAGRAM' && snapshot.reach !== null) return { basis: 'REACH', value: snapshot.reach };
  if (snapshot.views !== null) return { basis: 'VIEWS', value: snapshot.views };
  return { basis: 'NONE', value: null };
}

export function engagementOf(platform: Platform, snapshot: EngagementInput): Engagement {
  const engagements = engagementsOf(platform, snapshot);
  const { basis, value } = basisOf(platform, snapshot);
  // The basis names the denominator the rate used: NONE whenever there is no rate.
  if (engagements === null || value === null || value === 0) return { engagements, engagement_rate: null, engagement_basis: 'NONE' };
  return { engagements, engagement_rate: engagements / value, engagement_basis: basis };
}
