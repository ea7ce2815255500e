import { describe, expect, it } from 'vitest';
import { Adapter } from '../../../src/verifier/adapter.js';
import { trainAdapter } from '../../../src/verifier/train/adapter-train.js';
import { signPairs, unit } from '../../support/sign-pairs.js';


describe('Adapter', () => {
  it('round-trips through JSON and computes cos(Wa, Wb)', () => {
    // W keeps dimension 0 only: vectors that agree there are identical to it.
    const a = new Adapter(1, 3, Float32Array.of(1, 0, 0));
    const back = Adapter.fromJson(JSON.parse(JSON.stringify(a.toJson())));
    expect(back.cosine(unit([1, 5, 0]), unit([2, -3, 1]))).toBeCloseTo(1, 6);
    expect(back.cosine(unit([1, 5, 0]), unit([-2, -3, 1]))).toBeCloseTo(-1, 6);
    expect(back.cosine(unit([1, 0, 0]), undefined)).toBe(0);
    expect(back.cosine(unit([1, 0]), unit([1, 0]))).toBe(0);
  });

  it('rejects a weight array of the wrong size', () => {
    expect(() => new Adapter(2, 3, new Float32Array(5))).toThrow(/expected 6/);
  });
});

describe('trainAdapter', () => {
  it('learns which dimension decides sameness, deterministically', () => {
    const pairs = signPairs();
    const params = { rank: 4, epochs: 6, lr: 0.01, batch: 16, seed: 9 };
    const ad = trainAdapter(pairs, params);
    let sep = 0;
    for (const p of pairs) sep += (p.y === 1 ? 1 : -1) * ad.cosine(p.a, p.b);
    expect(sep / pairs.length).toBeGreaterThan(0.3);
    expect(trainAdapter(pairs, params).toJson()).toEqual(ad.toJson());
  });
});
