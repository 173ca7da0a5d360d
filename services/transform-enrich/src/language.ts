// The language of a post's or comment's text (TextFeatures.language / language_method).
//   1. PLATFORM: the platform stated one (Post.language, a BCP 47 tag such as YouTube's
//      defaultLanguage): canonicalised (Intl.getCanonicalLocales: case, deprecated tags such as
//      iw → he) and reduced to its primary subtag. `und`, `mul`, `zxx` and malformed tags state nothing.
//   2. DETECTED: franc (trigram detection, ISO 639-3) on the prose — the text without links,
//      hashtags and mentions, which are not sentences — mapped to ISO 639-1 (iso-639-3's table,
//      plus the individual languages franc returns for macrolanguages: arb → ar, cmn → zh, …);
//      a language without a 639-1 code keeps its 639-3 code, as the schema says.
//   3. UNDETERMINED (null) otherwise.
// Detection only runs on prose of at least `minGraphemes` user-perceived characters (default 20):
// franc's own floor is 10, but below about 20 characters its trigram profile is a handful of
// trigrams and Latin-script guesses are noise (measured on franc 6.2: "Five k before work" → fuf,
// "New drop is live link in bio" → fra). A result is also refused as ambiguous when the runner-up's
// normalised score is within `ambiguityMargin` of the winner's (franc scores the winner 1):
// "A 50-second tour of our release train." scores fra 1, eng 0.94. Null is better than wrong.
import { francAll } from 'franc';
import { iso6393To1 } from 'iso-639-3';
import { countGraphemes } from './text-features.ts';

export type LanguageMethod = 'PLATFORM' | 'DETECTED' | 'UNDETERMINED';

export interface LanguageDecision {
  language: string | null;
  method: LanguageMethod;
}

export interface LanguageOptions {
  minGraphemes: number;
  ambiguityMargin: number;
}

export const DEFAULT_LANGUAGE_OPTIONS: LanguageOptions = { minGraphemes: 20, ambiguityMargin: 0.1 };

/** Individual languages franc reports whose macrolanguage has an ISO 639-1 code. */
const MACROLANGUAGE_MEMBERS: Readonly<Record<string, string>> = {
  arb: 'ar',
  cmn: 'zh',
  pes: 'fa',
  prs: 'fa',
  zlm: 'ms',
  uzn: 'uz',
  azj: 'az',
  swh: 'sw',
  plt: 'mg',
  als: 'sq',
  ekk: 'et',
  lvs: 'lv',
  khk: 'mn',
  npi: 'ne',
  pbu: 'ps',
  ydd: 'yi',
  ory: 'or',
  gaz: 'om',
  ayr: 'ay',
  quz: 'qu',
  quy: 'qu',
  qug: 'qu',
  ckb: 'ku',
  knc: 'kr',
  fuv: 'ff',
  fuf: 'ff',
  src: 'sc',
  kng: 'kg',
  koi: 'kv',
};

const NO_LANGUAGE = new Set(['und', 'mul', 'zxx', 'mis']);

/** ISO 639-3 → ISO 639-1 where one exists, else the 639-3 code; null for `und`. */
export function toIso6391(code: string): string | null {
  const lower = code.toLowerCase();
  if (NO_LANGUAGE.has(lower)) return null;
  return MACROLANGUAGE_MEMBERS[lower] ?? (iso6393To1 as Record<string, string | undefined>)[lower] ?? lower;
}

/** The primary language subtag of a platform-stated BCP 47 tag, or null when it states nothing usable. */
export function statedLanguage(tag: string | null | undefined): string | null {
  if (typeof tag !== 'string' || tag.trim() === '') return null;
  let canonical: string;
  try {
    [canonical = ''] = Intl.getCanonicalLocales(tag.trim().replace(/_/gu, '-'));
  } catch {
    return null; // not a well-formed tag
  }
  const primary = canonical.split('-')[0]!.toLowerCase();
  if (!/^[a-z]{2,3}$/u.test(primary)) return null;
  return toIso6391(primary);
}

/** franc on `prose`, or null when it is too short or the guess is ambiguous. */
export function detectLanguage(prose: string, options: LanguageOptions = DEFAULT_LANGUAGE_OPTIONS): string | null {
  if (countGraphemes(prose) < options.minGraphemes) return null;
  const ranked = francAll(prose, { minLength: 1 });
  const [best, runnerUp] = ranked;
  if (best === undefined || best[0] === 'und') return null;
  if (runnerUp !== undefined && runnerUp[1] > 1 - options.ambiguityMargin) return null;
  return toIso6391(best[0]);
}

export function decideLanguage(
  stated: string | null | undefined,
  prose: string,
  options: LanguageOptions = DEFAULT_LANGUAGE_OPTIONS,
): LanguageDecision {
  const platform = statedLanguage(stated);
  if (platform !== null) return { language: platform, method: 'PLATFORM' };
  const detected = detectLanguage(prose, options);
  return detected === null ? { language: null, method: 'UNDETERMINED' } : { language: detected, method: 'DETECTED' };
}
