import assert from 'node:assert/strict';
import { decideLanguage, detectLanguage, statedLanguage, toIso6391 } from '../src/language.ts';

describe('language', () => {
  it('reduces a stated BCP 47 tag to its canonical primary subtag', () => {
    assert.equal(statedLanguage('pt-BR'), 'pt');
    assert.equal(statedLanguage('EN_us'), 'en');
    assert.equal(statedLanguage('iw'), 'he');
    assert.equal(statedLanguage('zh-Hans'), 'zh');
    assert.equal(statedLanguage('yue-HK'), 'yue'); // no 639-1 code: the 639-3 one stays
  });

  it('treats und, mul, zxx, private use and malformed tags as not stated', () => {
    for (const tag of ['und', 'mul', 'zxx', 'x-private', '', '  ', 'not a tag', null, undefined])
      assert.equal(statedLanguage(tag), null, String(tag));
  });

  it('maps ISO 639-3 to 639-1, including individual languages of macrolanguages', () => {
    assert.equal(toIso6391('eng'), 'en');
    assert.equal(toIso6391('arb'), 'ar');
    assert.equal(toIso6391('cmn'), 'zh');
    assert.equal(toIso6391('pes'), 'fa');
    assert.equal(toIso6391('nob'), 'nb');
    assert.equal(toIso6391('fil'), 'fil');
    assert.equal(toIso6391('und'), null);
  });

  it('detects only from the minimum length on (script-unambiguous Japanese at 19 and 20 graphemes)', () => {
    const japanese = '今日は新しいコレクションを発表します。ぜひ見てください';
    assert.equal(detectLanguage(japanese.slice(0, 19), { minGraphemes: 20, ambiguityMargin: 0.1 }), null);
    assert.equal(detectLanguage(japanese.slice(0, 20), { minGraphemes: 20, ambiguityMargin: 0.1 }), 'ja');
  });

  it('refuses an ambiguous guess, and accepts it when the margin allows', () => {
    const text = 'A 50-second tour of our release train.'; // franc: fra 1, eng 0.94
    assert.equal(detectLanguage(text, { minGraphemes: 20, ambiguityMargin: 0.1 }), null);
    assert.notEqual(detectLanguage(text, { minGraphemes: 20, ambiguityMargin: 0 }), null);
  });

  it('prefers the platform over detection', () => {
    assert.deepEqual(decideLanguage('de', 'We are launching the new summer collection for everyone today'), {
      language: 'de',
      method: 'PLATFORM',
    });
    assert.deepEqual(decideLanguage(null, 'short'), { language: null, method: 'UNDETERMINED' });
  });
});
