import type { VerifierVeto } from '../core/types.js';
import { Idf } from './idf.js';
import { instructionChange } from './instruction.js';
import { unitChanges } from './units.js';
import { Lru } from '../util/lru.js';
import type { Lexicon } from './lexicon.js';
import { addMatchedStems, alignWords, antonymPairs, countSide, fuzzyUnmatched, knownEntitySwap, type Alignment, type IdfMass, type SideCounts } from './pair-align.js';
import { structureSignals, type StructureSignals } from './pair-structure.js';
import { analyze, type Analysis, type Token } from './text.js';
import { jaccard } from './word-order.js';

export { Idf, countDocumentFrequencies, type IdfTable } from './idf.js';
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
  const al = alignWords(A, B);
  // One running total over A's words, then B's: the summation order the model was trained with.
  const mass: IdfMass = { all: 0, matched: 0, top: 0 };
  const sa = countSide(A, al.matchA, B.tokens.some(isArticle), idf, mass);
  const sb = countSide(B, al.matchB, A.tokens.some(isArticle), idf, mass);
  addMatchedStems(A.tokens, al.matchA, sb.stems);
  const s: PairSignals = { A, B, al, sa, sb, mass, st: structureSignals(A.tokens, B.tokens, al) };
  const f = new Float64Array(FEATURE_COUNT);
  const lexical = lexicalFeatures(s, cosine);
  f.set(lexical);
  f.set(structureFeatures(s, adapted, mlp), lexical.length);
  if (rules !== undefined) rules.directionSwaps = s.st.ruleSwaps;
  return f;
}

/** What pairFeatures measured, before it is laid out in FEATURE_NAMES order. */
interface PairSignals {
  A: Analysis;
  B: Analysis;
  al: Alignment;
  sa: SideCounts;
  sb: SideCounts;
  mass: IdfMass;
  st: StructureSignals;
}

/** Features `cosine` .. `yesno_vs_wh`, in FEATURE_NAMES order. */
function lexicalFeatures({ A, B, al, sa, sb }: PairSignals, cosine: number): number[] {
  const ta = A.tokens;
  const tb = B.tokens;
  const contentAll = sa.content + sb.content;
  return [
    cosine,
    Math.min(sa.content, sb.content),
    Math.max(sa.content, sb.content),
    Math.min(ta.length, tb.length) / Math.max(1, ta.length, tb.length),
    Math.min(sa.unmatched, sb.unmatched),
    Math.max(sa.unmatched, sb.unmatched),
    contentAll > 0 ? (sa.unmatched + sb.unmatched) / contentAll : 0,
    Math.max(sa.unknown, sb.unknown),
    Math.min(sa.proper, sb.proper),
    Math.max(sa.proper, sb.proper),
    knownEntitySwap(sa.unmatchedContent, sb.unmatchedContent),
    al.synMatches,
    al.stemMatches,
    jaccard(sa.stems, sb.stems),
    antonymPairs(ta, tb, al),
    sa.numbers + sb.numbers > 0 ? 1 : 0,
    Math.min(sa.numbersUnmatched, sb.numbersUnmatched),
    Math.max(sa.numbersUnmatched, sb.numbersUnmatched),
    Math.abs(A.negCount - B.negCount),
    A.negCount % 2 !== B.negCount % 2 ? 1 : 0,
    ...questionFeatures(A, B),
  ];
}

/** Features `order_discordant` .. `pair_mlp`, in FEATURE_NAMES order. */
function structureFeatures({ A, B, sa, sb, mass, st }: PairSignals, adapted: number, mlp: number): number[] {
  const m = st.matched;
  return [
    st.orderDiscordant,
    st.orderStrict,
    st.lisGap,
    m > 0 ? st.prevDiff / m : 0,
    m > 0 ? st.nextDiff / m : 0,
    m > 0 ? st.roleDiff / m : 0,
    Math.min(st.swaps, 4),
    st.bigramJaccard,
    st.trigramJaccard,
    fuzzyUnmatched(sa.unmatchedContent, sb.unmatchedContent),
    m / Math.max(1, A.align.length, B.align.length),
    Math.min(sa.idfUnmatched, sb.idfUnmatched),
    Math.max(sa.idfUnmatched, sb.idfUnmatched),
    mass.top,
    mass.all > 0 ? mass.matched / mass.all : 1,
    Math.min(st.dirSwaps, 4),
    adapted,
    mlp,
  ];
}

/** `wh_diff`, `wh_conflict`, `yesno_vs_wh`. */
function questionFeatures(A: Analysis, B: Analysis): [number, number, number] {
  let whDiff = 0;
  if (A.wh.size > 0 || B.wh.size > 0) {
    if (A.wh.size !== B.wh.size) whDiff = 1;
    else for (const w of A.wh) if (!B.wh.has(w)) whDiff = 1;
  }
  let whConflict = 0;
  for (const w of SPECIFIC_WH) if (A.wh.has(w) !== B.wh.has(w)) whConflict = 1;
  if (A.wh.size === 0 || B.wh.size === 0) whConflict = 0;
  const yesNoVsWh = (A.yesNo && !B.yesNo && B.wh.size > 0) || (B.yesNo && !A.yesNo && A.wh.size > 0) ? 1 : 0;
  return [whDiff, whConflict, yesNoVsWh];
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
