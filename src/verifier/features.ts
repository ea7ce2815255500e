import type { VerifierVeto } from '../core/types.js';
import { instructionChange } from './instruction.js';
import { unitChanges } from './units.js';
import { Lru } from '../util/lru.js';
import type { Lexicon } from './lexicon.js';
import { KNOWN_ENTITIES } from './lists.js';
import { analyze, type Analysis, type Token } from './text.js';
import { areAntonyms, bigramDice, synonymTokens } from './word-relations.js';
import { exchanged, isDirectionalSwap, jaccard, lisLength, linkedByPreposition, ngramSet, rolesOf } from './word-order.js';

export { areAntonyms } from './word-relations.js';
export { isDirectionalSwap } from './word-order.js';

/** Feature names, in vector order. Every feature is symmetric in the two texts. */
export const FEATURE_NAMES = [
  'cosine',
  'content_min', // content words of the shorter side
  'content_max',
  'token_len_ratio', // min/max token count
  'unmatched_min', // content words without a counterpart (exact, morphological or WordNet synonym)
  'unmatched_max',
  'unmatched_frac', // unmatched / all content words
  'unmatched_unknown_max', // unmatched words unknown to the lexicon (names, jargon, rare words)
  'unmatched_proper_min', // unmatched names / versions / entities
  'unmatched_proper_max',
  'known_entity_swap', // a known language / country / currency / platform on each side, not matched
  'synonym_matches', // matches only through WordNet synonyms
  'stem_matches', // matches only through morphology (inflection, derivation)
  'content_jaccard',
  'antonym_pairs', // unmatched word pairs that are antonyms
  'numbers_any',
  'numbers_unmatched_min', // numbers in one text and not the other
  'numbers_unmatched_max',
  'negation_diff', // |negation cues A - negation cues B|
  'negation_parity', // odd number of negations on exactly one side
  'wh_diff', // question words differ
  'wh_conflict', // different specific question words (why / when / where / who)
  'yesno_vs_wh', // a yes/no question against a wh-question
  'order_discordant', // fraction of matched word pairs whose order flips
  'order_discordant_strict', // the same, not counting compound flips ("list in Python" / "Python list")
  'order_lis_gap', // 1 - longest order-preserving subsequence / matched (compound flips excused)
  'context_prev_diff', // matched words whose previous word differs
  'context_next_diff',
  'role_diff', // matched words governed by a different preposition/marker
  'role_swaps', // pairs of matched words that exchanged their contexts ("X to Y" vs "Y to X")
  'bigram_jaccard',
  'trigram_jaccard',
  'fuzzy_unmatched', // best character-bigram Dice of unmatched cross pairs (typos, spelling)
  'matched_frac', // matched / longer side
  'idf_unmatched_min', // summed IDF of the unmatched content words, per side
  'idf_unmatched_max',
  'idf_unmatched_top', // IDF of the rarest unmatched content word
  'idf_matched_share', // IDF mass of matched content words / all content words
  'direction_swaps', // matched words that exchanged a directional role ("from X to Y" vs "from Y to X"); a hard veto
  'adapted_cosine', // cos(W a, W b) of the sentence vectors through the learned adapter (adapter.ts)
  'pair_mlp', // logit of the learned pair network over [a * b, |a - b|] of the sentence vectors (pair-mlp.ts)
] as const;

/** Document frequencies of content-word stems in the training texts: rare words carry the
 * topic, so a rare word without counterpart matters more than a common one. */
export interface IdfTable {
  docs: number;
  /** stem -> number of training texts containing it (only stems seen in >= 2 texts). */
  df: Record<string, number>;
}

export class Idf {
  private readonly df: Map<string, number>;
  private readonly docs: number;
  constructor(table: IdfTable | undefined) {
    this.df = new Map(Object.entries(table?.df ?? {}));
    this.docs = table?.docs ?? 1;
  }
  /** ln(docs / df); unseen stems count as seen once. */
  of(stem: string): number {
    return Math.log(this.docs / (this.df.get(stem) ?? 1));
  }
}

