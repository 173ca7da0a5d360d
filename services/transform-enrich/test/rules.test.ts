// Engagement, content format, creator tier and time zone on their own (the golden records cover them on whole events).
import assert from 'node:assert/strict';
import { contentFormatOf } from '../src/content-format.ts';
import type { FormatInput } from '../src/content-format.ts';
import { creatorTierOf, sourceTimeZoneOf } from '../src/creator-tier.ts';
import { engagementOf } from '../src/engagement.ts';

const counters = { views: 1000, reach: 400, likes: 10, comments: 5, shares: 3, saves: 2 };

describe('engagement', () => {
  it('counts what each platform counts', () => {
    assert.deepEqual(engagementOf('TIKTOK', counters), { engagements: 18, engagement_rate: 0.018, engagement_basis: 'VIEWS' });
    assert.deepEqual(engagementOf('INSTAGRAM', counters), { engagements: 20, engagement_rate: 0.05, engagement_basis: 'REACH' });
    assert.deepEqual(engagementOf('YOUTUBE', counters), { engagements: 15, engagement_rate: 0.015, engagement_basis: 'VIEWS' });
    assert.deepEqual(engagementOf('X', counters), { engagements: 18, engagement_rate: 0.018, engagement_basis: 'VIEWS' });
  });

  it('never turns unknown into 0', () => {
    const none = { views: null, reach: null, likes: null, comments: null, shares: null, saves: null };
    assert.deepEqual(engagementOf('INSTAGRAM', none), { engagements: null, engagement_rate: null, engagement_basis: 'NONE' });
    assert.deepEqual(engagementOf('YOUTUBE', { ...none, shares: 5, saves: 5, views: 10 }), {
      engagements: null,
      engagement_rate: null,
      engagement_basis: 'NONE',
    });
    assert.deepEqual(engagementOf('TIKTOK', { ...none, likes: 0, views: 10 }), {
      engagements: 0,
      engagement_rate: 0,
      engagement_basis: 'VIEWS',
    });
  });
});

function post(platform: FormatInput['envelope']['platform'], patch: Partial<FormatInput> = {}): FormatInput {
  return {
    envelope: { platform },
    format: 'UNKNOWN',
    duration_ms: null,
    width: null,
    height: null,
    extensions: { tiktok: null, instagram: null, youtube: null },
    ...patch,
  };
}

describe('content format', () => {
  it('keeps a known source format on every platform', () => {
    assert.equal(contentFormatOf(post('X', { format: 'TEXT' })), 'TEXT');
    assert.equal(contentFormatOf(post('TIKTOK', { format: 'LIVE' })), 'LIVE');
  });

  it('leaves platforms it cannot read UNKNOWN', () => {
    assert.equal(contentFormatOf(post('LINKEDIN', { duration_ms: 1000 })), 'UNKNOWN');
    assert.equal(contentFormatOf(post('INSTAGRAM')), 'UNKNOWN');
  });

  it('does not call a square video a Short', () => {
    assert.equal(contentFormatOf(post('YOUTUBE', { duration_ms: 30_000, width: 1080, height: 1080 })), 'VIDEO');
  });
});

describe('creator tier and time zone', () => {
  it('puts each boundary in the higher tier', () => {
    const cases: [number | null, string][] = [
      [null, 'UNKNOWN'],
      [0, 'NANO'],
      [9_999, 'NANO'],
      [10_000, 'MICRO'],
      [99_999, 'MICRO'],
      [100_000, 'MID'],
      [499_999, 'MID'],
      [500_000, 'MACRO'],
      [999_999, 'MACRO'],
      [1_000_000, 'MEGA'],
    ];
    for (const [followers, tier] of cases) assert.equal(creatorTierOf(followers), tier, String(followers));
  });

  it('uses Pacific time for YouTube period aggregates only', () => {
    const period = { start: 0, end: 86_400_000 };
    assert.equal(sourceTimeZoneOf('YOUTUBE', period), 'America/Los_Angeles');
    assert.equal(sourceTimeZoneOf('YOUTUBE', null), 'UTC');
    assert.equal(sourceTimeZoneOf('INSTAGRAM', period), 'UTC');
  });
});
