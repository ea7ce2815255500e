import type { Idf } from './idf.js';
import { KNOWN_ENTITIES } from './lists.js';
import type { Analysis, Token } from './text.js';
import { areAntonyms, bigramDice, synonymTokens } from './word-relations.js';

/** The lexical half of the pair features (features.ts): which words of the two texts align,
 * and what each side leaves without a counterpart. */

/** matchA[i] = index in B of the token aligned with A's token i, or -1; matchB the other way. */
export interface Alignment {
  matchA: Int32Array;
  matchB: Int32Array;
  /** Pairs matched only through WordNet synonyms. */
  synMatches: number;
  /** Pairs matched only through morphology (same stem, another word and lemma). */
  stemMatches: number;
}

function link(al: Alignment, i: number, j: number): void {
  al.matchA[i] = j;
  al.matchB[j] = i;
}

/** Aligns content words and numbers: exact/morphological first, then synonyms. */
export function alignWords(A: Analysis, B: Analysis): Alignment {
  const al: Alignment = {
    matchA: new Int32Array(A.tokens.length).fill(-1),
    matchB: new Int32Array(B.tokens.length).fill(-1),
    synMatches: 0,
    stemMatches: 0,
  };
  matchStems(A, B, al);
  matchSynonyms(A, B, al);
  return al;
}

/** Same stem, and both numbers or both words. */
function matchStems(A: Analysis, B: Analysis, al: Alignment): void {
  for (const i of A.align) {
    const x = A.tokens[i] as Token;
    for (const j of B.align) {
      if (al.matchB[j] !== -1) continue;
      const y = B.tokens[j] as Token;
      if (x.stem === y.stem && (x.num === null) === (y.num === null)) {
        link(al, i, j);
        if (x.lower !== y.lower && x.lemma !== y.lemma) al.stemMatches++;
        break;
      }
    }
  }
}

/** WordNet synonyms among the words still unmatched (numbers never match this way). */
function matchSynonyms(A: Analysis, B: Analysis, al: Alignment): void {
  for (const i of A.align) {
    if (al.matchA[i] !== -1) continue;
    const x = A.tokens[i] as Token;
    if (x.num !== null) continue;
    for (const j of B.align) {
      if (al.matchB[j] !== -1) continue;
      if (synonymTokens(x, B.tokens[j] as Token)) {
        link(al, i, j);
        al.synMatches++;
        break;
      }
    }
  }
}

/** IDF totals over both texts. One object is carried through A's words and then B's, so the
 * sums keep the floating-point order the model was trained with. */
export interface IdfMass {
  /** Summed IDF of all content words. */
  all: number;
  /** Summed IDF of the matched content words. */
  matched: number;
  /** IDF of the rarest unmatched content word. */
  top: number;
}

/** One side's aligned tokens, counted against its half of the alignment. */
export interface SideCounts {
  content: number;
  unmatched: number;
  /** Unmatched words unknown to the lexicon. */
  unknown: number;
  /** Unmatched names / versions / entities. */
  proper: number;
  numbers: number;
  numbersUnmatched: number;
  stems: Set<string>;
  unmatchedContent: Token[];
  /** Summed IDF of the unmatched content words. */
  idfUnmatched: number;
}

/** Counts the aligned tokens of side S (`match`: S's half of the alignment) and adds its
 * content words to `mass`. "one pound" and "a pound" name the same quantity: an unmatched 1
 * facing an article (`otherHasArticle`) counts as matched. */
export function countSide(S: Analysis, match: Int32Array, otherHasArticle: boolean, idf: Idf, mass: IdfMass): SideCounts {
  const c: SideCounts = { content: 0, unmatched: 0, unknown: 0, proper: 0, numbers: 0, numbersUnmatched: 0, stems: new Set(), unmatchedContent: [], idfUnmatched: 0 };
  for (const i of S.align) {
    const x = S.tokens[i] as Token;
    if (x.num !== null) {
      c.numbers++;
      if (match[i] === -1 && !(x.num === '1' && otherHasArticle)) c.numbersUnmatched++;
      continue;
    }
    c.content++;
    c.stems.add(x.stem);
    const w = idf.of(x.stem);
    mass.all += w;
    if (match[i] !== -1) mass.matched += w;
    if (match[i] === -1) {
      c.unmatched++;
      c.idfUnmatched += w;
      mass.top = Math.max(mass.top, w);
      c.unmatchedContent.push(x);
      if (!x.known) c.unknown++;
      if (x.proper) c.proper++;
    }
  }
  return c;
}

/** Synonym matches count as shared for the Jaccard: adds the stems of A's matched tokens to B's. */
export function addMatchedStems(ta: Token[], matchA: Int32Array, stemsB: Set<string>): void {
  for (let i = 0; i < ta.length; i++) {
    const j = matchA[i] as number;
    if (j >= 0) stemsB.add((ta[i] as Token).stem);
  }
}

/** Unmatched non-number tokens of one side whose lower-case form the other side lacks. */
function unmatchedWords(tokens: Token[], match: Int32Array, other: Token[]): Token[] {
  const lowersOther = new Set(other.map((t) => t.lower));
  return tokens.filter((t, i) => match[i] === -1 && t.num === null && !lowersOther.has(t.lower));
}

/** Antonym pairs among the unmatched words, function words included (with/without, before/after). */
export function antonymPairs(ta: Token[], tb: Token[], al: Alignment): number {
  const restA = unmatchedWords(ta, al.matchA, tb);
  const restB = unmatchedWords(tb, al.matchB, ta);
  let pairs = 0;
  for (const x of restA) for (const y of restB) if (areAntonyms(x, y)) pairs++;
  return pairs;
}

/** 1 when each side has an unmatched known language / country / currency / platform, else 0. */
export function knownEntitySwap(unmatchedA: Token[], unmatchedB: Token[]): number {
  const hasEntity = (ts: Token[]): boolean => ts.some((t) => KNOWN_ENTITIES.has(t.lower));
  return hasEntity(unmatchedA) && hasEntity(unmatchedB) ? 1 : 0;
}

/** Best character-bigram Dice of the unmatched cross pairs (typos, spelling variants), 0..1. */
export function fuzzyUnmatched(unmatchedA: Token[], unmatchedB: Token[]): number {
  let fuzzy = 0;
  for (const x of unmatchedA) for (const y of unmatchedB) fuzzy = Math.max(fuzzy, bigramDice(x.lower, y.lower));
  return fuzzy;
}
