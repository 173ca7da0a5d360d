// Normalisation of the video object: ids, create_time units, unusable entries; the content version.
import assert from 'node:assert/strict';
import { createLogger } from '@tributary/telemetry';
import { createTikTokMetrics } from '../src/metrics.ts';
import { createTikTokDataIssues, readVideos, tiktokReaders, videoPost } from '../src/records.ts';
import type { TikTokDataIssues } from '../src/records.ts';
import { context, recorded } from './golden.ts';

describe('source-tiktok records', () => {
  const lines: string[] = [];
  const logger = createLogger({ serviceName: 'records-test', level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const readerOf = (metrics = createTikTokMetrics(), issues: TikTokDataIssues = createTikTokDataIssues()) => ({
    metrics,
    read: tiktokReaders(issues),
    logger,
  });

  it('create_time in seconds → ms; a value too large to be seconds is taken as ms and counted', () => {
    const issues = createTikTokDataIssues();
    const videos = readVideos(
      {
        data: {
          videos: [
            { id: '7300000000000000001', create_time: 1795166682 },
            { id: '7300000000000000002', create_time: 1795166682123 },
          ],
        },
      },
      'videos',
      readerOf(undefined, issues),
    );
    assert.deepEqual(
      videos.map((video) => video.publishedAt),
      [1795166682000, 1795166682123],
    );
    assert.deepEqual(issues.counts(), { 'timestamp-as-epoch-ms': 1 }, 'seconds, as documented, are not an issue');
  });

  it('an id sent as a safe JSON number becomes its decimal string (counted); entries without id or create_time are counted and logged, the rest kept', async () => {
    const metrics = createTikTokMetrics();
    const issues = createTikTokDataIssues();
    const videos = readVideos(
      {
        data: {
          videos: [
            { id: 12345, create_time: 1795166682 },
            { create_time: 1795166682 },
            { id: '7300000000000000003', create_time: 'NaN' },
            { id: '7300000000000000004', create_time: 1795166682 },
          ],
        },
      },
      'videos',
      readerOf(metrics, issues),
    );
    assert.deepEqual(
      videos.map((video) => video.id),
      ['12345', '7300000000000000004'],
    );
    assert.equal(issues.count('id-as-json-number'), 1);
    const invalid = (await metrics.invalidVideos.get()).values;
    assert.equal(invalid.find((value) => value.labels.reason === 'id')?.value, 1);
    assert.equal(invalid.find((value) => value.labels.reason === 'create_time')?.value, 1);
    assert.ok(lines.some((line) => line.includes('left out')));
  });

  it('the content version ignores counters and the signed cover URL, and changes with the caption', () => {
    const response = recorded('video-list.json');
    const base = {
      id: '7300000000000000005',
      create_time: 1795166682,
      title: 'Morning run',
      video_description: 'Five k #running',
      view_count: 1,
    };
    const reader = readerOf();
    const versionOf = (raw: Record<string, unknown>) =>
      (
        videoPost(readVideos({ data: { videos: [raw] } }, 'videos', reader)[0]!, context('videos'), response, 'POST /v2/video/list/').value
          .envelope as { observation: string }
      ).observation;
    assert.equal(versionOf({ ...base, view_count: 999, like_count: 5 }), versionOf(base));
    assert.equal(versionOf({ ...base, cover_image_url: 'https://p16-sign.tiktokcdn-us.com/obj/x.jpeg?x-expires=1' }), versionOf(base));
    assert.notEqual(versionOf({ ...base, video_description: 'Five k #running (edited)' }), versionOf(base));
  });

  it('a caption with a lone surrogate (broken \\u escape) is made well-formed and counted, so Avro and the content version agree', () => {
    const issues = createTikTokDataIssues();
    const [video] = readVideos(
      JSON.parse(
        '{"data":{"videos":[{"id":"7300000000000000006","create_time":1795166682,"video_description":"half an emoji \\ud83d here"}]}}',
      ),
      'videos',
      readerOf(undefined, issues),
    );
    assert.equal(video!.raw.video_description, 'half an emoji \ufffd here');
    assert.equal(issues.count('text-lone-surrogate'), 1);
    const post = videoPost(video!, context('videos'), recorded('video-list.json'), 'POST /v2/video/list/');
    assert.equal(post.value.text, 'half an emoji \ufffd here');
  });
});
