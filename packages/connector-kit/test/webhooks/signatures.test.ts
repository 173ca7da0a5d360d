import assert from 'node:assert/strict';
import { isTributaryError } from '@tributary/errors';
import {
  digestsEqual,
  metaSignature256,
  parseRfc3339,
  tiktokSignature,
  twitchEventSub,
  unsigned,
  webSubSignature,
} from '../../src/webhooks/signatures.ts';
import type { SignatureCheck, SignatureScheme } from '../../src/webhooks/signatures.ts';
import { hmacHex, metaHeaders, tiktokHeaders, twitchHeaders } from './fixtures.ts';

const NOW = Date.UTC(2026, 10, 24, 1, 0, 0);
const TOLERANCE = 5 * 60_000;
const body = Buffer.from('{"object":"instagram","entry":[{"id":"17841400000000000","time":1764000000,"changes":[]}]}');

function check(scheme: SignatureScheme, headers: Record<string, string>, raw: Buffer | string = body, now = NOW): SignatureCheck {
  return scheme.check({ headers, body: Buffer.isBuffer(raw) ? raw : Buffer.from(raw), now, timestampToleranceMs: TOLERANCE });
}

function codeOf(result: SignatureCheck): string {
  return result.ok ? 'ok' : result.code;
}

describe('webhook signature schemes', () => {
  describe('metaSignature256 (X-Hub-Signature-256)', () => {
    const scheme = metaSignature256({ appSecret: 'meta-app-secret' });

    it('accepts the HMAC-SHA256 of the raw body, also in uppercase hex', () => {
      assert.deepEqual(check(scheme, metaHeaders('meta-app-secret', body)), { ok: true, signedAtMs: null });
      const upper = `sha256=${hmacHex('sha256', 'meta-app-secret', body).toUpperCase()}`;
      assert.equal(codeOf(check(scheme, { 'x-hub-signature-256': upper })), 'ok');
    });

    it('refuses missing, wrong-prefix, non-hex, short, wrong-secret and tampered-body signatures with distinct codes', () => {
      const good = metaHeaders('meta-app-secret', body)['x-hub-signature-256']!;
      assert.equal(codeOf(check(scheme, {})), 'WEBHOOK_SIGNATURE_MISSING');
      assert.equal(codeOf(check(scheme, { 'x-hub-signature-256': '' })), 'WEBHOOK_SIGNATURE_MISSING');
      assert.equal(codeOf(check(scheme, { 'x-hub-signature-256': good.replace('sha256=', 'sha1=') })), 'WEBHOOK_SIGNATURE_SCHEME');
      assert.equal(codeOf(check(scheme, { 'x-hub-signature-256': good.replace('sha256=', 'v0=') })), 'WEBHOOK_SIGNATURE_SCHEME');
      assert.equal(codeOf(check(scheme, { 'x-hub-signature-256': `sha256=${'zz'.repeat(32)}` })), 'WEBHOOK_SIGNATURE_INVALID');
      assert.equal(codeOf(check(scheme, { 'x-hub-signature-256': good.slice(0, -2) })), 'WEBHOOK_SIGNATURE_INVALID');
      assert.equal(codeOf(check(scheme, { 'x-hub-signature-256': `${good}00` })), 'WEBHOOK_SIGNATURE_INVALID');
      assert.equal(codeOf(check(scheme, metaHeaders('other-secret', body))), 'WEBHOOK_SIGNATURE_INVALID');
      const tampered = Buffer.from(body.toString().replace('17841400000000000', '17841400000000001'));
      assert.equal(codeOf(check(scheme, metaHeaders('meta-app-secret', body), tampered)), 'WEBHOOK_SIGNATURE_INVALID');
    });

    it('does not accept a signature over re-serialised JSON', () => {
      const spaced = Buffer.from('{ "object": "instagram", "entry": [] }');
      const reserialised = JSON.stringify(JSON.parse(spaced.toString()));
      assert.equal(codeOf(check(scheme, metaHeaders('meta-app-secret', reserialised), spaced)), 'WEBHOOK_SIGNATURE_INVALID');
    });

    it('accepts any of several secrets during a rotation', () => {
      const rotating = metaSignature256({ appSecret: ['new-secret', 'old-secret'] });
      assert.equal(codeOf(check(rotating, metaHeaders('old-secret', body))), 'ok');
      assert.equal(codeOf(check(rotating, metaHeaders('new-secret', body))), 'ok');
      assert.equal(codeOf(check(rotating, metaHeaders('third-secret', body))), 'WEBHOOK_SIGNATURE_INVALID');
    });

    it('refuses to be configured without a secret', () => {
      assert.throws(
        () => metaSignature256({ appSecret: '' }),
        (error: unknown) => isTributaryError(error) && error.code === 'WEBHOOK_SECRET_MISSING' && error.failureType === 'config',
      );
    });
  });

  describe('tiktokSignature (TikTok-Signature t=…,s=…)', () => {
    const scheme = tiktokSignature({ clientSecret: 'tiktok-client-secret' });
    const t = NOW / 1000;

    it('accepts HMAC-SHA256 of `<t>.<body>` and reports t as the signed time', () => {
      assert.deepEqual(check(scheme, tiktokHeaders('tiktok-client-secret', body, t)), { ok: true, signedAtMs: NOW });
    });

    it('refuses missing, malformed, tampered and wrong-secret signatures', () => {
      const good = tiktokHeaders('tiktok-client-secret', body, t)['tiktok-signature']!;
      assert.equal(codeOf(check(scheme, {})), 'WEBHOOK_SIGNATURE_MISSING');
      assert.equal(codeOf(check(scheme, { 'tiktok-signature': good.replace('s=', 'v1=') })), 'WEBHOOK_SIGNATURE_SCHEME');
      assert.equal(codeOf(check(scheme, { 'tiktok-signature': good.split(',')[1]! })), 'WEBHOOK_SIGNATURE_SCHEME');
      assert.equal(codeOf(check(scheme, { 'tiktok-signature': `t=${t},s=nothex` })), 'WEBHOOK_SIGNATURE_INVALID');
      assert.equal(codeOf(check(scheme, tiktokHeaders('wrong', body, t))), 'WEBHOOK_SIGNATURE_INVALID');
      assert.equal(
        codeOf(check(scheme, { 'tiktok-signature': good }, Buffer.concat([body, Buffer.from(' ')]))),
        'WEBHOOK_SIGNATURE_INVALID',
      );
      // the timestamp is part of the signed payload: moving it breaks the signature
      assert.equal(codeOf(check(scheme, { 'tiktok-signature': good.replace(`t=${t}`, `t=${t + 1}`) })), 'WEBHOOK_SIGNATURE_INVALID');
    });

    it('refuses timestamps beyond the tolerance in the past and in the future, accepts the edges', () => {
      const at = (offsetSeconds: number): string => codeOf(check(scheme, tiktokHeaders('tiktok-client-secret', body, t + offsetSeconds)));
      assert.equal(at(-300), 'ok');
      assert.equal(at(300), 'ok');
      assert.equal(at(-301), 'WEBHOOK_TIMESTAMP_STALE');
      assert.equal(at(301), 'WEBHOOK_TIMESTAMP_STALE');
    });

    it('uses its own tolerance when configured with one', () => {
      const strict = tiktokSignature({ clientSecret: 'tiktok-client-secret', timestampToleranceMs: 10_000 });
      assert.equal(codeOf(check(strict, tiktokHeaders('tiktok-client-secret', body, t - 11))), 'WEBHOOK_TIMESTAMP_STALE');
    });
  });

  describe('webSubSignature (X-Hub-Signature)', () => {
    const scheme = webSubSignature({ secret: 'hub-secret' });

    it('accepts sha1 (what the hub sends) and sha256/sha384/sha512 methods', () => {
      for (const algorithm of ['sha1', 'sha256', 'sha384', 'sha512']) {
        const result = check(scheme, { 'x-hub-signature': `${algorithm}=${hmacHex(algorithm, 'hub-secret', body)}` });
        assert.equal(codeOf(result), 'ok', algorithm);
      }
    });

    it('refuses unknown methods, a digest of the wrong algorithm, and a tampered body', () => {
      assert.equal(codeOf(check(scheme, { 'x-hub-signature': `md5=${hmacHex('md5', 'hub-secret', body)}` })), 'WEBHOOK_SIGNATURE_SCHEME');
      assert.equal(codeOf(check(scheme, { 'x-hub-signature': hmacHex('sha1', 'hub-secret', body) })), 'WEBHOOK_SIGNATURE_SCHEME');
      assert.equal(
        codeOf(check(scheme, { 'x-hub-signature': `sha256=${hmacHex('sha1', 'hub-secret', body)}` })),
        'WEBHOOK_SIGNATURE_INVALID',
      );
      const header = { 'x-hub-signature': `sha1=${hmacHex('sha1', 'hub-secret', body)}` };
      assert.equal(codeOf(check(scheme, header, Buffer.from('<feed/>'))), 'WEBHOOK_SIGNATURE_INVALID');
      assert.equal(codeOf(check(scheme, {})), 'WEBHOOK_SIGNATURE_MISSING');
    });

    it('unsigned() accepts anything and says it verified nothing', () => {
      const open = unsigned();
      assert.equal(codeOf(check(open, {})), 'ok');
      assert.equal(open.verifies, false);
      assert.equal(open.name, null);
    });
  });

  describe('twitchEventSub (Twitch-Eventsub-Message-Signature)', () => {
    const scheme = twitchEventSub({ secret: 'twitch-eventsub-secret' });
    const timestamp = '2026-11-24T00:59:30.123456789Z';

    it('accepts HMAC-SHA256 over id + timestamp + body and reports the nanosecond timestamp in ms', () => {
      assert.deepEqual(check(scheme, twitchHeaders('twitch-eventsub-secret', body, 'msg-1', timestamp)), {
        ok: true,
        signedAtMs: Date.UTC(2026, 10, 24, 0, 59, 30, 123),
      });
    });

    it('refuses a changed message id, a missing timestamp, a stale or future timestamp', () => {
      const headers = twitchHeaders('twitch-eventsub-secret', body, 'msg-1', timestamp);
      assert.equal(codeOf(check(scheme, { ...headers, 'twitch-eventsub-message-id': 'msg-2' })), 'WEBHOOK_SIGNATURE_INVALID');
      const { 'twitch-eventsub-message-timestamp': _dropped, ...withoutTimestamp } = headers;
      assert.equal(codeOf(check(scheme, withoutTimestamp)), 'WEBHOOK_SIGNATURE_MISSING');
      assert.equal(
        codeOf(check(scheme, twitchHeaders('twitch-eventsub-secret', body, 'm', '2026-11-24T00:54:59Z'))),
        'WEBHOOK_TIMESTAMP_STALE',
      );
      assert.equal(
        codeOf(check(scheme, twitchHeaders('twitch-eventsub-secret', body, 'm', '2026-11-24T01:05:01Z'))),
        'WEBHOOK_TIMESTAMP_STALE',
      );
      assert.equal(codeOf(check(scheme, twitchHeaders('twitch-eventsub-secret', body, 'm', 'yesterday'))), 'WEBHOOK_SIGNATURE_SCHEME');
    });
  });

  it('digestsEqual compares equal lengths by content and refuses other lengths', () => {
    const digest = Buffer.alloc(32, 7);
    assert.equal(digestsEqual(digest, Buffer.alloc(32, 7)), true);
    assert.equal(digestsEqual(digest, Buffer.alloc(32, 8)), false);
    assert.equal(digestsEqual(digest, Buffer.alloc(31, 7)), false);
    assert.equal(digestsEqual(digest, Buffer.alloc(0)), false);
  });

  it('parseRfc3339 reads offsets and sub-millisecond fractions, and refuses other formats', () => {
    assert.equal(parseRfc3339('2026-11-24T01:00:00Z'), NOW);
    assert.equal(parseRfc3339('2026-11-24T02:00:00.5+01:00'), NOW + 500);
    assert.equal(parseRfc3339('2015-03-09T19:05:24.552394234+00:00'), Date.UTC(2015, 2, 9, 19, 5, 24, 552));
    assert.equal(parseRfc3339('2026-11-24 01:00:00'), null);
    assert.equal(parseRfc3339('1764000000'), null);
  });
});
