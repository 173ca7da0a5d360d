// The shared record pieces: counted data issues, the value readers, the envelopes.
import assert from 'node:assert/strict';
import { computeEventId } from '@tributary/events';
import { createLogger } from '@tributary/telemetry';
import { Registry } from 'prom-client';
import { DATA_ISSUES_METRIC, createDataIssues, eventEnvelope, polledEnvelope, recordReaders } from '../../src/runtime/records.ts';

const silent = createLogger({ serviceName: 'records-test', level: 'silent' });

describe('connector-kit records', () => {
  it('data issues count by kind, and export those so far and later as {source,kind} once attached', async () => {
    const issues = createDataIssues<'a' | 'b'>({ source: 'source-demo' });
    issues.report('a', 'e1');
    issues.report('a', 'e2', 'detail');
    const registry = new Registry();
    issues.attach(registry, silent);
    issues.report('b', 'e3');
    assert.deepEqual(issues.counts(), { a: 2, b: 1 });
    assert.equal(issues.count('b'), 1);
    const { values } = await registry.getSingleMetric(DATA_ISSUES_METRIC)!.get();
    assert.deepEqual(
      values.map((value) => [value.labels, value.value]),
      [
        [{ source: 'source-demo', kind: 'a' }, 2],
        [{ source: 'source-demo', kind: 'b' }, 1],
      ],
    );
    createDataIssues({ source: 'source-other' }).attach(registry, silent); // a second set on one registry shares the counter
  });

  it('ids: strings as sent, exact JSON numbers as decimal strings (counted), anything else null', () => {
    const issues = createDataIssues({ source: 's' });
    const read = recordReaders(issues);
    assert.equal(read.id('17841400000000001', 'id'), '17841400000000001');
    assert.equal(read.id('UC_abc-1', 'id'), 'UC_abc-1');
    assert.equal(read.id(42, 'id'), '42');
    assert.equal(read.id(2 ** 53, 'id'), null);
    assert.equal(read.id('a b', 'id'), null);
    assert.equal(read.id('abc', 'id', /^\d+$/), null);
    assert.deepEqual(issues.counts(), { 'id-as-json-number': 1 });
  });

  it('counters: safe integers and their decimal strings; NaN, negative, fractional, oversized → null and counted', () => {
    const issues = createDataIssues({ source: 's' });
    const read = recordReaders(issues);
    assert.equal(read.count(12, 'e', 'likes'), 12);
    assert.equal(read.count('9007199254740991', 'e', 'views'), Number.MAX_SAFE_INTEGER);
    assert.equal(read.count(undefined, 'e', 'likes'), null);
    assert.equal(read.count(null, 'e', 'likes'), null);
    for (const bad of [Number.NaN, -1, 1.5, 'twelve', '-3', true]) assert.equal(read.count(bad, 'e', 'likes'), null, String(bad));
    assert.equal(read.count('9007199254740993', 'e', 'views'), null);
    assert.equal(read.count(2 ** 60, 'e', 'views'), null);
    assert.deepEqual(issues.counts(), { 'counter-not-a-number': 6, 'counter-above-2^53': 2 });
    const strings = createDataIssues({ source: 's' });
    assert.equal(recordReaders(strings, { counters: 'strings' }).count(7, 'e', 'views'), 7);
    assert.deepEqual(strings.counts(), { 'counter-as-json-number': 1 }, 'a JSON number where strings are documented is counted');
  });

  it('timestamps: RFC 3339 (and Graph +0000), epoch seconds and ms normalised and counted, garbage null and counted', () => {
    const issues = createDataIssues({ source: 's' });
    const read = recordReaders(issues);
    assert.equal(read.time('2026-11-20T12:00:00+0000', 'e', 't'), Date.UTC(2026, 10, 20, 12));
    assert.equal(read.time('2026-11-20T12:00:00.250Z', 'e', 't'), Date.UTC(2026, 10, 20, 12, 0, 0, 250));
    assert.equal(read.time(1_795_166_682, 'e', 't'), 1_795_166_682_000);
    assert.equal(read.time(1_795_166_682_123, 'e', 't'), 1_795_166_682_123);
    assert.equal(read.time('yesterday', 'e', 't'), null);
    assert.equal(read.time(-5, 'e', 't'), null);
    assert.equal(read.time(undefined, 'e', 't'), null);
    assert.deepEqual(issues.counts(), { 'timestamp-as-epoch-seconds': 1, 'timestamp-as-epoch-ms': 1, 'timestamp-unreadable': 2 });
    const seconds = createDataIssues({ source: 's' });
    assert.equal(recordReaders(seconds, { timestamps: 'epoch-seconds' }).time(1_795_166_682, 'e', 't'), 1_795_166_682_000);
    assert.deepEqual(seconds.counts(), {}, 'seconds are not an issue where they are documented');
  });

  it('text: lone surrogates become U+FFFD and are counted; non-text is null', () => {
    const issues = createDataIssues({ source: 's' });
    const read = recordReaders(issues);
    assert.equal(read.text('fine 🎉', 'e', 'caption'), 'fine 🎉');
    assert.equal(read.text('half \ud83d', 'e', 'caption'), 'half \ufffd');
    assert.equal(read.text(5, 'e', 'caption'), null);
    assert.deepEqual(issues.counts(), { 'text-lone-surrogate': 1 });
  });

  it('a polled envelope: event id from the identity, lineage from the stream context and the response', () => {
    const identity = { platform: 'YOUTUBE', entity_kind: 'POST', entity_id: 'v1', observation: 'metrics:1' } as const;
    const context = { source: 'source-youtube', method: 'backfill', traceparent: '00-abc-def-01' } as const;
    const envelope = polledEnvelope(
      identity,
      context,
      { receivedAt: 1_000, requestId: 'req-1' },
      { endpoint: 'GET /videos', apiVersion: 'v3' },
    );
    assert.deepEqual(envelope, {
      event_id: computeEventId(identity),
      platform: 'YOUTUBE',
      entity_kind: 'POST',
      entity_id: 'v1',
      observation: 'metrics:1',
      observed_at: 1_000,
      collected_at: 1_000,
      lineage: {
        source: 'source-youtube',
        method: 'BACKFILL',
        endpoint: 'GET /videos',
        api_version: 'v3',
        request_id: 'req-1',
        delivery_id: null,
      },
      traceparent: '00-abc-def-01',
    });
    const webhook = eventEnvelope(
      identity,
      { source: 's', method: 'WEBHOOK', endpoint: 'POST /webhooks/youtube', apiVersion: null, deliveryId: 'd1' },
      { observedAt: 5, collectedAt: 6 },
      null,
    );
    assert.deepEqual(
      [webhook.lineage.method, webhook.lineage.request_id, webhook.lineage.delivery_id, webhook.observed_at],
      ['WEBHOOK', null, 'd1', 5],
    );
  });
});
