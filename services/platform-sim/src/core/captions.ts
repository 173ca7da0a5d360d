// Captions with the Unicode a real feed carries: emoji ZWJ sequences and skin tones, flags,
// right-to-left scripts, combining marks, CJK, hashtags and mentions in several scripts, line
// breaks. Limits are applied per grapheme so a cut never splits a ZWJ sequence or a surrogate pair.
import type { SeededRandom } from './random.ts';

const WORDS = ['sunrise', 'recipe', 'tutorial', 'behind the scenes', 'new drop', 'day 12', 'Q&A', 'café', 'naïve', 'jalapeño'];
const EMOJI = ['👩‍👩‍👧‍👦', '🏳️‍🌈', '👨🏽‍💻', '🧑‍🚀', '❤️‍🔥', '🇯🇵', '🇧🇷', '👍🏿', '😂', '🫶'];
const RTL = ['مرحبا بالعالم', 'שלום עולם', 'سلام دنیا', 'بہت خوب'];
const COMBINING = ['Ze\u0301ro', 'a\u0308\u0301bc', 'Z\u0324\u0354\u0367\u0311\u0313', 'n\u0303o\u0303'];
const CJK = ['東京の夜', '你好世界', '안녕하세요', 'ありがとう'];
const HASHTAGS = ['#travel', '#日本', '#عربي', '#café', '#fyp', '#2026'];
const MENTIONS = ['@someone', '@friend.account', '@user_42', '@Ünïcode'];

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** A caption of 1–3 lines mixing the edge cases above. */
export function generateCaption(random: SeededRandom): string {
  const parts: string[] = [];
  const pieces = random.int(3, 8);
  for (let i = 0; i < pieces; i++) {
    const kind = random.int(0, 7);
    if (kind === 0) parts.push(random.pick(EMOJI));
    else if (kind === 1) parts.push(random.pick(RTL));
    else if (kind === 2) parts.push(random.pick(COMBINING));
    else if (kind === 3) parts.push(random.pick(CJK));
    else if (kind === 4) parts.push(random.pick(HASHTAGS));
    else if (kind === 5) parts.push(random.pick(MENTIONS));
    else if (kind === 6 && i > 0) parts.push('\n');
    else parts.push(random.pick(WORDS));
  }
  return parts
    .join(' ')
    .replace(/ ?\n ?/g, '\n')
    .trim();
}

/** At most `max` graphemes. */
export function truncateGraphemes(text: string, max: number): string {
  const graphemes = [...segmenter.segment(text)].map((s) => s.segment);
  return graphemes.length <= max ? text : graphemes.slice(0, max).join('');
}
