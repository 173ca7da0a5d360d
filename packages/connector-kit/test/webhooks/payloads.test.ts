import assert from 'node:assert/strict';
import { isTributaryError } from '@tributary/errors';
import { metaTopicOf, parseMetaNotification, parseTikTokEvent, parseTwitchEventSub, parseWebSubFeed } from '../../src/webhooks/payloads.ts';

function malformed(pattern: RegExp) {
  return (error: unknown): boolean =>
    isTributaryError(error) &&
    error.code === 'WEBHOOK_PAYLOAD_MALFORMED' &&
    error.failureType === 'data' &&
    !error.retryable &&
    pattern.test(error.message);
}

const upload = `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">
  <link rel="hub" href="https://pubsubhubbub.appspot.com"/>
  <link rel="self" href="https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCchannel0000000000000"/>
  <title>YouTube video feed</title>
  <updated>2026-11-24T00:55:00.123456789+00:00</updated>
  <entry>
    <id>yt:video:0123456789a</id>
    <yt:videoId>0123456789a</yt:videoId>
    <yt:channelId>UCchannel0000000000000</yt:channelId>
    <title>Tom &amp; Jerry — ünïcode 🚀</title>
    <link rel="alternate" href="https://www.youtube.com/watch?v=0123456789a"/>
    <author><name>Channel</name><uri>https://www.youtube.com/channel/UCchannel0000000000000</uri></author>
    <published>2026-11-24T00:50:00+00:00</published>
    <updated>2026-11-24T00:55:00.123456789+00:00</updated>
  </entry>
</feed>`;

const deletion = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns:at="http://purl.org/atompub/tombstones/1.0" xmlns="http://www.w3.org/2005/Atom">
  <at:deleted-entry ref="yt:video:1234567890" when="2015-03-09T19:05:24.552394234+00:00">
    <link href="https://www.youtube.com/watch?v=1234567890"/>
    <at:by>
      <name>Channel title</name>
      <uri>https://www.youtube.com/channel/UCdeleted00000000000000</uri>
    </at:by>
  </at:deleted-entry>
