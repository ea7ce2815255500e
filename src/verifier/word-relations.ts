import type { Token } from './text.js';

/** How two single words relate: antonyms (WordNet, curated and by prefix), synonyms, spelling. */

const NEG_PREFIXES = ['un', 'in', 'im', 'il', 'ir', 'dis', 'non', 'de', 'anti', 'mis'];
const SWAP_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['en', 'de'], ['in', 'ex'], ['up', 'down'], ['over', 'under'], ['inter', 'intra'], ['pre', 'post'],
  ['im', 'ex'], ['max', 'min'], ['sub', 'super'], ['micro', 'macro'], ['in', 'out'],
];

function prefixAntonyms(a: string, b: string): boolean {
  // Both rules need a shared ending of at least 3 letters: a cheap test first.
  const la = a.length;
  const lb = b.length;
  if (la < 3 || lb < 3) return false;
  for (let k = 1; k <= 3; k++) if (a.charCodeAt(la - k) !== b.charCodeAt(lb - k)) return false;
  for (const p of NEG_PREFIXES) {
    if ((la === lb + p.length && a.startsWith(p) && a.endsWith(b)) || (lb === la + p.length && b.startsWith(p) && b.endsWith(a))) return true;
  }
  for (const [p, q] of SWAP_PREFIXES) {
    if (a.startsWith(p) && b.startsWith(q) && la - p.length >= 3 && la - p.length === lb - q.length && a.endsWith(b.slice(q.length))) return true;
    if (a.startsWith(q) && b.startsWith(p) && la - q.length >= 3 && la - q.length === lb - p.length && a.endsWith(b.slice(p.length))) return true;
  }
  return false;
}

/** WordNet / curated antonyms (precomputed per word), or a negating / opposite prefix
 * (safe/unsafe, encrypt/decrypt, import/export). */
export function areAntonyms(x: Token, y: Token): boolean {
  if (x.lower === y.lower) return false;
  if (x.antonyms.size > 0 && (x.antonyms.has(y.lower) || x.antonyms.has(y.lemma))) return true;
  if (y.antonyms.size > 0 && (y.antonyms.has(x.lower) || y.antonyms.has(x.lemma))) return true;
  return prefixAntonyms(x.lower, y.lower) || (x.lemma !== x.lower || y.lemma !== y.lower ? prefixAntonyms(x.lemma, y.lemma) : false);
}

export function synonymTokens(x: Token, y: Token): boolean {
  const sa = x.synsets;
  const sb = y.synsets;
  if (sa.length === 0 || sb.length === 0) return false;
  for (const s of sa) if (sb.includes(s)) return true;
  return false;
}

/** Dice coefficient of the character bigrams of two words. */
export function bigramDice(a: string, b: string): number {
  if (a.length < 2 || b.length < 2) return a === b ? 1 : 0;
  const ga: number[] = [];
  for (let i = 0; i < a.length - 1; i++) ga.push(a.charCodeAt(i) * 65536 + a.charCodeAt(i + 1));
  let shared = 0;
  for (let i = 0; i < b.length - 1; i++) {
    const g = b.charCodeAt(i) * 65536 + b.charCodeAt(i + 1);
    const k = ga.indexOf(g);
    if (k >= 0) {
      shared++;
      ga[k] = -1;
    }
  }
  return (2 * shared) / (a.length - 1 + b.length - 1);
}
