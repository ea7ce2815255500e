import { describe, expect, it } from 'vitest';
import { Adapter } from '../../../src/verifier/adapter.js';
import { trainAdapter, type AdapterPair } from '../../../src/verifier/train/adapter-train.js';
import { seededRandom } from '../../../src/util/random.js';

const unit = (v: number[]): Float32Array => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};

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
    // Pairs agree on dims 1..7 (noise) and are the same question only when dim 0 has the same sign.
    const r = seededRandom(5);
    const pairs: AdapterPair[] = [];
    for (let i = 0; i < 600; i++) {
      const base = Array.from({ length: 8 }, () => r() * 2 - 1);
      const y = (i % 2) as 0 | 1;
      const other = base.map((x, k) => (k === 0 ? (y === 1 ? x : -x) : x + (r() - 0.5) * 0.2));
      pairs.push({ a: unit(base), b: unit(other), y });
    }
    const params = { rank: 4, epochs: 6, lr: 0.01, batch: 16, seed: 9 };
    const ad = trainAdapter(pairs, params);
    let sep = 0;
    for (const p of pairs) sep += (p.y === 1 ? 1 : -1) * ad.cosine(p.a, p.b);
    expect(sep / pairs.length).toBeGreaterThan(0.3);
    expect(trainAdapter(pairs, params).toJson()).toEqual(ad.toJson());
  });
});
