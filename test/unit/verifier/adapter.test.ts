import { describe, expect, it } from 'vitest';
import { Adapter } from '../../../src/verifier/adapter.js';
import { trainAdapter } from '../../../src/verifier/train/adapter-train.js';
import { dotAt } from '../../../src/verifier/dense.js';
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

  it('projects a repeated query once and still follows a new query', () => {
    const w = Float32Array.from({ length: 4 * 6 }, (_, i) => Math.sin(i + 1));
    const shared = new Adapter(4, 6, w);
    const q1 = unit([1, 2, 0, -1, 3, 1]);
    const q2 = unit([-2, 1, 1, 0, 0, 4]);
    const cands = [unit([0, 1, 2, 3, 4, 5]), unit([5, -1, 0, 2, 1, 1]), unit([1, 1, 1, 1, 1, 1])];
    for (const q of [q1, q1, q2, q1]) {
      for (const c of cands) expect(shared.cosine(q, c)).toBeCloseTo(new Adapter(4, 6, w).cosine(q, c), 12);
    }
  });

  it('computes dot products of any length with four partial sums', () => {
    const w = Float64Array.from({ length: 20 }, (_, i) => i - 7);
    for (const n of [0, 1, 3, 4, 7, 13]) {
      const x = Array.from({ length: n }, (_, i) => 0.5 * i - 1);
      const want = x.reduce((s, v, i) => s + v * (w[2 + i] as number), 0);
      expect(dotAt(w, 2, x, n)).toBeCloseTo(want, 12);
    }
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