/** Counts the texts containing each content stem (for building an IdfTable). */
export function countDocumentFrequencies(analyses: Iterable<Analysis>, minDf = 2): IdfTable {
  const df = new Map<string, number>();
  let docs = 0;
  for (const a of analyses) {
    docs++;
    const seen = new Set<string>();
    for (const t of a.tokens) if (t.content) seen.add(t.stem);
    for (const st of seen) df.set(st, (df.get(st) ?? 0) + 1);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of [...df].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) if (v >= minDf) out[k] = v;
  return { docs, df: out };
}

export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;

const DIRECTION_SWAPS = FEATURE_NAMES.indexOf('direction_swaps');
const ANTONYM_PAIRS = FEATURE_NAMES.indexOf('antonym_pairs');

/** A rule that refuses a pair whatever the model says, or null. A direction swap ("convert X to
 * Y" / "convert Y to X", "from A to B" / "from B to A") scores 0.99+ on the embedding, and one
 * wrong answer costs more than the ~0.2 % of true paraphrases the rule also turns away on the
 * fit data. An antonym on the same pair ("X greater than Y" / "Y smaller than X") restores the
 * meaning, so it lifts the veto. */
export function vetoOf(x: ArrayLike<number>, rules?: PairRules): VerifierVeto | null {
  const swaps = rules?.directionSwaps ?? (x[DIRECTION_SWAPS] as number);
  if (swaps > 0 && x[ANTONYM_PAIRS] === 0) return 'direction_swap';
  if ((rules?.unitChanges ?? 0) > 0) return 'unit_change';
  return (rules?.instructionChanges ?? 0) > 0 ? 'instruction_change' : null;
}

/** What the hard rules read besides the model's features. The rule's direction swaps read
 * to/into/onto/towards as one direction and look 4 words back; the model's `direction_swaps`
 * feature keeps the narrower reading it was trained on (markers as written, 3 words back), so
 * widening the rule leaves the trained model and its inputs unchanged. */
export interface PairRules {
  directionSwaps: number;
  /** Numbers given with units that share no meaning on the two sides (units.ts): "10 lb" / "10 kg". */
  unitChanges?: number;
  /** The same payload under instructions asking different things (instruction.ts). */
  instructionChanges?: number;
}


const ARTICLES = new Set(['a', 'an', 'the']);
const SPECIFIC_WH = ['why', 'when', 'where', 'who'];
const NO_IDF = new Idf(undefined);


const isArticle = (t: Token): boolean => t.lower === 'a' || t.lower === 'an';

