// Fast inference for the verifier's boosted trees. Every tree is padded out to a complete binary
// tree of the ensemble's depth, so a walk is exactly `depth` steps of `i = 2i + 1 | 2i + 2` with
// no leaf test, over a few flat typed arrays. For the shipped 972 depth-6 trees that took 58-62 µs
// per pair against 81-103 µs for the walk over the trees' own node arrays, which tests for a leaf
// at every step (a one-off microbench over the features of 2,000 QQP train pairs, 2026-11-27, on the slower
// machine of BENCHMARKS.md).
// The margins are bit-identical to modelMargin: the same leaf of each tree, summed in tree order.

import type { GbdtJson, TreeJson } from './model.js';

/** Deepest ensemble padded out: 2^12 - 1 internal nodes per tree is ~50 KB (float64). Deeper
 * ensembles keep the node-array walk (compileModel). */
export const MAX_PADDED_DEPTH = 12;

export function treeDepth(t: TreeJson, k = 0): number {
  if ((t.feature[k] as number) < 0) return 0;
  return 1 + Math.max(treeDepth(t, t.left[k] as number), treeDepth(t, t.right[k] as number));
}

export interface PaddedTrees {
  /** Per tree 2^depth - 1 split nodes in heap order (children of i at 2i + 1 and 2i + 2). */
  feature: Int32Array;
  threshold: Float64Array;
  /** Per tree 2^depth leaf values, left to right. */
  leaf: Float64Array;
}

/** Pads every tree to the ensemble's depth: a leaf met early becomes splits that send every
 * value left (threshold +Infinity) and a NaN right, with the leaf's value copied under both. */
export function padTrees(trees: readonly TreeJson[], depth: number): PaddedTrees {
  const inner = 2 ** depth - 1;
  const leaves = 2 ** depth;
  const feature = new Int32Array(trees.length * inner);
  const threshold = new Float64Array(trees.length * inner);
  const leaf = new Float64Array(trees.length * leaves);
  trees.forEach((t, ti) => {
    const put = (k: number, i: number, d: number): void => {
      if (d === depth) {
        leaf[ti * leaves + i - inner] = t.value[k] as number;
        return;
      }
      const isLeaf = (t.feature[k] as number) < 0;
      feature[ti * inner + i] = isLeaf ? 0 : (t.feature[k] as number);
      threshold[ti * inner + i] = isLeaf ? Number.POSITIVE_INFINITY : (t.threshold[k] as number);
      put(isLeaf ? k : (t.left[k] as number), 2 * i + 1, d + 1);
      put(isLeaf ? k : (t.right[k] as number), 2 * i + 2, d + 1);
    };
    put(0, 0, 0);
  });
  return { feature, threshold, leaf };
}

/** The margin function over padded trees (`x[f] <= threshold` goes left, as in TreeJson). */
export function paddedMargin(m: GbdtJson, depth: number): (x: ArrayLike<number>) => number {
  const { feature, threshold, leaf } = padTrees(m.trees, depth);
  const inner = 2 ** depth - 1;
  const leaves = 2 ** depth;
  const n = m.trees.length;
  const base = m.base;
  return (x: ArrayLike<number>): number => {
    let s = base;
    // lo: where this tree's leaves sit, minus `inner` (heap index i of a leaf is inner .. 2*inner).
    for (let ti = 0, o = 0, lo = -inner; ti < n; ti++, o += inner, lo += leaves) {
      let i = 0;
      for (let d = 0; d < depth; d++) {
        i = 2 * i + ((x[feature[o + i] as number] as number) <= (threshold[o + i] as number) ? 1 : 2);
      }
      s += leaf[lo + i] as number;
    }
    return s;
  };
}
