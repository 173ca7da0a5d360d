// Opt-in: source-instagram against the REAL Graph API (https://graph.facebook.com or https://graph.instagram.com).
// Runs only when the service's own settings (TRIBUTARY_SOURCE_INSTAGRAM_*, read through the config package) name a
// real Meta host, at least one scope and one seed credential; otherwise it says why and skips. Per account it makes
// 3 calls (profile, one media page of 5, one insights batch of up to 5 sub-requests = 5 calls against the budgets)
// and writes nothing to Kafka.
import assert from 'node:assert/strict';
import { parseScopes, parseSeedCredentials, systemClock } from '@tributary/connector-kit';
import type { FanOutStreamDeclaration, ListStreamDeclaration, SingleStreamDeclaration, StreamContext } from '@tributary/connector-kit';
import { topicValueType } from '@tributary/events';
import type { AvroTopicName } from '@tributary/events';
import { createInstagramRequester, createInstagramSource, loadInstagramSettings } from '@tributary/source-instagram';
import { createLogger } from '@tributary/telemetry';
import { Registry } from 'prom-client';

const REAL_HOSTS = ['https://graph.facebook.com', 'https://graph.instagram.com'];

describe('source-instagram (real API, opt-in)', function () {
  this.timeout(120_000);

  it('reads each configured account once: profile, first media page and their insights map to valid records', async function () {
    const settings = loadInstagramSettings();
    const seeds = parseSeedCredentials(settings.instagram.seedCredentials);
    const scopes = parseScopes(settings.source.scopes);
    const missing = [
      seeds.length === 0 ? 'TRIBUTARY_SOURCE_INSTAGRAM_SEED_CREDENTIALS lists no credential' : null,
      scopes.length === 0 ? 'TRIBUTARY_SOURCE_INSTAGRAM_SCOPES lists no account' : null,
      REAL_HOSTS.includes(settings.instagram.apiBaseUrl)
        ? null
        : `instagram.apiBaseUrl is ${settings.instagram.apiBaseUrl}, not a real Meta host`,
    ].filter((reason) => reason !== null);
    if (missing.length > 0) {
      console.log(`    skipped: no real Instagram credentials configured (${missing.join('; ')})`);
      this.skip();
    }
    const logger = createLogger({ serviceName: 'source-instagram-real-api', level: 'warn' });
    // Credentials in memory only: a refresh here would not be persisted for the service (tokenRefresh off).
    const requester = createInstagramRequester(
      { ...settings, instagram: { ...settings.instagram, tokenRefresh: false }, credentials: { ...settings.credentials, storePath: '' } },
      { logger, registry: new Registry(), clock: systemClock },
    );
    const source = createInstagramSource({ ...settings.instagram, mediaPageSize: 5 });
    const stream = (name: string) => source.declaration.streams.find((candidate) => candidate.name === name)!;
    const account = stream('account') as SingleStreamDeclaration;
    const media = stream('media') as ListStreamDeclaration<Record<string, unknown>>;
    const insights = stream('media_insights') as FanOutStreamDeclaration;
    const valid = (events: ReturnType<SingleStreamDeclaration['map']>) => {
      for (const event of events) assert.ok(topicValueType(event.topic as AvroTopicName).isValid(event.value), event.topic);
      return events;
    };
    try {
      for (const scope of scopes) {
        const context = (name: string): StreamContext => ({
          source: 'source-instagram',
          platform: 'INSTAGRAM',
          stream: name,
          scope: scope.id,
          credential: scope.credential ?? scope.id,
          priority: 'fresh',
          method: 'poll',
          snapshotBucket: Math.floor(Date.now() / 60_000) * 60_000,
          traceparent: null,
        });
        const profile = valid(account.map(await requester.request(account.request(context('account'))), context('account')));
        assert.equal(profile.length, 1);
        const page = await requester.request<{ data?: Array<Record<string, unknown>> }>(media.request(context('media'), null));
        const items = page.body.data ?? [];
        const posts = valid(items.flatMap((item) => media.map(item, context('media'), page)));
        assert.equal(posts.length, items.length);
        const entities = items.flatMap((item) => {
          const entity = media.discovers!.entity(item);
          return entity ? [entity] : [];
        });
        if (entities.length > 0) {
          const answer = await requester.request(insights.request(context('media_insights'), entities));
          valid(insights.map(answer, entities, context('media_insights')));
        }
      }
    } finally {
      await requester.close();
    }
  });
});
