// Pure parsers for the payloads sources read in their onPersisted hooks (after the raw bytes are
// persisted): YouTube's WebSub Atom feed, Meta's entry[].changes[] batches and TikTok's event with
// its `content` JSON string. A payload that is not what the platform documents throws
// WEBHOOK_PAYLOAD_MALFORMED (a data error: retrying the same bytes cannot help).
// Contracts: research/platform-apis.md §1 (Meta), §2 (WebSub), §3 (TikTok), §7 (Twitch).
import { XMLParser } from 'fast-xml-parser';
import { TributaryError } from '@tributary/errors';
import { parseRfc3339 } from './signatures.ts';

function malformed(what: string, message: string, details: Record<string, unknown> = {}): TributaryError {
  return new TributaryError('WEBHOOK_PAYLOAD_MALFORMED', `${what}: ${message}`, { failureType: 'data', details });
}

function text(body: Buffer | string): string {
  return typeof body === 'string' ? body : body.toString('utf8');
}

function parseJson(body: Buffer | string, what: string): unknown {
  try {
    return JSON.parse(text(body)) as unknown;
  } catch (error) {
    throw malformed(what, `the body is not JSON (${(error as Error).message}).`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Ids as strings: Meta sends strings, but a number above 2^53 would already have lost digits, so only safe integers are accepted. */
function idString(value: unknown, what: string, path: string): string {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw malformed(what, `${path} is not an id.`, { path });
}

/** Epoch seconds or milliseconds (Meta mixes them) to epoch ms; null when absent. */
function epochMs(value: unknown, what: string, path: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw malformed(what, `${path} is not an epoch time.`, { path });
  return value < 100_000_000_000 ? Math.round(value * 1000) : Math.round(value);
}

// ---------------------------------------------------------------------------------------------
// YouTube WebSub (Atom)

export interface WebSubVideoEntry {
  videoId: string;
  channelId: string;
  title: string | null;
  /** Epoch ms; null when absent. */
  published: number | null;
  updated: number | null;
  /** The watch URL (`link rel="alternate"`). */
  url: string | null;
}

export interface WebSubDeletedEntry {
  videoId: string;
  /** The `ref` attribute verbatim, e.g. `yt:video:VIDEO_ID`. */
  ref: string;
  /** Epoch ms of the `when` attribute; null when absent. */
  deletedAt: number | null;
  /** From `<at:by><uri>…/channel/ID</uri>`, when present. */
  channelId: string | null;
}

export interface WebSubFeed {
  /** `link rel="self"`: the hub topic URL. */
  topic: string | null;
  entries: WebSubVideoEntry[];
  deletedEntries: WebSubDeletedEntry[];
}

const ARRAY_ELEMENTS = new Set(['entry', 'deleted-entry', 'link']);
const atomParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ARRAY_ELEMENTS.has(name),
});

type XmlNode = Record<string, unknown>;

function xmlText(node: unknown): string | null {
  if (typeof node === 'string') return node === '' ? null : node;
  if (isRecord(node) && typeof node['#text'] === 'string') return node['#text'] === '' ? null : node['#text'];
  return null;
}

function links(node: XmlNode): Array<{ rel: string | null; href: string }> {
  const list = Array.isArray(node.link) ? (node.link as unknown[]) : [];
  return list
    .filter(isRecord)
    .flatMap((link) =>
      typeof link['@href'] === 'string' ? [{ rel: typeof link['@rel'] === 'string' ? link['@rel'] : null, href: link['@href'] }] : [],
    );
}

function atomTime(node: unknown, path: string): number | null {
  const value = xmlText(node);
  if (value === null) return null;
  const parsed = parseRfc3339(value);
  if (parsed === null) throw malformed('WebSub feed', `${path} is not an RFC 3339 time: ${JSON.stringify(value.slice(0, 40))}.`, { path });
  return parsed;
}

/** Parses YouTube's push notification: uploads and title/description changes as `<entry>`, deletions as `<at:deleted-entry>`. */
export function parseWebSubFeed(body: Buffer | string): WebSubFeed {
  const xml = text(body);
  // Entity declarations are the road to entity-expansion attacks; Atom from the hub never has them.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw malformed('WebSub feed', 'document type declarations are not accepted.');
  let document: unknown;
  try {
    document = atomParser.parse(xml, true);
  } catch (error) {
    throw malformed('WebSub feed', `the body is not well-formed XML (${(error as Error).message}).`);
  }
  if (!isRecord(document) || document.feed === undefined) throw malformed('WebSub feed', 'the document has no <feed> root element.');
  // An empty <feed/> parses as text; it then fails below for having no entries.
  const feed: XmlNode = isRecord(document.feed) ? document.feed : {};
  const entries = (Array.isArray(feed.entry) ? (feed.entry as unknown[]) : []).map((entry, index): WebSubVideoEntry => {
    const path = `feed.entry[${index}]`;
    if (!isRecord(entry)) throw malformed('WebSub feed', `${path} is empty.`, { path });
    const videoId = xmlText(entry.videoId);
    const channelId = xmlText(entry.channelId);
    if (videoId === null) throw malformed('WebSub feed', `${path} has no <yt:videoId>.`, { path });
    if (channelId === null) throw malformed('WebSub feed', `${path} has no <yt:channelId>.`, { path });
    return {
      videoId,
      channelId,
      title: xmlText(entry.title),
      published: atomTime(entry.published, `${path}.published`),
      updated: atomTime(entry.updated, `${path}.updated`),
      url: links(entry).find((link) => link.rel === 'alternate')?.href ?? null,
    };
  });
  const deletedEntries = (Array.isArray(feed['deleted-entry']) ? (feed['deleted-entry'] as unknown[]) : []).map(
    (entry, index): WebSubDeletedEntry => {
      const path = `feed.deleted-entry[${index}]`;
      const ref = isRecord(entry) && typeof entry['@ref'] === 'string' ? entry['@ref'] : null;
      const match = ref === null ? null : /^yt:video:(.+)$/.exec(ref);
      if (!isRecord(entry) || ref === null || !match) throw malformed('WebSub feed', `${path} has no ref="yt:video:<id>".`, { path });
      const when = typeof entry['@when'] === 'string' ? entry['@when'] : null;
      const deletedAt = when === null ? null : parseRfc3339(when);
      if (when !== null && deletedAt === null) throw malformed('WebSub feed', `${path}@when is not an RFC 3339 time.`, { path });
      const uri = isRecord(entry.by) ? xmlText(entry.by.uri) : null;
      return { videoId: match[1]!, ref, deletedAt, channelId: uri === null ? null : (/\/channel\/([^/?#]+)/.exec(uri)?.[1] ?? null) };
    },
  );
  if (entries.length === 0 && deletedEntries.length === 0)
    throw malformed('WebSub feed', 'the feed has neither <entry> nor <at:deleted-entry>.');
  return { topic: links(feed).find((link) => link.rel === 'self')?.href ?? null, entries, deletedEntries };
}

// ---------------------------------------------------------------------------------------------
// Meta (Instagram / Facebook) webhook notifications

/** One change of one entry: processing fans out over these, the delivery was persisted once. */
export interface MetaChange {
  /** `instagram`, `page`, … */
  object: string;
  /** The entry id (the IG account or Page id). */
  entryId: string;
  /** entry.time as epoch ms; null when absent. */
  entryTime: number | null;
  /** `comments`, `mentions`, `story_insights`, … */
  field: string;
  value: unknown;
}

export interface MetaNotification {
  object: string;
  changes: MetaChange[];
  /** entry[].messaging[] events (Messenger-style payloads), verbatim. */
  messaging: Array<{ entryId: string; entryTime: number | null; event: unknown }>;
}

/** Parses `{"object", "entry": [{"id", "time", "changes": [{"field", "value"}]}]}` (also when wrapped in a one-element array). */
export function parseMetaNotification(body: Buffer | string): MetaNotification {
  const what = 'Meta notification';
  let parsed = parseJson(body, what);
  if (Array.isArray(parsed) && parsed.length === 1) parsed = parsed[0];
  if (!isRecord(parsed)) throw malformed(what, 'the body is not a JSON object.');
  if (typeof parsed.object !== 'string' || parsed.object === '') throw malformed(what, '`object` is missing.', { path: 'object' });
  if (!Array.isArray(parsed.entry)) throw malformed(what, '`entry` is not an array.', { path: 'entry' });
  const object = parsed.object;
  const changes: MetaChange[] = [];
  const messaging: MetaNotification['messaging'] = [];
  parsed.entry.forEach((entry: unknown, index) => {
    const path = `entry[${index}]`;
    if (!isRecord(entry)) throw malformed(what, `${path} is not an object.`, { path });
    const entryId = idString(entry.id, what, `${path}.id`);
    const entryTime = epochMs(entry.time, what, `${path}.time`);
    if (entry.changes !== undefined) {
      if (!Array.isArray(entry.changes)) throw malformed(what, `${path}.changes is not an array.`, { path: `${path}.changes` });
      entry.changes.forEach((change: unknown, changeIndex) => {
        const changePath = `${path}.changes[${changeIndex}]`;
        if (!isRecord(change) || typeof change.field !== 'string' || change.field === '')
          throw malformed(what, `${changePath}.field is missing.`, { path: changePath });
        changes.push({ object, entryId, entryTime, field: change.field, value: change.value });
      });
    }
    if (Array.isArray(entry.messaging)) for (const event of entry.messaging as unknown[]) messaging.push({ entryId, entryTime, event });
  });
  return { object, changes, messaging };
}

/** The notification's topic as persisted: `<object>/<field>`, distinct fields joined with `,` when one POST mixes several. */
export function metaTopicOf(notification: MetaNotification): string {
  const fields = [...new Set(notification.changes.map((change) => change.field))];
  if (fields.length === 0) return notification.messaging.length > 0 ? `${notification.object}/messaging` : notification.object;
  return fields.map((field) => `${notification.object}/${field}`).join(',');
}

// ---------------------------------------------------------------------------------------------
// TikTok webhooks

export interface TikTokEvent {
  clientKey: string;
  /** `authorization.removed`, `video.publish.completed`, … */
  event: string;
  /** create_time as epoch ms. */
  createTime: number;
  userOpenId: string;
  /** `content`, parsed from its JSON string. */
  content: Record<string, unknown>;
}

/** Parses `{"client_key", "event", "create_time", "user_openid", "content": "<JSON string>"}`. */
export function parseTikTokEvent(body: Buffer | string): TikTokEvent {
  const what = 'TikTok event';
  const parsed = parseJson(body, what);
  if (!isRecord(parsed)) throw malformed(what, 'the body is not a JSON object.');
  for (const field of ['client_key', 'event', 'user_openid', 'content'] as const) {
    if (typeof parsed[field] !== 'string') throw malformed(what, `\`${field}\` is not a string.`, { path: field });
  }
  const createTime = epochMs(parsed.create_time, what, 'create_time');
  if (createTime === null) throw malformed(what, '`create_time` is missing.', { path: 'create_time' });
  let content: unknown;
  try {
    content = JSON.parse(parsed.content as string) as unknown;
  } catch (error) {
    throw malformed(what, `\`content\` is not a JSON string (${(error as Error).message}).`, { path: 'content' });
  }
  if (!isRecord(content)) throw malformed(what, '`content` is not a JSON object.', { path: 'content' });
  return {
    clientKey: parsed.client_key as string,
    event: parsed.event as string,
    createTime,
    userOpenId: parsed.user_openid as string,
    content,
  };
}

// ---------------------------------------------------------------------------------------------
// Twitch EventSub

export interface TwitchEventSubMessage {
  subscription: { id: string; type: string; version: string; status: string; condition: Record<string, unknown> };
  /** The event of a notification; null for revocations. */
  event: Record<string, unknown> | null;
}

/** Parses a notification or revocation body `{"subscription": {...}, "event": {...}}`. */
export function parseTwitchEventSub(body: Buffer | string): TwitchEventSubMessage {
  const what = 'Twitch EventSub message';
  const parsed = parseJson(body, what);
  if (!isRecord(parsed) || !isRecord(parsed.subscription)) throw malformed(what, '`subscription` is missing.', { path: 'subscription' });
  const subscription = parsed.subscription;
  for (const field of ['id', 'type', 'version', 'status'] as const) {
    if (typeof subscription[field] !== 'string')
      throw malformed(what, `subscription.${field} is not a string.`, { path: `subscription.${field}` });
  }
  if (parsed.event !== undefined && !isRecord(parsed.event)) throw malformed(what, '`event` is not an object.', { path: 'event' });
  return {
    subscription: {
      id: subscription.id as string,
      type: subscription.type as string,
      version: subscription.version as string,
      status: subscription.status as string,
      condition: isRecord(subscription.condition) ? subscription.condition : {},
    },
    event: isRecord(parsed.event) ? parsed.event : null,
  };
}
