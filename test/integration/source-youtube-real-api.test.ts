// Opt-in: source-youtube against the REAL YouTube Data API (https://www.googleapis.com/youtube/v3).
// Runs only when the service's own settings (TRIBUTARY_SOURCE_YOUTUBE_*, read through the config
// package) name the real API, a Google client id and secret, at least one scope and one seed
// credential; otherwise it says why and skips. Per channel it costs 3 units (channels.list, one page
// of playlistItems.list, one videos.list) and writes nothing to Kafka.
import assert from 'node:assert/strict';
import { createMemoryCredentialStore, parseScopes, parseSeedCredentials, systemClock } from '@tributary/connector-kit';
import type { FanOutStreamDeclaration, ListStreamDeclaration, SingleStreamDeclaration, StreamContext } from '@tributary/connector-kit';
import { topicValueType } from '@tributary/events';
import type { AvroTopicName } from '@tributary/events';
import { createYouTubeRequester, createYouTubeSource, loadYouTubeSettings } from '@tributary/source-youtube';
import { createLogger } from '@tributary/telemetry';
import { Registry } from 'prom-client';

const REAL_API = 'https://www.googleapis.com/youtube/v3';

describe('source-youtube (real API, opt-in)', function () {
  this.timeout(120_000);

  it('reads each configured channel once: channel, first uploads page and their videos map to valid records', async function () {
    const settings = loadYouTubeSettings();
    const seeds = parseSeedCredentials(settings.youtube.seedCredentials);
    const scopes = parseScopes(settings.source.scopes);
    const missing = [
      settings.youtube.apiBaseUrl !== REAL_API ? `youtube.apiBaseUrl is ${settings.youtube.apiBaseUrl}, not the real API` : null,
      settings.youtube.clientId === '' ? 'TRIBUTARY_SOURCE_YOUTUBE_CLIENT_ID is empty' : null,
      settings.youtube.clientSecret === '' ? 'TRIBUTARY_SOURCE_YOUTUBE_CLIENT_SECRET is empty' : null,
      seeds.length === 0 ? 'TRIBUTARY_SOURCE_YOUTUBE_SEED_CREDENTIALS lists no credential' : null,
      scopes.length === 0 ? 'TRIBUTARY_SOURCE_YOUTUBE_SCOPES lists no channel' : null,
    ].filter((reason) => reason !== null);
    if (missing.length > 0) {
      console.log(`    skipped: no real YouTube credentials configured (${missing.join('; ')})`);
      this.skip();
    }
    const logger = createLogger({ serviceName: 'source-youtube-real-api', level: 'warn' });
    const requester = createYouTubeRequester(settings, {
      logger,
      registry: new Registry(),
      clock: systemClock,
      store: createMemoryCredentialStore(),
    });
    const { declaration } = createYouTubeSource(settings.youtube);
    const channel = declaration.streams.find((s) => s.name === 'channel') as SingleStreamDeclaration;
    const uploads = declaration.streams.find((s) => s.name === 'uploads') as ListStreamDeclaration<Record<string, unknown>>;
    const videos = declaration.streams.find((s) => s.name === 'videos') as FanOutStreamDeclaration;
    const valid = (events: ReturnType<SingleStreamDeclaration['map']>) => {
      for (const event of events) assert.ok(topicValueType(event.topic as AvroTopicName).isValid(event.value), event.topic);
      return events;
    };
    try {
      for (const scope of scopes) {
        const context = (stream: string): StreamContext => ({
          source: 'source-youtube',
          platform: 'YOUTUBE',
          stream,
          scope: scope.id,
          credential: scope.credential ?? scope.id,
          priority: 'fresh',
          method: 'poll',
          snapshotBucket: Math.floor(Date.now() / 60_000) * 60_000,
          traceparent: null,
        });
        const account = valid(channel.map(await requester.request(channel.request(context('channel'))), context('channel')));
        assert.equal(account.length, 1, `channels.list returned ${scope.id}`);
        const first = await uploads
          .paginate(requester, uploads.request(context('uploads'), null), null)
          [Symbol.asyncIterator]()
          .next();
        const entities = first.done ? [] : first.value.items.map((item) => uploads.discovers!.entity(item)).filter((e) => e !== null);
        if (entities.length === 0) continue;
        const events = valid(
          videos.map(
            await requester.request(videos.request(context('videos'), entities.slice(0, 50))),
            entities.slice(0, 50),
            context('videos'),
          ),
        );
        assert.ok(events.some((e) => e.topic === 'social.raw.posts'));
      }
    } finally {
      await requester.close();
    }
  });
});
