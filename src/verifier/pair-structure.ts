import type { Alignment } from './pair-align.js';
import type { Token } from './text.js';
import { exchanged, isDirectionalSwap, jaccard, lisLength, linkedByPreposition, ngramSet, rolesOf } from './word-order.js';

/** The structural half of the pair features (features.ts): the order, neighbours and roles of
 * the matched words, and the n-gram overlap of the two texts. */

const ARTICLES = new Set(['a', 'an', 'the']);

/** A matched word pair: [index in A, index in B]. */
type MatchedPair = [number, number];

/** What the structure scan counts; features.ts turns the counts into shares of `matched`. */
export interface StructureSignals {
  /** Matched word pairs. */
  matched: number;
  /** Share of matched pairs (0..1) whose order flips; strict: compound flips not counted. */
  orderDiscordant: number;
  orderStrict: number;
  /** 1 - longest order-preserving subsequence / matched (compound flips excused). */
  lisGap: number;
  /** Matched words whose previous / next word differs, or whose governing marker differs. */
  prevDiff: number;
  nextDiff: number;
  roleDiff: number;
  /** Pairs of matched words that exchanged their contexts or roles. */
  swaps: number;
  /** Exchanged directional roles as the model reads them (markers as written, 3 words back). */
  dirSwaps: number;
  /** Exchanged directions as the veto rule reads them (PairRules.directionSwaps). */
  ruleSwaps: number;
  bigramJaccard: number;
  trigramJaccard: number;
}

/** Scans the matched words of an aligned pair of token lists. */
export function structureSignals(ta: Token[], tb: Token[], al: Alignment): StructureSignals {
  const pairs = matchedPairs(al.matchA);
  const keys = contextKeys(ta, tb, al);
  const roles = pairRoles(pairs, ta, tb);
  const seqA = ngramKeys(ta, keys.a);
  const seqB = ngramKeys(tb, keys.b);
  return {
    matched: pairs.length,
    ...orderSignals(pairs, ta, tb),
    ...contextDiffs(pairs, keys, roles),
    ...roleSwaps(pairs, ta, keys, roles),
    bigramJaccard: jaccard(ngramSet(seqA, 2), ngramSet(seqB, 2)),
    trigramJaccard: jaccard(ngramSet(seqA, 3), ngramSet(seqB, 3)),
  };
}

function matchedPairs(matchA: Int32Array): MatchedPair[] {
  const pairs: MatchedPair[] = [];
  for (let i = 0; i < matchA.length; i++) {
    const j = matchA[i] as number;
    if (j >= 0) pairs.push([i, j]);
  }
  return pairs;
}

/** Pair q sits before pair p in B and the two read as a compound the other way round
 * ("list in Python" / "Python list"). */
function compoundFlip(ta: Token[], tb: Token[], [ip, jp]: MatchedPair, [iq, jq]: MatchedPair): boolean {
  return (iq - ip === 1 && linkedByPreposition(tb, jq, jp)) || (jp - jq === 1 && linkedByPreposition(ta, ip, iq));
}

function orderSignals(pairs: MatchedPair[], ta: Token[], tb: Token[]): Pick<StructureSignals, 'orderDiscordant' | 'orderStrict' | 'lisGap'> {
  const m = pairs.length;
  let discordant = 0;
  let compoundFlips = 0;
  for (let p = 0; p < m; p++) {
    for (let q = p + 1; q < m; q++) {
      const pp = pairs[p] as MatchedPair;
      const pq = pairs[q] as MatchedPair;
      if (pp[1] > pq[1]) {
        discordant++;
        if (compoundFlip(ta, tb, pp, pq)) compoundFlips++;
      }
    }
  }
  const allPairs = (m * (m - 1)) / 2;
  return {
    orderDiscordant: m >= 2 ? discordant / allPairs : 0,
    orderStrict: m >= 2 ? (discordant - compoundFlips) / allPairs : 0,
    lisGap: lisGap(pairs, ta, tb),
  };
}

/** LIS over the B positions, compound flips first put back in order. */
function lisGap(pairs: MatchedPair[], ta: Token[], tb: Token[]): number {
  const m = pairs.length;
  const seqPos = pairs.map((p) => p[1]);
  for (let p = 0; p + 1 < m; p++) {
    const pp = pairs[p] as MatchedPair;
    const pq = pairs[p + 1] as MatchedPair;
    if (pp[1] > pq[1] && compoundFlip(ta, tb, pp, pq)) {
      seqPos[p] = pq[1];
      seqPos[p + 1] = pp[1];
    }
  }
  return m >= 2 ? 1 - lisLength(seqPos) / m : 0;
}

/** Keys of each token of both texts: a matched word is known by its pair number (its index in
 * A + 1), anything else by an id of its lower-case form (from 1000); 0 = text boundary. */
