// Hashtags, mentions, links and grapheme length of a post's or comment's text (TextFeatures in
// schemas/avro/processing/text-features.avsc), on code points and grapheme clusters, never UTF-16 units.
//
// Hand-written with Unicode property regexes rather than twitter-text: twitter-text (Apache-2.0)
// has had no release since 3.1.0 (2020), encodes Twitter's own rules (its URL grammar needs a TLD
// list that is years old, its mention grammar is Twitter's 15-character ASCII handle), and knows
// nothing of Instagram, TikTok or YouTube handles. The rules here are short and are the product.
//
// Hashtags: `#` or fullwidth `＃` (U+FF03) not preceded by a letter, mark, digit, `_`, `&` or `/`
// (so a#b, &#39; and path/#frag are not tags), then a body of letters, marks, digits, `_` and ZWNJ
// (Persian) starting with a letter, digit or `_`, containing at least one letter (digits-only tags
// such as #1 are not hashtags); anything else — emoji, ZWJ, punctuation, space — ends the body. A
// body directly followed by `#` or `://` is rejected. `#` inside a link is never a tag.
// Normalised for grouping: NFKC then String.prototype.toLowerCase (locale-independent).
//
// Mentions: `@` or fullwidth `＠` not preceded by a letter, digit or one of `_ . + -` (an e-mail
// address is not a mention), followed by a handle of the platform's alphabet; trailing dots are not
// part of a handle and none starts with one. A handle that runs on into a letter its platform does
// not allow is dropped rather than truncated (a truncated handle names somebody else).
//
// Links: http(s)://, up to whitespace, `<>"`, CJK/fullwidth punctuation or an emoji; trailing
// punctuation is cut, closing brackets only when unbalanced (Wikipedia-style URLs keep theirs).
import type { Platform } from '@tributary/events';

export interface ExtractedText {
  hashtags: string[];
  mentions: string[];
  links: string[];
  textGraphemes: number;
}

/** Handle alphabets. Instagram and TikTok: ASCII letters, digits, `_` and `.`; YouTube handles also `-` and letters of any script. */
interface HandleRule {
  char: RegExp;
  maxLength: number;
}

const ASCII_HANDLE: HandleRule = { char: /[A-Za-z0-9_.]/u, maxLength: 30 };
const HANDLE_RULES: Partial<Record<Platform, HandleRule>> = {
  INSTAGRAM: ASCII_HANDLE,
  TIKTOK: { char: /[A-Za-z0-9_.]/u, maxLength: 24 },
  YOUTUBE: { char: /[\p{L}\p{M}\p{Nd}_.-]/u, maxLength: 30 },
};
/** Other platforms: letters of any script, digits, `_` and `.`. */
const DEFAULT_HANDLE: HandleRule = { char: /[\p{L}\p{M}\p{Nd}_.]/u, maxLength: 50 };