/** Computes the feature vector of a pair of analysed texts. */
export function pairFeatures(
  A: Analysis,
  B: Analysis,
  cosine: number,
  lex: Lexicon,
  idf: Idf = NO_IDF,
  adapted = 0,
  mlp = 0,
  rules?: PairRules,
): Float64Array {
  const ta = A.tokens;
  const tb = B.tokens;
  // --- Alignment of content words and numbers: exact/morphological first, then synonyms.
  const matchA = new Int32Array(ta.length).fill(-1);
  const matchB = new Int32Array(tb.length).fill(-1);
  let synMatches = 0;
  let stemMatches = 0;
  for (const i of A.align) {
    const x = ta[i] as Token;
    for (const j of B.align) {
      if (matchB[j] !== -1) continue;
      const y = tb[j] as Token;
      if (x.stem === y.stem && (x.num === null) === (y.num === null)) {
        matchA[i] = j;
        matchB[j] = i;
        if (x.lower !== y.lower && x.lemma !== y.lemma) stemMatches++;
        break;
      }
    }
  }
  for (const i of A.align) {
    if (matchA[i] !== -1) continue;
    const x = ta[i] as Token;
    if (x.num !== null) continue;
    for (const j of B.align) {
      if (matchB[j] !== -1) continue;
      if (synonymTokens(x, tb[j] as Token)) {
        matchA[i] = j;
        matchB[j] = i;
        synMatches++;
        break;
      }
    }
  }

  // --- Counts of unmatched words.
  let contentA = 0;
  let contentB = 0;
  let unA = 0;
  let unB = 0;
  let unkA = 0;
  let unkB = 0;
  let propA = 0;
  let propB = 0;
  let numA = 0;
  let numB = 0;
  let numUnA = 0;
  let numUnB = 0;
  const stemsA = new Set<string>();
  const stemsB = new Set<string>();
  const unmatchedContentA: Token[] = [];
  const unmatchedContentB: Token[] = [];
  let idfUnA = 0;
  let idfUnB = 0;
  let idfTop = 0;
  let idfAll = 0;
  let idfMatched = 0;
  // "one pound" and "a pound" name the same quantity: an unmatched 1 facing an article is matched.
  const articleA = ta.some(isArticle);
  const articleB = tb.some(isArticle);
  for (const i of A.align) {
    const x = ta[i] as Token;
    if (x.num !== null) {
      numA++;
      if (matchA[i] === -1 && !(x.num === '1' && articleB)) numUnA++;
      continue;
    }
    contentA++;
    stemsA.add(x.stem);
    const wA = idf.of(x.stem);
    idfAll += wA;
    if (matchA[i] !== -1) idfMatched += wA;
    if (matchA[i] === -1) {
      unA++;
      idfUnA += wA;
      idfTop = Math.max(idfTop, wA);
      unmatchedContentA.push(x);
      if (!x.known) unkA++;
      if (x.proper) propA++;
    }
  }
  for (const j of B.align) {
    const y = tb[j] as Token;
    if (y.num !== null) {
      numB++;
      if (matchB[j] === -1 && !(y.num === '1' && articleA)) numUnB++;
      continue;
    }
    contentB++;
    stemsB.add(y.stem);
    const wB = idf.of(y.stem);
    idfAll += wB;
    if (matchB[j] !== -1) idfMatched += wB;
    if (matchB[j] === -1) {
      unB++;
      idfUnB += wB;
      idfTop = Math.max(idfTop, wB);
      unmatchedContentB.push(y);
      if (!y.known) unkB++;
      if (y.proper) propB++;
    }
  }
  // Synonym matches count as shared for the Jaccard.
  for (let i = 0; i < ta.length; i++) {
    const j = matchA[i] as number;
    if (j >= 0) stemsB.add((ta[i] as Token).stem);
  }

  // --- Antonyms among unmatched words (function words included: with/without, before/after).
  const lowersB = new Set(tb.map((t) => t.lower));
  const lowersA = new Set(ta.map((t) => t.lower));
  const restA = ta.filter((t, i) => matchA[i] === -1 && t.num === null && !lowersB.has(t.lower));
  const restB = tb.filter((t, j) => matchB[j] === -1 && t.num === null && !lowersA.has(t.lower));
  let antonymPairs = 0;
  for (const x of restA) for (const y of restB) if (areAntonyms(x, y)) antonymPairs++;

  let knownSwap = 0;
  if (unmatchedContentA.some((t) => KNOWN_ENTITIES.has(t.lower)) && unmatchedContentB.some((t) => KNOWN_ENTITIES.has(t.lower))) knownSwap = 1;

  let fuzzy = 0;
  for (const x of unmatchedContentA) for (const y of unmatchedContentB) fuzzy = Math.max(fuzzy, bigramDice(x.lower, y.lower));

  // --- Order and roles of matched words.
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < ta.length; i++) {
    const j = matchA[i] as number;
    if (j >= 0) pairs.push([i, j]);
  }
  const m = pairs.length;
  let discordant = 0;
  let compoundFlips = 0;
  for (let p = 0; p < m; p++) {
    for (let q = p + 1; q < m; q++) {
      const [ip, jp] = pairs[p] as [number, number];
      const [iq, jq] = pairs[q] as [number, number];
      if (jp > jq) {
        discordant++;
        if ((iq - ip === 1 && linkedByPreposition(tb, jq, jp)) || (jp - jq === 1 && linkedByPreposition(ta, ip, iq))) compoundFlips++;
      }
    }
  }
  const allPairs = (m * (m - 1)) / 2;
  const orderDiscordant = m >= 2 ? discordant / allPairs : 0;
  const orderStrict = m >= 2 ? (discordant - compoundFlips) / allPairs : 0;
  // LIS over the B positions, compound flips first put back in order.
  const seqPos = pairs.map((p) => p[1]);
  for (let p = 0; p + 1 < m; p++) {
    const [ip, jp] = pairs[p] as [number, number];
    const [iq, jq] = pairs[p + 1] as [number, number];
    if (jp > jq && ((iq - ip === 1 && linkedByPreposition(tb, jq, jp)) || (jp - jq === 1 && linkedByPreposition(ta, ip, iq)))) {
      seqPos[p] = jq;
      seqPos[p + 1] = jp;
    }
  }
  const lisGap = m >= 2 ? 1 - lisLength(seqPos) / m : 0;

  // Keys: a matched word is known by its pair number (its index in A), anything else by an id
  // of its lower-case form; 0 = text boundary.
  const ids = new Map<string, number>();
  const idOf = (w: string): number => {
    let id = ids.get(w);
    if (id === undefined) {
      id = 1000 + ids.size;
      ids.set(w, id);
    }
    return id;
  };
  const keyA = new Array<number>(ta.length);
  const keyB = new Array<number>(tb.length);
  for (let i = 0; i < ta.length; i++) keyA[i] = (matchA[i] as number) >= 0 ? i + 1 : idOf((ta[i] as Token).lower);
  for (let j = 0; j < tb.length; j++) keyB[j] = (matchB[j] as number) >= 0 ? (matchB[j] as number) + 1 : idOf((tb[j] as Token).lower);
  const prevA = (i: number): number => (i > 0 ? (keyA[i - 1] as number) : 0);
  const prevB = (j: number): number => (j > 0 ? (keyB[j - 1] as number) : 0);
  const nextA = (i: number): number => (i + 1 < ta.length ? (keyA[i + 1] as number) : 0);
  const nextB = (j: number): number => (j + 1 < tb.length ? (keyB[j + 1] as number) : 0);
  let prevDiff = 0;
  let nextDiff = 0;
  let roleDiff = 0;
  let swaps = 0;
  let dirSwaps = 0;
  let ruleSwaps = 0;
  const rolesA = pairs.map(([i]) => rolesOf(ta, i));
  const rolesB = pairs.map(([, j]) => rolesOf(tb, j));
  const roleA = rolesA.map((r) => r.role);
  const roleB = rolesB.map((r) => r.role);
  const dirA = rolesA.map((r) => r.direction);
  const dirB = rolesB.map((r) => r.direction);
  for (let p = 0; p < m; p++) {
    const [i, j] = pairs[p] as [number, number];
    if (prevA(i) !== prevB(j)) prevDiff++;
    if (nextA(i) !== nextB(j)) nextDiff++;
    if (roleA[p] !== roleB[p]) roleDiff++;
  }
  for (let p = 0; p < m; p++) {
    const [ip, jp] = pairs[p] as [number, number];
    if (!(ta[ip] as Token).content && (ta[ip] as Token).num === null) continue;
    for (let q = p + 1; q < m; q++) {
      const [iq, jq] = pairs[q] as [number, number];
      const ctxSwap =
        prevA(ip) !== prevA(iq) && prevA(ip) === prevB(jq) && prevA(iq) === prevB(jp) && prevA(ip) !== iq + 1 && prevA(iq) !== ip + 1;
      const rSwap = exchanged(roleA, roleB, p, q);
      if (ctxSwap || rSwap) swaps++;
      if (rSwap && isDirectionalSwap(roleA[p] as string, roleA[q] as string)) dirSwaps++;
      if (exchanged(dirA, dirB, p, q) && isDirectionalSwap(dirA[p] as string, dirA[q] as string)) ruleSwaps++;
    }
  }

  const seqA: number[] = [];
  const seqB: number[] = [];
  for (let i = 0; i < ta.length; i++) if (!ARTICLES.has((ta[i] as Token).lower)) seqA.push(keyA[i] as number);
  for (let j = 0; j < tb.length; j++) if (!ARTICLES.has((tb[j] as Token).lower)) seqB.push(keyB[j] as number);

  let whDiff = 0;
  if (A.wh.size > 0 || B.wh.size > 0) {
    if (A.wh.size !== B.wh.size) whDiff = 1;
    else for (const w of A.wh) if (!B.wh.has(w)) whDiff = 1;
  }

  let whConflict = 0;
  for (const w of SPECIFIC_WH) if (A.wh.has(w) !== B.wh.has(w)) whConflict = 1;
  if (A.wh.size === 0 || B.wh.size === 0) whConflict = 0;
  const yesNoVsWh = (A.yesNo && !B.yesNo && B.wh.size > 0) || (B.yesNo && !A.yesNo && A.wh.size > 0) ? 1 : 0;

  const contentAll = contentA + contentB;
  const f = new Float64Array(FEATURE_COUNT);
  let k = 0;
  f[k++] = cosine;
  f[k++] = Math.min(contentA, contentB);
  f[k++] = Math.max(contentA, contentB);
  f[k++] = Math.min(ta.length, tb.length) / Math.max(1, ta.length, tb.length);
  f[k++] = Math.min(unA, unB);
  f[k++] = Math.max(unA, unB);
  f[k++] = contentAll > 0 ? (unA + unB) / contentAll : 0;
  f[k++] = Math.max(unkA, unkB);
  f[k++] = Math.min(propA, propB);
  f[k++] = Math.max(propA, propB);
  f[k++] = knownSwap;
  f[k++] = synMatches;
  f[k++] = stemMatches;
  f[k++] = jaccard(stemsA, stemsB);
  f[k++] = antonymPairs;
  f[k++] = numA + numB > 0 ? 1 : 0;
  f[k++] = Math.min(numUnA, numUnB);
  f[k++] = Math.max(numUnA, numUnB);
  f[k++] = Math.abs(A.negCount - B.negCount);
  f[k++] = A.negCount % 2 !== B.negCount % 2 ? 1 : 0;
  f[k++] = whDiff;
  f[k++] = whConflict;
  f[k++] = yesNoVsWh;
  f[k++] = orderDiscordant;
  f[k++] = orderStrict;
  f[k++] = lisGap;
  f[k++] = m > 0 ? prevDiff / m : 0;
  f[k++] = m > 0 ? nextDiff / m : 0;
  f[k++] = m > 0 ? roleDiff / m : 0;
  f[k++] = Math.min(swaps, 4);
  f[k++] = jaccard(ngramSet(seqA, 2), ngramSet(seqB, 2));
  f[k++] = jaccard(ngramSet(seqA, 3), ngramSet(seqB, 3));
  f[k++] = fuzzy;
  f[k++] = m / Math.max(1, A.align.length, B.align.length);
  f[k++] = Math.min(idfUnA, idfUnB);
  f[k++] = Math.max(idfUnA, idfUnB);
  f[k++] = idfTop;
  f[k++] = idfAll > 0 ? idfMatched / idfAll : 1;
  f[k++] = Math.min(dirSwaps, 4);
  if (rules !== undefined) rules.directionSwaps = ruleSwaps;
  f[k++] = adapted;
  f[k++] = mlp;
  return f;
}

