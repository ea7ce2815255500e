import { describe, expect, it } from 'vitest';
import { modelMargin } from '../../../src/verifier/model.js';
import { rng } from '../../../src/verifier/train/data.js';
import { trainGbdt } from '../../../src/verifier/train/gbdt.js';

/** Labels that rise with x0 overall but dip in the middle (0.4..0.6 mostly negative), and a free x1. */
function data(n: number): { X: Float64Array[]; y: Uint8Array } {
  const r = rng(7);
  const X: Float64Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x0 = r();
    const x1 = r();
    const p = x0 > 0.4 && x0 < 0.6 ? 0.1 : x0;
    X.push(Float64Array.from([x0, x1]));
    y.push(r() < p ? 1 : 0);
  }
  return { X, y: Uint8Array.from(y) };
}

const params = { trees: 60, depth: 3, learningRate: 0.2, minChildWeight: 1, lambda: 1, subsample: 1, bins: 32, seed: 1 };
const grid = Array.from({ length: 101 }, (_, i) => i / 100);

describe('boosted trees with monotone constraints', () => {
  const ds = data(4000);

  it('without a constraint the margin follows the dip in x0', () => {
    const m = trainGbdt(ds, params).model;
    const at = (x0: number): number => modelMargin(m, [x0, 0.5]);
    expect(at(0.5)).toBeLessThan(at(0.35) - 0.5);
  });

  it('with +1 on x0 the margin never falls as x0 rises, whatever x1 is', () => {
    const m = trainGbdt(ds, { ...params, monotone: [1, 0] }).model;
    for (const x1 of [0.1, 0.5, 0.9]) {
      const margins = grid.map((x0) => modelMargin(m, [x0, x1]));
      for (let i = 1; i < margins.length; i++) expect(margins[i]).toBeGreaterThanOrEqual((margins[i - 1] as number) - 1e-12);
    }
    expect(modelMargin(m, [0.95, 0.5])).toBeGreaterThan(modelMargin(m, [0.05, 0.5]) + 1);
  });

  it('with -1 on x0 the margin never rises with it', () => {
    const m = trainGbdt(ds, { ...params, monotone: [-1, 0] }).model;
    const margins = grid.map((x0) => modelMargin(m, [x0, 0.5]));
    for (let i = 1; i < margins.length; i++) expect(margins[i]).toBeLessThanOrEqual((margins[i - 1] as number) + 1e-12);
  });
});

describe('train-verifier --monotone', () => {
  it('reads "+feature,-feature" into one sign per feature, and names the features on a bad item', async () => {
    const { monotoneOf } = await import('../../../src/cli/train-verifier-options.js');
    const { FEATURE_NAMES } = await import('../../../src/verifier/features.js');
    const m = monotoneOf('+cosine, -antonym_pairs');
    expect(m).toHaveLength(FEATURE_NAMES.length);
    expect(m[FEATURE_NAMES.indexOf('cosine')]).toBe(1);
    expect(m[FEATURE_NAMES.indexOf('antonym_pairs')]).toBe(-1);
    expect(m.filter((v) => v !== 0)).toHaveLength(2);
    expect(() => monotoneOf('cosine')).toThrow(/not \+feature or -feature .*adapted_cosine/);
    expect(() => monotoneOf('+no_such_feature')).toThrow(/no_such_feature/);
  });
});

describe('train-verifier --drop', () => {
  it('reads feature names into indices, and zeroes their columns in the fit only', async () => {
    const { featureIndices } = await import('../../../src/cli/train-verifier-options.js');
    const { dataset } = await import('../../../src/cli/train-verifier-models.js');
    const { FEATURE_NAMES } = await import('../../../src/verifier/features.js');
    const drop = featureIndices('trigram_jaccard, cosine');
    expect(drop).toEqual([FEATURE_NAMES.indexOf('trigram_jaccard'), FEATURE_NAMES.indexOf('cosine')]);
    expect(() => featureIndices('no_such_feature')).toThrow(/no_such_feature/);
    const x = Float64Array.from(FEATURE_NAMES, (_, i) => i + 1);
    const row = { pair: { id: '1', source: 'qqp_train', a: 'a', b: 'b', label: 1 as const }, x, vetoed: false, margin: 0, cos: 1, score: 0, label: 1 as const };
    const d = dataset([row], 1, drop);
    expect(d.X[0]?.[drop[0] as number]).toBe(0);
    expect(d.X[0]?.[drop[1] as number]).toBe(0);
    expect(d.X[0]?.[1]).toBe(2);
    expect(row.x[drop[0] as number]).toBe((drop[0] as number) + 1); // the row keeps its features
  });
});
