import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_PADDED_DEPTH, padTrees, treeDepth } from '../../../src/verifier/compiled-trees.js';
import { compileModel, modelMargin, type GbdtJson, type TreeJson, type WeightsJson } from '../../../src/verifier/model.js';
import { seededRandom } from '../../../src/util/random.js';

const leaf = (v: number): TreeJson => ({ feature: [-1], threshold: [0], left: [-1], right: [-1], value: [v] });

/** A chain that splits on feature f at 0.5 at every level, going right, `depth` levels deep;
 * leaf values record where a row ended (left leaf at level d: d + 1; the last right leaf: 100). */
function chain(depth: number, f = 0): TreeJson {
  const t: TreeJson = { feature: [], threshold: [], left: [], right: [], value: [] };
  for (let d = 0; d < depth; d++) {
    const k = t.feature.length;
    t.feature.push(f, -1);
    t.threshold.push(0.5, 0);
    t.left.push(k + 1, -1);
    t.right.push(k + 2, -1);
    t.value.push(0, d + 1);
  }
  t.feature.push(-1);
  t.threshold.push(0);
  t.left.push(-1);
  t.right.push(-1);
  t.value.push(100);
  return t;
}

describe('compiled trees (padded to complete binary trees)', () => {
  it('gives the shipped model\'s margins bit for bit', () => {
    const w = JSON.parse(readFileSync('models/verifier/weights.json', 'utf8')) as WeightsJson;
    const m = w.model as GbdtJson;
    const depth = m.trees.reduce((d, t) => Math.max(d, treeDepth(t)), 0);
    expect(depth).toBeLessThanOrEqual(MAX_PADDED_DEPTH); // so the padded walk is the one tested
    const fast = compileModel(m);
    const rand = seededRandom(11);
    const dims = w.features.length;
    // Features spread around each split threshold the trees use, plus exact threshold values
    // (ties go left) and NaN (goes right).
    const used = m.trees.flatMap((t) => t.threshold.filter((_, k) => (t.feature[k] as number) >= 0));
    for (let r = 0; r < 400; r++) {
      const x = Float64Array.from({ length: dims }, () => {
        const u = rand();
        if (u < 0.02) return Number.NaN;
        const th = used[Math.floor(rand() * used.length)] as number;
        return u < 0.3 ? th : th + (rand() - 0.5) * 0.2;
      });
      expect(fast.margin(x)).toBe(modelMargin(m, x));
    }
  });

  it('walks unbalanced trees, early leaves and NaN as the node arrays do', () => {
    const m: GbdtJson = { kind: 'gbdt', base: 0.25, trees: [chain(4), leaf(-3), chain(2, 1)] };
    const fast = compileModel(m);
    for (const x of [[0, 0], [0.5, 0.5], [0.9, 0.1], [0.9, 0.9], [Number.NaN, 0], [0, Number.NaN], [Number.NaN, Number.NaN]]) {
      expect(fast.margin(x)).toBe(modelMargin(m, x));
    }
    // x0 = 0.9 goes right at every level of the 4-deep chain: 100, -3, then x1 = 0 left at level 0: 1.
    expect(fast.margin([0.9, 0])).toBe(0.25 + 100 - 3 + 1);
    const padded = padTrees(m.trees, 4);
    expect(padded.feature).toHaveLength(3 * 15);
    expect(padded.leaf).toHaveLength(3 * 16);
    expect(padded.leaf.slice(16, 32).every((v) => v === -3)).toBe(true); // the lone leaf fills its tree
  });

  it('keeps the node-array walk for trees deeper than it pads', () => {
    const m: GbdtJson = { kind: 'gbdt', base: 0, trees: [chain(MAX_PADDED_DEPTH + 1), chain(3)] };
    const fast = compileModel(m);
    for (let v = 0; v <= 1; v += 0.25) expect(fast.margin([v, v])).toBe(modelMargin(m, [v, v]));
    expect(fast.margin([0.9])).toBe(200);
  });

  it('scores an ensemble of single leaves (depth 0)', () => {
    expect(compileModel({ kind: 'gbdt', base: 1, trees: [leaf(2), leaf(-0.5)] }).margin([])).toBe(2.5);
  });
});