</feed>`;

describe('webhook payload parsers', () => {
  describe('parseWebSubFeed', () => {
    it('reads an upload entry: ids as strings (never numbers), decoded title, times in ms, watch URL and hub topic', () => {
      assert.deepEqual(parseWebSubFeed(Buffer.from(upload)), {
        topic: 'https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCchannel0000000000000',
        entries: [
          {
            videoId: '0123456789a',
            channelId: 'UCchannel0000000000000',
            title: 'Tom & Jerry — ünïcode 🚀',
            published: Date.UTC(2026, 10, 24, 0, 50),
            updated: Date.UTC(2026, 10, 24, 0, 55, 0, 123),
            url: 'https://www.youtube.com/watch?v=0123456789a',
          },
        ],
        deletedEntries: [],
      });
    });

    it('reads a deleted entry with its video id, time and channel, and keeps an all-digit id a string', () => {
      assert.deepEqual(parseWebSubFeed(deletion), {
        topic: null,
        entries: [],
        deletedEntries: [
          {
            videoId: '1234567890',
            ref: 'yt:video:1234567890',
            deletedAt: Date.UTC(2015, 2, 9, 19, 5, 24, 552),
            channelId: 'UCdeleted00000000000000',
          },
        ],
      });
    });

    it('refuses malformed feeds with a clear reason', () => {
      assert.throws(() => parseWebSubFeed('<feed><entry>'), malformed(/well-formed|videoId/));
      assert.throws(() => parseWebSubFeed('{"not":"xml"}'), malformed(/well-formed/));
      assert.throws(() => parseWebSubFeed('<rss><channel/></rss>'), malformed(/no <feed> root/));
      assert.throws(() => parseWebSubFeed('<feed xmlns="http://www.w3.org/2005/Atom"></feed>'), malformed(/neither <entry>/));
      assert.throws(
        () => parseWebSubFeed(upload.replace(/<yt:videoId>.*<\/yt:videoId>/, '')),
        malformed(/feed\.entry\[0\] has no <yt:videoId>/),
      );
      assert.throws(
        () => parseWebSubFeed(upload.replace('2026-11-24T00:50:00+00:00', 'last tuesday')),
        malformed(/published is not an RFC 3339/),
      );
      assert.throws(() => parseWebSubFeed(deletion.replace('yt:video:1234567890', 'something-else')), malformed(/ref="yt:video:<id>"/));
    });

    it('refuses entity declarations instead of expanding them', () => {
      const bomb = `<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><feed><entry><yt:videoId>&b;</yt:videoId></entry></feed>`;
      assert.throws(() => parseWebSubFeed(bomb), malformed(/document type declarations/));
    });
  });

  describe('parseMetaNotification', () => {
    const body = JSON.stringify({
      object: 'instagram',
      entry: [
        {
          id: '17841400000000000',
          time: 1764000000,
          changes: [
            {
              field: 'comments',
              value: {
                id: '18000000000000001',
                text: 'nice',
                from: { id: '1', username: 'u' },
                media: { id: 'm', media_product_type: 'REELS' },
              },
            },
            { field: 'mentions', value: { media_id: 'm2' } },
          ],
        },
        { id: '17841400000000001', time: 1764000001000, changes: [{ field: 'comments', value: { id: 'c2' } }] },
      ],
    });

    it('flattens entry[].changes[] with the entry id and time (seconds or ms) for fan-out', () => {
      const parsed = parseMetaNotification(body);
      assert.equal(parsed.object, 'instagram');
      assert.deepEqual(
        parsed.changes.map((change) => [change.entryId, change.entryTime, change.field]),
        [
          ['17841400000000000', 1_764_000_000_000, 'comments'],
          ['17841400000000000', 1_764_000_000_000, 'mentions'],
          ['17841400000000001', 1_764_000_001_000, 'comments'],
        ],
      );
      assert.equal((parsed.changes[0]!.value as { text: string }).text, 'nice');
      assert.equal(metaTopicOf(parsed), 'instagram/comments,instagram/mentions');
    });

    it('accepts the one-element array wrapping and messaging entries', () => {
      const wrapped = JSON.stringify([{ object: 'instagram', entry: [{ id: '1', time: 1, messaging: [{ sender: { id: 's' } }] }] }]);
      const parsed = parseMetaNotification(Buffer.from(wrapped));
      assert.deepEqual(parsed.messaging, [{ entryId: '1', entryTime: 1000, event: { sender: { id: 's' } } }]);
      assert.equal(metaTopicOf(parsed), 'instagram/messaging');
    });

    it('refuses what Meta does not send', () => {
      assert.throws(() => parseMetaNotification('not json'), malformed(/not JSON/));
      assert.throws(() => parseMetaNotification('{"entry":[]}'), malformed(/`object` is missing/));
      assert.throws(() => parseMetaNotification('{"object":"instagram","entry":{}}'), malformed(/`entry` is not an array/));
      assert.throws(() => parseMetaNotification('{"object":"instagram","entry":[{"time":1}]}'), malformed(/entry\[0\]\.id is not an id/));
      assert.throws(
        () => parseMetaNotification('{"object":"instagram","entry":[{"id":17841400000000000000}]}'),
        malformed(/entry\[0\]\.id/),
      );
      assert.throws(
        () => parseMetaNotification('{"object":"instagram","entry":[{"id":"1","changes":[{"value":{}}]}]}'),
        malformed(/changes\[0\]\.field/),
      );
    });
  });

  describe('parseTikTokEvent', () => {
    it('parses the event and its content JSON string', () => {
      const body =
        '{"client_key":"awx","event":"authorization.removed","create_time":1764000000,"user_openid":"act.x","content":"{\\"reason\\":1}"}';
      assert.deepEqual(parseTikTokEvent(body), {
        clientKey: 'awx',
        event: 'authorization.removed',
        createTime: 1_764_000_000_000,
        userOpenId: 'act.x',
        content: { reason: 1 },
      });
    });

    it('refuses a missing field, a content that is not a JSON string, and a missing create_time', () => {
      assert.throws(() => parseTikTokEvent('{"client_key":"a","event":"e","user_openid":"u","content":"{}"}'), malformed(/create_time/));
      assert.throws(
        () => parseTikTokEvent('{"client_key":"a","event":"e","create_time":1,"user_openid":"u","content":"{oops"}'),
        malformed(/`content` is not a JSON string/),
      );
      assert.throws(
        () => parseTikTokEvent('{"client_key":"a","event":"e","create_time":1,"user_openid":"u","content":{"reason":1}}'),
        malformed(/`content` is not a string/),
      );
      assert.throws(
        () => parseTikTokEvent('{"client_key":"a","create_time":1,"user_openid":"u","content":"{}"}'),
        malformed(/`event` is not a string/),
      );
    });
  });

  describe('parseTwitchEventSub', () => {
    it('parses notifications and revocations', () => {
      const revocation = parseTwitchEventSub(
        '{"subscription":{"id":"s","type":"stream.online","version":"1","status":"authorization_revoked","condition":{"broadcaster_user_id":"1"}}}',
      );
      assert.equal(revocation.subscription.status, 'authorization_revoked');
      assert.equal(revocation.event, null);
      assert.throws(() => parseTwitchEventSub('{"event":{}}'), malformed(/subscription/));
    });
  });
});
