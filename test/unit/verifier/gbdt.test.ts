import { describe, expect, it } from 'vitest';
import { modelMargin, type GbdtJson } from '../../../src/verifier/model.js';
import { averageModels, trainGbdt } from '../../../src/verifier/train/gbdt.js';
import { seededRandom } from '../../../src/util/random.js';

const PARAMS = { trees: 30, depth: 3, learningRate: 0.2, minChildWeight: 1, lambda: 1, subsample: 0.7, bins: 16, seed: 1 };

describe('averageModels', () => {
  // y = 1 when x0 + noise > 0.5; two features, the second pure noise.
  const rand = seededRandom(3);
  const X = Array.from({ length: 400 }, () => Float64Array.of(rand(), rand()));
  const y = Uint8Array.from(X, (x) => ((x[0] as number) + 0.2 * (rand() - 0.5) > 0.5 ? 1 : 0));
  const fit = (seed: number): GbdtJson => trainGbdt({ X, y }, { ...PARAMS, seed }).model;

  it('scores every row with the mean of the models\' margins', () => {
    const models = [fit(1), fit(2), fit(3)];
    const avg = averageModels(models);
    expect(avg.trees).toHaveLength(models.reduce((n, m) => n + m.trees.length, 0));
    for (const x of X.slice(0, 50)) {
      const mean = models.reduce((s, m) => s + modelMargin(m, x), 0) / models.length;
      expect(modelMargin(avg, x)).toBeCloseTo(mean, 10);
    }
    // Models on different row samples differ, so the average is not any one of them.
    expect(modelMargin(models[0] as GbdtJson, X[0] as Float64Array)).not.toBeCloseTo(modelMargin(models[1] as GbdtJson, X[0] as Float64Array), 6);
  });

  it('leaves a single model as it is and refuses none', () => {
    const one = fit(1);
    expect(modelMargin(averageModels([one]), X[7] as Float64Array)).toBeCloseTo(modelMargin(one, X[7] as Float64Array), 12);
    expect(() => averageModels([])).toThrow(/no models/);
  });
});
