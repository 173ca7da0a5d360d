// Golden mapping: recorded simulator payloads (test/fixtures/*.json, from record-payloads.ts) mapped by
// the stream declarations with a fixed context → the canonical records in test/fixtures/expected/.
// Regenerate the expected files with `npx node services/source-tiktok/test/fixtures/regenerate-expected.ts`
// and review the diff.
import { readFileSync } from 'node:fs';
import { parseJsonText } from '@tributary/connector-kit';
import type { ApiResponse, OutgoingEvent, StreamContext } from '@tributary/connector-kit';
import { createLogger } from '@tributary/telemetry';
import { createTikTokMetrics } from '../src/metrics.ts';
import type { TikTokMetrics } from '../src/metrics.ts';
import { createTikTokDataIssues, readVideos, tiktokReaders } from '../src/records.ts';
import { profileStream } from '../src/streams/profile.ts';
import { videoMetricsStream } from '../src/streams/video-metrics.ts';
import { videosStream } from '../src/streams/videos.ts';

export const FIXTURES = new URL('./fixtures/', import.meta.url);
export const RECEIVED_AT = Date.parse('2026-11-20T12:00:00.250Z');
export const SNAPSHOT_BUCKET = Date.parse('2026-11-20T12:00:00Z');
export const ACCOUNT = '-0001ad636b2-dedd-f5e4-a93fbbf5b6f9'; // the recorded account's open_id

export function recorded(name: string): ApiResponse {
  const { status, logId, body } = JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as {
    status: number;
    logId: string | null;
    body: string;
  };
  const parsed = parseJsonText(body);
  const envelopeLogId = (parsed as { error?: { log_id?: string } }).error?.log_id ?? logId;
  return { status, body: parsed, headers: {}, requestId: envelopeLogId ?? null, receivedAt: RECEIVED_AT, source: 'network' };
}

export function context(stream: string): StreamContext {
  return {
    source: 'source-tiktok',
    platform: 'TIKTOK',
    stream,
    scope: ACCOUNT,
    credential: ACCOUNT,
    priority: 'fresh',
    method: 'poll',
    snapshotBucket: SNAPSHOT_BUCKET,
    traceparent: null,
  };
}

export function goldenEvents(metrics: TikTokMetrics = createTikTokMetrics()): Record<string, OutgoingEvent[]> {
  const reader = {
    metrics,
    read: tiktokReaders(createTikTokDataIssues()),
    logger: createLogger({ serviceName: 'golden', level: 'silent' }),
  };
  const videos = videosStream({ ...reader, everyMs: 900_000, lookbackMs: 86_400_000, pageSize: 20 });
  const query = videoMetricsStream({ ...reader, batchSize: 20, trackingWindowMs: 30 * 86_400_000 });
  const profile = profileStream({ everyMs: 3_600_000 });
  const list = recorded('video-list.json');
  const listed = readVideos(list.body, 'videos', reader);
  const queried = recorded('video-query.json');
  const asked = [...listed.slice(0, 2).map((video) => video.id), '7000000000000000001'];
  return {
    'video-list': listed.flatMap((video) => videos.map(video, context('videos'), list)),
    'video-query': query.map(
      queried,
      asked.map((id) => ({ id, publishedAt: SNAPSHOT_BUCKET })),
      context('video_metrics'),
    ),
    'user-info': profile.map(recorded('user-info.json'), context('profile')),
  };
}
