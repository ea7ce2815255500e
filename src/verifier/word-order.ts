import { ROLE_MARKERS } from './lists.js';
import type { Token } from './text.js';

/** Word order helpers for the pair features: n-gram sets, the roles words take around direction
 * markers, and the longest increasing subsequence of aligned positions. */

/** Set of n-grams (n = 2 or 3) of small non-negative integer keys, as numbers. */
export function ngramSet(keys: readonly number[], n: number): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i + n <= keys.length; i++) {
    let k = 0;
    for (let j = 0; j < n; j++) k = k * 65536 + (keys[i + j] as number);
    out.add(k);
  }
  return out;
}

export function jaccard<T>(a: Set<T>, b: Set<T>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Markers that give a word a direction (source, target, comparison side). */
const DIRECTIONAL = new Set(['from', 'to', 'into', 'onto', 'than', 'toward', 'towards']);
/** Markers that join words symmetrically ("X and Y", "between X and Y", "X vs Y"): a swap
 * across them keeps the meaning. */
const SYMMETRIC = new Set(['and', 'or', 'between', 'vs', 'versus', 'with', 'like', 'as']);

/** Two matched words exchanged roles `r1`/`r2` ('' = no marker): a direction swap when one role
 * is directional and neither joins symmetrically ("convert X to Y" vs "convert Y to X"). */
export function isDirectionalSwap(r1: string, r2: string): boolean {
  if (SYMMETRIC.has(r1) || SYMMETRIC.has(r2)) return false;
  return DIRECTIONAL.has(r1) || DIRECTIONAL.has(r2);
}

/** Markers that give the same direction: "copy from X to Y" = "copy from X into Y" (direction
 * swaps only; the role features keep the markers as written, as the model was trained). */
const SAME_DIRECTION: ReadonlyMap<string, string> = new Map([
  ['into', 'to'],
  ['onto', 'to'],
  ['toward', 'to'],
  ['towards', 'to'],
]);

/** Token i's role and direction, from one scan back for the nearest role marker ('' when none).
 * Role (a model feature): the marker as written, at most 3 tokens back. Direction (the swap
 * rule): up to 4 tokens back ("into a running Docker container"), to/into/onto/towards as one.
 * Measured on the fit files, direction against role: paraphrases refused QQP 44 -> 46 of 22,453,
 * PAWS 14 -> 9 of 3,532; near-misses refused QQP 125 -> 129 of 37,547, PAWS 346 -> 364 of 4,461. */
export function rolesOf(tokens: Token[], i: number): { role: string; direction: string } {
  for (let k = i - 1; k >= 0 && k >= i - 4; k--) {
    const w = (tokens[k] as Token).lower;
    if (ROLE_MARKERS.has(w)) return { role: i - k <= 3 ? w : '', direction: SAME_DIRECTION.get(w) ?? w };
  }
  return { role: '', direction: '' };
}

/** Items p and q of `a` changed places in `b` (they differ, and each sits where the other was). */
export function exchanged(a: readonly string[], b: readonly string[], p: number, q: number): boolean {
  return a[p] !== a[q] && a[p] === b[q] && a[q] === b[p];
}

const COMPOUND_LINKS = new Set(['of', 'in', 'for', 'on', 'from', 'with', 'at', 'about']);

/** True when tokens `from` < `to` are separated by 1-2 function words including a preposition
 * ("list in Python", "capital of the country"): read the other way round they form a compound. */
export function linkedByPreposition(tokens: Token[], from: number, to: number): boolean {
  const gap = to - from - 1;
  if (gap < 1 || gap > 2) return false;
  let prep = false;
  for (let k = from + 1; k < to; k++) {
    const t = tokens[k] as Token;
    if (t.content || t.num !== null) return false;
    if (COMPOUND_LINKS.has(t.lower)) prep = true;
  }
  return prep;
}

/** Longest increasing subsequence length. */
export function lisLength(seq: number[]): number {
  const tails: number[] = [];
  for (const x of seq) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((tails[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = x;
  }
  return tails.length;
}