/** Analyses texts with a small LRU cache: a query is compared with up to 8 candidates, and
 * popular cached prompts come back often. */
export class FeatureExtractor {
  private readonly cache: Lru<string, Analysis>;

  constructor(
    readonly lex: Lexicon,
    readonly idf: Idf = NO_IDF,
    cacheSize = 1024,
  ) {
    this.cache = new Lru(cacheSize);
  }

  analyze(text: string): Analysis {
    const hit = this.cache.get(text);
    if (hit !== undefined) return hit;
    const a = analyze(text, this.lex);
    this.cache.set(text, a);
    return a;
  }

  /** `adapted`: cos(W a, W b) of the two sentence vectors (Adapter.cosine); `mlp`: PairMlp.logit. */
  features(query: string, candidate: string, cosine: number, adapted = 0, mlp = 0, rules?: PairRules): Float64Array {
    const A = this.analyze(query);
    const B = this.analyze(candidate);
    const f = pairFeatures(A, B, cosine, this.lex, this.idf, adapted, mlp, rules);
    // The rules beside the model that read no feature (the direction swaps come out of pairFeatures' scan).
    if (rules !== undefined) {
      rules.unitChanges = unitChanges(A, B);
      rules.instructionChanges = instructionChange(query, candidate, (t) => this.analyze(t));
    }
    return f;
  }
}
