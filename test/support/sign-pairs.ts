import type { AdapterPair } from '../../src/verifier/train/adapter-train.js';
import { seededRandom } from '../../src/util/random.js';

export const unit = (v: number[]): Float32Array => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};

/** 600 8-d pairs that agree on dims 1..7 (up to noise) and are the same question (y = 1) only
 * when dim 0 has the same sign: a learned view must find dim 0 to separate them. */
export function signPairs(seed = 5): AdapterPair[] {
  const r = seededRandom(seed);
  const pairs: AdapterPair[] = [];
  for (let i = 0; i < 600; i++) {
    const base = Array.from({ length: 8 }, () => r() * 2 - 1);
    const y = (i % 2) as 0 | 1;
    const other = base.map((x, k) => (k === 0 ? (y === 1 ? x : -x) : x + (r() - 0.5) * 0.2));
    pairs.push({ a: unit(base), b: unit(other), y });
  }
  return pairs;
}
