import type { Lexicon } from './lexicon.js';
import { CURATED_ANTONYMS, IRREGULAR, KNOWN_ENTITIES, NEGATIONS, NUMBER_WORDS, STOPWORDS, WH_WORDS } from './lists.js';
import { porterStem } from './stem.js';

export interface Token {
  /** As written (case kept). */
  raw: string;
  lower: string;
  /** Base form: irregular forms mapped, then regular inflection removed when the lexicon knows the result. */
  lemma: string;
  /** Porter stem of the lemma: the key for morphological matching. */
  stem: string;
  /** Normalised value when the token is a number ("6", "six" -> "6"; "1,000" -> "1000"). */
  num: string | null;
  /** Not a stopword, number or negation: carries the topic. */
  content: boolean;
  neg: boolean;
  /** Looks like a name, product, version or other entity (capitalised mid-sentence, ALLCAPS,
   * letters mixed with digits, or a known language/library/place). */
  proper: boolean;
  /** Known to the lexicon (common English word). */
  known: boolean;
  /** Synset numbers of the word and of its lemma (shared number = synonyms). */
  synsets: readonly number[];
  /** Antonyms of the word and of its lemma (WordNet + curated list). */
  antonyms: ReadonlySet<string>;
}

export interface Analysis {
  tokens: Token[];
  /** Indexes of content and number tokens (the alignable ones), in order. */
  align: number[];
  wh: ReadonlySet<string>;
  negCount: number;
  /** Starts like a yes/no question ("Is...", "Can I...", "Do..."). */
  yesNo: boolean;
}

const AUX_START: ReadonlySet<string> = new Set(
  'is are was were do does did can could should would will has have had am may might must shall'.split(' '),
);

const CONTRACTIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bcan't\b/giu, 'can not'],
  [/\bwon't\b/giu, 'will not'],
  [/\bshan't\b/giu, 'shall not'],
  [/\b(\p{L}+)n't\b/giu, '$1 not'],
  [/\bcannot\b/giu, 'can not'],
];

const QUOTES_RE = /[\u2018\u2019\u02bc`]/u;
const DASH_RE = /[-\u2010-\u2014/]/u;
const TOKEN_RE = /\d{1,3}(?:,\d{3})+(?:\.\d+)?|[\p{L}\p{N}]+(?:[.'+#][\p{L}\p{N}]+)*[+#]*/gu;
const NUM_RE = /^\d+(?:[.,]\d+)*$/;
const ORDINAL_RE = /^(\d+)(?:st|nd|rd|th)$/;
const SUFFIX_NUM_RE = /^(\d+(?:\.\d+)?)(k|m|b|s|x|%|gb|mb|kb|tb|km|kg|cm|mm|ms|hz|ghz|mhz|px|pm|am)$/;

/** Regular-inflection candidates of a lower-case word (WordNet's morphy rules + doubled consonants). */
function inflectionBases(w: string): string[] {
  const out: string[] = [];
  const rules: ReadonlyArray<readonly [string, string]> = [
    ['ies', 'y'], ['ses', 's'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'],
    ['es', 'e'], ['es', ''], ['s', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', ''], ['er', ''], ['est', ''],
    ['er', 'e'], ['est', 'e'], ['ied', 'y'], ['ier', 'y'], ['iest', 'y'],
  ];
  for (const [suf, rep] of rules) {
    if (w.length > suf.length + 2 && w.endsWith(suf)) {
      const base = w.slice(0, w.length - suf.length) + rep;
      out.push(base);
      // running -> runn -> run
      if (rep === '' && base.length >= 3 && base[base.length - 1] === base[base.length - 2]) out.push(base.slice(0, -1));
    }
  }
  return out;
}

function numberValue(lower: string): string | null {
  if (NUM_RE.test(lower)) {
    const v = lower.replace(/,(?=\d{3}\b)/g, '');
    return v.includes('.') ? String(Number(v)) : v.replace(/^0+(?=\d)/, '');
  }
  const ord = ORDINAL_RE.exec(lower);
  if (ord !== null) return `${ord[1]}th`.replace(/^1th$/, '1st').replace(/^2th$/, '2nd').replace(/^3th$/, '3rd');
  const suf = SUFFIX_NUM_RE.exec(lower);
  if (suf !== null) return suf[2] === 'k' ? String(Number(suf[1]) * 1000) : `${suf[1]}${suf[2]}`;
  return NUMBER_WORDS.get(lower) ?? null;
}

interface WordInfo {
  lemma: string;
  stem: string;
  num: string | null;
  neg: boolean;
  stop: boolean;
  known: boolean;
  /** Known entity name or letters mixed with digits (python3, v2). */
  entity: boolean;
  synsets: readonly number[];
  antonyms: ReadonlySet<string>;
}

const NO_WORDS: ReadonlySet<string> = new Set();
const CURATED = new Map<string, Set<string>>();
for (const [a, b] of CURATED_ANTONYMS) {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    let s = CURATED.get(x);
    if (s === undefined) CURATED.set(x, (s = new Set()));
    s.add(y);
  }
}

const WORD_CACHE_MAX = 50_000;
const wordCaches = new WeakMap<Lexicon, Map<string, WordInfo>>();

/** Case-independent facts about a word, memoised per lexicon (stemming is the costly part). */
function wordInfo(lower: string, lex: Lexicon): WordInfo {
  let cache = wordCaches.get(lex);
  if (cache === undefined) {
    cache = new Map();
    wordCaches.set(lex, cache);
  }
  const hit = cache.get(lower);
  if (hit !== undefined) return hit;
  const num = numberValue(lower);
  let lemma = IRREGULAR.get(lower) ?? lower;
  if (lemma === lower && !lex.has(lower)) {
    for (const b of inflectionBases(lower)) {
      if (lex.has(b)) {
        lemma = b;
        break;
      }
    }
  }
  const synsets = num !== null ? [] : lemma === lower ? lex.synsetIds(lower) : [...new Set([...lex.synsetIds(lower), ...lex.synsetIds(lemma)])];
  const ants = new Set<string>();
  for (const w of lemma === lower ? [lower] : [lower, lemma]) {
    for (const x of CURATED.get(w) ?? []) ants.add(x);
    for (const x of lex.antonymsOfWord(w)) ants.add(x);
  }
  const info: WordInfo = {
    lemma,
    stem: num ?? porterStem(lemma),
    num,
    neg: NEGATIONS.has(lower),
    stop: STOPWORDS.has(lower) || STOPWORDS.has(lemma),
    known: lex.has(lemma),
    entity: KNOWN_ENTITIES.has(lower) || (/\p{L}/u.test(lower) && /\p{N}/u.test(lower)),
    synsets,
    antonyms: ants.size > 0 ? ants : NO_WORDS,
  };
  if (cache.size >= WORD_CACHE_MAX) cache.clear();
  cache.set(lower, info);
  return info;
}

/** Splits a (normalised) prompt into annotated tokens. */
export function analyze(text: string, lex: Lexicon): Analysis {
  let t = QUOTES_RE.test(text) ? text.replace(/[\u2018\u2019\u02bc`]/gu, "'") : text;
  if (t.includes("'") || /cannot/iu.test(t)) for (const [re, rep] of CONTRACTIONS) t = t.replace(re, rep);
  // Hyphens and slashes separate words ("gluten-free", "and/or"); "non-" stays a word of its own.
  if (DASH_RE.test(t)) t = t.replace(/(\p{L})[-\u2010-\u2014/](?=\p{L})/gu, '$1 ');
  const tokens: Token[] = [];
  const wh = new Set<string>();
  let negCount = 0;
  let sentenceStart = true;
  let last = 0;
  for (const m of t.matchAll(TOKEN_RE)) {
    for (let c = last; c < m.index; c++) {
      const ch = t.charCodeAt(c);
      // . ! ? : ;
      if (ch === 46 || ch === 33 || ch === 63 || ch === 58 || ch === 59) sentenceStart = true;
    }
    last = m.index + m[0].length;
    let raw = m[0];
    // Possessives and contractions: "Australia's" -> "Australia", "I'm" -> "I"
    if (raw.length > 2 && raw.includes("'")) raw = raw.replace(/'(?:s|m|re|ve|ll|d)?$/iu, '');
    // Case and diacritics folded: "İzmir" = "Izmir", "café" = "cafe".
    const lower = /[^\x00-\x7f]/u.test(raw) ? raw.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase() : raw.toLowerCase();
    if (lower === '' || lower === 's') continue;
    const info = wordInfo(lower, lex);
    const { num, neg, lemma, stop, known } = info;
    if (neg) negCount++;
    if (WH_WORDS.has(lower)) wh.add(lower);
    const hasUpper = raw !== raw.toLowerCase();
    const proper =
      num === null &&
      !neg &&
      (info.entity ||
        (hasUpper && !stop && (!sentenceStart || !known || (raw.length >= 2 && raw === raw.toUpperCase()))));
    tokens.push({
      raw,
      lower,
      lemma,
      stem: info.stem,
      num,
      content: !stop && num === null && !neg,
      neg,
      proper,
      known,
      synsets: info.synsets,
      antonyms: info.antonyms,
    });
    sentenceStart = false;
  }
  const align: number[] = [];
  tokens.forEach((tk, i) => {
    if (tk.content || tk.num !== null) align.push(i);
  });
  const first = tokens[0]?.lower ?? '';
  return { tokens, align, wh, negCount, yesNo: AUX_START.has(first) };
}