interface ContextKeys {
  a: number[];
  b: number[];
}

function contextKeys(ta: Token[], tb: Token[], al: Alignment): ContextKeys {
  const ids = new Map<string, number>();
  const idOf = (w: string): number => {
    let id = ids.get(w);
    if (id === undefined) {
      id = 1000 + ids.size;
      ids.set(w, id);
    }
    return id;
  };
  const a = new Array<number>(ta.length);
  const b = new Array<number>(tb.length);
  for (let i = 0; i < ta.length; i++) a[i] = (al.matchA[i] as number) >= 0 ? i + 1 : idOf((ta[i] as Token).lower);
  for (let j = 0; j < tb.length; j++) b[j] = (al.matchB[j] as number) >= 0 ? (al.matchB[j] as number) + 1 : idOf((tb[j] as Token).lower);
  return { a, b };
}

const prevKey = (keys: number[], i: number): number => (i > 0 ? (keys[i - 1] as number) : 0);
const nextKey = (keys: number[], i: number): number => (i + 1 < keys.length ? (keys[i + 1] as number) : 0);

/** Per matched pair (in pair order): the marker governing each side's word (role, as the model
 * reads it) and its direction (as the veto rule reads it); see rolesOf. */
interface PairRoles {
  roleA: string[];
  roleB: string[];
  dirA: string[];
  dirB: string[];
}

function pairRoles(pairs: MatchedPair[], ta: Token[], tb: Token[]): PairRoles {
  const rolesA = pairs.map(([i]) => rolesOf(ta, i));
  const rolesB = pairs.map(([, j]) => rolesOf(tb, j));
  return {
    roleA: rolesA.map((r) => r.role),
    roleB: rolesB.map((r) => r.role),
    dirA: rolesA.map((r) => r.direction),
    dirB: rolesB.map((r) => r.direction),
  };
}

function contextDiffs(pairs: MatchedPair[], keys: ContextKeys, roles: PairRoles): Pick<StructureSignals, 'prevDiff' | 'nextDiff' | 'roleDiff'> {
  let prevDiff = 0;
  let nextDiff = 0;
  let roleDiff = 0;
  for (let p = 0; p < pairs.length; p++) {
    const [i, j] = pairs[p] as MatchedPair;
    if (prevKey(keys.a, i) !== prevKey(keys.b, j)) prevDiff++;
    if (nextKey(keys.a, i) !== nextKey(keys.b, j)) nextDiff++;
    if (roles.roleA[p] !== roles.roleB[p]) roleDiff++;
  }
  return { prevDiff, nextDiff, roleDiff };
}

/** The two matched words exchanged their previous words ("X to Y" / "Y to X"), neither of
 * which is the other word itself. */
function contextSwap(keys: ContextKeys, [ip, jp]: MatchedPair, [iq, jq]: MatchedPair): boolean {
  const pa = prevKey(keys.a, ip);
  const qa = prevKey(keys.a, iq);
  return pa !== qa && pa === prevKey(keys.b, jq) && qa === prevKey(keys.b, jp) && pa !== iq + 1 && qa !== ip + 1;
}

/** Pairs of matched words (the first a content word or number) that exchanged contexts or roles. */
function roleSwaps(pairs: MatchedPair[], ta: Token[], keys: ContextKeys, r: PairRoles): Pick<StructureSignals, 'swaps' | 'dirSwaps' | 'ruleSwaps'> {
  let swaps = 0;
  let dirSwaps = 0;
  let ruleSwaps = 0;
  for (let p = 0; p < pairs.length; p++) {
    const pp = pairs[p] as MatchedPair;
    const x = ta[pp[0]] as Token;
    if (!x.content && x.num === null) continue;
    for (let q = p + 1; q < pairs.length; q++) {
      const ctxSwap = contextSwap(keys, pp, pairs[q] as MatchedPair);
      const rSwap = exchanged(r.roleA, r.roleB, p, q);
      if (ctxSwap || rSwap) swaps++;
      if (rSwap && isDirectionalSwap(r.roleA[p] as string, r.roleA[q] as string)) dirSwaps++;
      if (exchanged(r.dirA, r.dirB, p, q) && isDirectionalSwap(r.dirA[p] as string, r.dirA[q] as string)) ruleSwaps++;
    }
  }
  return { swaps, dirSwaps, ruleSwaps };
}

/** A text's context keys without its articles, for the bigram / trigram Jaccard. */
function ngramKeys(tokens: Token[], keys: number[]): number[] {
  const seq: number[] = [];
  for (let i = 0; i < tokens.length; i++) if (!ARTICLES.has((tokens[i] as Token).lower)) seq.push(keys[i] as number);
  return seq;
}