const LINK = /https?:\/\/[^\s<>"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\p{Extended_Pictographic}]+/giu;
const LINK_TRAILING = /[.,;:!?'"…»›)\]}]$/u;
const BRACKETS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

const HASH = /[#＃]/u;
const TAG_START = /[\p{L}\p{N}_]/u;
const TAG_BODY = /[\p{L}\p{M}\p{N}_\u200c]/u;
const BEFORE_TAG_FORBIDDEN = /[\p{L}\p{M}\p{N}_&/]/u;
const AT = /[@＠]/u;
const BEFORE_MENTION_FORBIDDEN = /[\p{L}\p{M}\p{N}_.+-]/u;
const LETTER_OR_DIGIT = /[\p{L}\p{M}\p{N}]/u;

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/** User-perceived characters (extended grapheme clusters). */
export function countGraphemes(text: string): number {
  let count = 0;
  for (const _ of graphemes.segment(text)) count += 1;
  return count;
}

/** NFKC, then locale-independent lower case: the grouping form of hashtags. */
export function normaliseTag(tag: string): string {
  return tag.normalize('NFKC').toLowerCase();
}

interface Span {
  start: number;
  end: number;
}

function trimLink(url: string): string {
  let trimmed = url;
  for (;;) {
    const last = trimmed.at(-1);
    if (last === undefined) return trimmed;
    const opening = BRACKETS[last];
    if (opening !== undefined) {
      // A closing bracket stays when the link opened it: https://en.wikipedia.org/wiki/Bat_(animal)
      const opened = [...trimmed].filter((char) => char === opening).length;
      const closed = [...trimmed].filter((char) => char === last).length;
      if (closed <= opened) return trimmed;
      trimmed = trimmed.slice(0, -1);
    } else if (LINK_TRAILING.test(last)) {
      trimmed = trimmed.slice(0, -1);
    } else {
      return trimmed;
    }
  }
}

function findLinks(text: string): { links: string[]; spans: Span[] } {
  const links: string[] = [];
  const spans: Span[] = [];
  for (const match of text.matchAll(LINK)) {
    const url = trimLink(match[0]);
    if (!/^https?:\/\/[^/?#]+/iu.test(url)) continue; // a scheme without a host
    spans.push({ start: match.index, end: match.index + url.length });
    links.push(url);
  }
  return { links, spans };
}

const inside = (spans: Span[], index: number): boolean => spans.some((span) => index >= span.start && index < span.end);

/** The code point before UTF-16 index `index`, or '' at the start. */
function charBefore(text: string, index: number): string {
  if (index === 0) return '';
  const low = text.charCodeAt(index - 1);
  if (low >= 0xdc00 && low <= 0xdfff && index >= 2) return text.slice(index - 2, index);
  return text.slice(index - 1, index);
}

/** Reads code points from `start` while `accept` holds; returns the run. */
function runFrom(text: string, start: number, accept: (char: string) => boolean): string {
  let run = '';
  for (const char of text.slice(start)) {
    if (!accept(char)) break;
    run += char;
  }
  return run;
}

function findHashtags(text: string, linkSpans: Span[]): string[] {
  const tags: string[] = [];
  for (let index = 0; index < text.length; index += 1) {
    if (!HASH.test(text[index]!) || inside(linkSpans, index)) continue;
    if (BEFORE_TAG_FORBIDDEN.test(charBefore(text, index))) continue;
    const body = runFrom(text, index + 1, (char) => TAG_BODY.test(char));
    if (body === '' || !TAG_START.test(String.fromCodePoint(body.codePointAt(0)!)) || !/\p{L}/u.test(body)) continue;
    const after = text.slice(index + 1 + body.length);
    if (HASH.test(after.charAt(0)) || after.startsWith('://')) continue;
    tags.push(body.replace(/\u200c+$/u, ''));
    index += body.length;
  }
  return tags;
}

function findMentions(text: string, platform: Platform, linkSpans: Span[]): string[] {
  const rule = HANDLE_RULES[platform] ?? DEFAULT_HANDLE;
  const handles: string[] = [];
  for (let index = 0; index < text.length; index += 1) {
    if (!AT.test(text[index]!) || inside(linkSpans, index)) continue;
    if (BEFORE_MENTION_FORBIDDEN.test(charBefore(text, index))) continue;
    const run = runFrom(text, index + 1, (char) => rule.char.test(char));
    const next = text.slice(index + 1 + run.length);
    const nextChar = next === '' ? '' : String.fromCodePoint(next.codePointAt(0)!);
    index += run.length;
    // Runs on into a letter the platform's handles cannot contain (or into another @: an e-mail-like token).
    if (LETTER_OR_DIGIT.test(nextChar) || AT.test(nextChar)) continue;
    const handle = run.replace(/\.+$/u, '');
    if (handle === '' || handle.startsWith('.') || !LETTER_OR_DIGIT.test(handle) || [...handle].length > rule.maxLength) continue;
    handles.push(handle);
  }
  return handles;
}

function uniqueInOrder(values: string[]): string[] {
  return [...new Set(values)];
}

/** Text features of `parts` (title, text; nulls skipped) joined by a line break. */
export function extractText(parts: readonly (string | null | undefined)[], platform: Platform): ExtractedText {
  const text = parts.filter((part): part is string => typeof part === 'string' && part !== '').join('\n');
  const { links, spans } = findLinks(text);
  return {
    hashtags: uniqueInOrder(findHashtags(text, spans).map(normaliseTag)),
    mentions: uniqueInOrder(findMentions(text, platform, spans).map((handle) => handle.toLowerCase())),
    links: uniqueInOrder(links),
    textGraphemes: countGraphemes(text),
  };
}

/** The text with links, hashtags and mentions removed: what language detection should look at. */
export function proseOf(parts: readonly (string | null | undefined)[]): string {
  const text = parts.filter((part): part is string => typeof part === 'string' && part !== '').join('\n');
  return text
    .replace(LINK, ' ')
    .replace(/[#＃@＠][\p{L}\p{M}\p{N}_.\-\u200c]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}
