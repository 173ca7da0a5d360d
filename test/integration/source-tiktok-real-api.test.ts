// Opt-in: source-tiktok against the REAL Display API (https://open.tiktokapis.com). Runs only when the
// service's own settings (TRIBUTARY_SOURCE_TIKTOK_*, read through the config package) name the real
// API, a client key and secret and at least one seed credential; otherwise it says why and skips.
// It makes 2 calls per account (user/info, one page of video/list) and writes nothing to Kafka.
import assert from 'node:assert/strict';
import { createMemoryCredentialStore, cursorPaginator, parseSeedCredentials, systemClock } from '@tributary/connector-kit';
import type { StreamContext } from '@tributary/connector-kit';
import { topicValueType } from '@tributary/events';
import {
  REAL_API_BASE_URL,
  createTikTokDataIssues,
  createTikTokMetrics,
  createTikTokRequester,
  loadTikTokSettings,
  readVideos,
  tiktokReaders,
  tiktokSource,
} from '@tributary/source-tiktok';
import type { TikTokVideo } from '@tributary/source-tiktok';
import { createLogger } from '@tributary/telemetry';
import { Registry } from 'prom-client';

describe('source-tiktok (real API, opt-in)', function () {
  this.timeout(120_000);

  it('reads each configured account once: profile and the first page of videos map to valid records', async function () {
    const settings = loadTikTokSettings();
    const seeds = parseSeedCredentials(settings.tiktok.seedCredentials);
    const missing = [
      settings.tiktok.apiBaseUrl !== REAL_API_BASE_URL ? `tiktok.apiBaseUrl is ${settings.tiktok.apiBaseUrl}, not the real API` : null,
      settings.tiktok.clientKey === '' ? 'TRIBUTARY_SOURCE_TIKTOK_CLIENT_KEY is empty' : null,
      settings.tiktok.clientSecret === '' ? 'TRIBUTARY_SOURCE_TIKTOK_CLIENT_SECRET is empty' : null,
      seeds.length === 0 ? 'TRIBUTARY_SOURCE_TIKTOK_SEED_CREDENTIALS lists no account' : null,
    ].filter((reason) => reason !== null);
    if (missing.length > 0) {
      console.log(`    skipped: no real TikTok credentials configured (${missing.join('; ')})`);
      this.skip();
    }
    const logger = createLogger({ serviceName: 'source-tiktok-real-api', level: 'warn' });
    const metrics = createTikTokMetrics();
    const { requester } = createTikTokRequester({
      apiBaseUrl: settings.tiktok.apiBaseUrl,
      clientKey: settings.tiktok.clientKey,
      clientSecret: settings.tiktok.clientSecret,
      credentials: seeds,
      store: createMemoryCredentialStore(),
      refreshSkewMs: settings.credentials.refreshSkewMs,
      requestsPerWindow: settings.tiktok.requestsPerWindow,
      rateWindowMs: settings.tiktok.rateWindowMs,
      clock: systemClock,
      logger,
      registry: new Registry(),
    });
    const declaration = tiktokSource({ settings: settings.tiktok, metrics, logger });
    try {
      for (const seed of seeds) {
        const context = (stream: string): StreamContext => ({
          source: 'source-tiktok',
          platform: 'TIKTOK',
          stream,
          scope: seed.id,
          credential: seed.id,
          priority: 'refresh',
          method: 'poll',
          snapshotBucket: Math.floor(Date.now() / 60_000) * 60_000,
          traceparent: null,
        });
        const profile = declaration.streams.find((stream) => stream.kind === 'single')!;
        const videos = declaration.streams.find((stream) => stream.kind === 'list')!;
        if (profile.kind !== 'single' || videos.kind !== 'list') throw new Error('unexpected declaration');
        const answer = await requester.request({ ...profile.request(context('profile')), credential: seed.id });
        const events = profile.map(answer, context('profile'));
        const first = { ...videos.request(context('videos'), null), credential: seed.id };
        for await (const page of cursorPaginator<TikTokVideo>(requester, {
          request: first,
          items: (body) => readVideos(body, 'videos', { metrics, read: tiktokReaders(createTikTokDataIssues()), logger }),
          maxPages: 1,
        })) {
          for (const video of page.items) events.push(...videos.map(video, context('videos'), page.response));
        }
        for (const event of events)
          assert.ok(topicValueType(event.topic as never).isValid(event.value), `${event.topic} ${event.key} fits its schema`);
      }
    } finally {
      await requester.close();
    }
  });
});
