import { describe, expect, it } from 'vitest';
import { PairMlp } from '../../../src/verifier/pair-mlp.js';
import { trainPairMlp } from '../../../src/verifier/train/pair-mlp-train.js';
import { seededRandom } from '../../../src/util/random.js';
import { signPairs, unit } from '../../support/sign-pairs.js';


describe('PairMlp', () => {
  it('round-trips through JSON, is symmetric and returns 0 without vectors', () => {
    const r = seededRandom(3);
    const p = Float32Array.from({ length: PairMlp.size(3, 4) }, () => r() - 0.5);
    const m = new PairMlp(3, 4, p);
    const back = PairMlp.fromJson(JSON.parse(JSON.stringify(m.toJson())));
    const a = unit([1, 2, 3, 4]);
    const b = unit([4, -1, 0, 2]);
    expect(back.logit(a, b)).toBeCloseTo(m.logit(a, b), 6);
    expect(m.logit(a, b)).toBeCloseTo(m.logit(b, a), 12);
    expect(m.logit(a, undefined)).toBe(0);
    expect(m.logit(unit([1, 0]), unit([0, 1]))).toBe(0);
  });

  it('rejects a parameter array of the wrong size', () => {
    expect(() => new PairMlp(2, 3, new Float32Array(5))).toThrow(/expected 17/);
  });
});

describe('trainPairMlp', () => {
  it('learns which dimension decides sameness, deterministically', () => {
    const pairs = signPairs();
    const params = { hidden: 8, epochs: 8, lr: 0.01, batch: 16, wd: 0, seed: 9 };
    const net = trainPairMlp(pairs, params);
    let right = 0;
    for (const p of pairs) if (net.logit(p.a, p.b) > 0 === (p.y === 1)) right++;
    expect(right / pairs.length).toBeGreaterThan(0.9);
    expect(trainPairMlp(pairs, params).toJson()).toEqual(net.toJson());
  });
});
