import assert from 'node:assert/strict';
import { countGraphemes, extractText, normaliseTag, proseOf } from '../src/text-features.ts';

const tags = (text: string): string[] => extractText([text], 'INSTAGRAM').hashtags;

describe('text features: hashtags', () => {
  it('normalises with NFKC and a locale-independent lower case', () => {
    assert.equal(normaliseTag('ＣＡＦÉ'), 'café');
    // Turkish dotted capital I lower-cases to i + combining dot above whatever the locale.
    assert.equal(normaliseTag('İstanbul'), 'i\u0307stanbul');
    assert.equal(normaliseTag('ﬁre'), 'fire'); // the ligature is a compatibility character
  });

  it('keeps the first appearance of each normalised tag, in order', () => {
    assert.deepEqual(tags('#B #a #b #A #c'), ['b', 'a', 'c']);
  });

  it('refuses tags after letters, digits, & and /, and digits-only tags', () => {
    assert.deepEqual(tags('a#b 3#c &#39; path/#frag #123 #_1 #1a'), ['1a']);
  });

  it('ends a tag at emoji, ZWJ and punctuation but keeps ZWNJ inside Persian words', () => {
    assert.deepEqual(tags('#sun☀️ #a\u200db #end. #می\u200cخواهم'), ['sun', 'a', 'end', 'می\u200cخواهم']);
  });

  it('rejects a tag that runs into another # or ://', () => {
    assert.deepEqual(tags('#one#two #http://x.y #ok'), ['ok']);
  });

  it('does not take the # of a keycap emoji', () => {
    assert.deepEqual(tags('#\ufe0f\u20e3 #️⃣ hi'), []);
  });

  it('has no tags inside links', () => {
    assert.deepEqual(tags('https://example.com/page#section #real'), ['real']);
  });
});

describe('text features: mentions', () => {
  it('reads each platform alphabet', () => {
    const text = '@ana_b.c @x-y @Ünal';
    assert.deepEqual(extractText([text], 'INSTAGRAM').mentions, ['ana_b.c', 'x']);
    assert.deepEqual(extractText([text], 'TIKTOK').mentions, ['ana_b.c', 'x']);
    assert.deepEqual(extractText([text], 'YOUTUBE').mentions, ['ana_b.c', 'x-y', 'ünal']);
  });

  it('does not take e-mail addresses, trailing dots or bare @', () => {
    assert.deepEqual(extractText(['mail me: jo.doe+x@mail.example.com, @ alone, @.dot @end...'], 'INSTAGRAM').mentions, ['end']);
  });

  it('applies the handle length limit of the platform', () => {
    const long = `@${'a'.repeat(25)}`;
    assert.deepEqual(extractText([long], 'TIKTOK').mentions, []);
    assert.deepEqual(extractText([long], 'INSTAGRAM').mentions, ['a'.repeat(25)]);
  });

  it('lower-cases and dedupes', () => {
    assert.deepEqual(extractText(['@Nord @nord @NORD'], 'INSTAGRAM').mentions, ['nord']);
  });
});

describe('text features: links', () => {
  const links = (text: string): string[] => extractText([text], 'YOUTUBE').links;

  it('cuts trailing punctuation but keeps balanced brackets', () => {
    assert.deepEqual(links('https://en.wikipedia.org/wiki/Mercury_(planet)). Next'), ['https://en.wikipedia.org/wiki/Mercury_(planet)']);
    assert.deepEqual(links('[https://a.example/x]'), ['https://a.example/x']);
    assert.deepEqual(links('go to https://a.example/?q=1!?…'), ['https://a.example/?q=1']);
  });

  it('stops at quotes, angle brackets, CJK punctuation and emoji', () => {
    assert.deepEqual(links('<https://a.example/1> "https://a.example/2" https://a.example/3。続き https://a.example/4🎉'), [
      'https://a.example/1',
      'https://a.example/2',
      'https://a.example/3',
      'https://a.example/4',
    ]);
  });

  it('keeps non-ASCII paths as written and ignores a scheme without a host', () => {
    assert.deepEqual(links('https://de.wikipedia.org/wiki/Köln and https:// nothing, ftp://x.y'), ['https://de.wikipedia.org/wiki/Köln']);
  });
});

describe('text features: graphemes and prose', () => {
  it('counts user-perceived characters, not UTF-16 units or code points', () => {
    assert.equal(countGraphemes('e\u0301'), 1);
    assert.equal(countGraphemes('🇩🇪'), 1);
    assert.equal(countGraphemes('👩🏽‍💻'), 1);
    assert.equal(countGraphemes('ที่'), 1);
    assert.equal(countGraphemes(''), 0);
  });

  it('joins title and text with one line break and skips missing parts', () => {
    assert.equal(extractText(['ab', null, 'cd'], 'TIKTOK').textGraphemes, 5);
    assert.equal(extractText([null, null], 'TIKTOK').textGraphemes, 0);
  });

  it('leaves links, hashtags and mentions out of the prose', () => {
    assert.equal(proseOf(['Hello @you see https://x.example/a #tag', 'bye']), 'Hello see bye');
  });
});
