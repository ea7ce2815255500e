/** A second learned view of the sentence vectors: a one-hidden-layer network over the symmetric
 * pair representation [a * b, |a - b|] whose output logit is the verifier's `pair_mlp` feature.
 * Where the adapter (adapter.ts) can only re-weight directions inside one cosine, this sees
 * which coordinates agree and which differ, so "same topic, other question" patterns that keep
 * the cosine high can still be told apart. Trained out of fold like the adapter
 * (src/verifier/train/pair-mlp-train.ts). */
import { decodeF32, dotAt, encodeF32 } from './dense.js';

export interface PairMlpJson {
  /** Hidden units. */
  hidden: number;
  /** Input dimensions of one sentence vector (the embedder's). */
  dims: number;
  /** Float32 little-endian, base64: W1 (hidden x 2*dims, row-major), b1 (hidden), w2 (hidden), b2 (1). */
  params: string;
}

/** Input scaling so both halves have roughly unit spread for unit-length 384-d vectors: a*b
 * components average cos/dims, |a-b| components about sqrt(2(1-cos)/dims). */
export function pairInput(a: ArrayLike<number>, b: ArrayLike<number>, out: Float64Array): Float64Array {
  const d = a.length;
  const sProd = d;
  const sDiff = Math.sqrt(d);
  for (let c = 0; c < d; c++) {
    const x = a[c] as number;
    const y = b[c] as number;
    out[c] = x * y * sProd;
    out[d + c] = Math.abs(x - y) * sDiff;
  }
  return out;
}

export class PairMlp {
  private readonly x: Float64Array;
  /** A float64 snapshot of the parameters taken at construction, for inference (no conversion in
   * the inner loop); training reads and updates `p` itself (pair-mlp-train.ts). */
  private readonly p64: Float64Array;

  constructor(
    readonly hidden: number,
    readonly dims: number,
    /** Layout as in PairMlpJson.params (float64 while training). */
    readonly p: Float32Array | Float64Array,
  ) {
    if (p.length !== PairMlp.size(hidden, dims)) throw new Error(`pair mlp: expected ${PairMlp.size(hidden, dims)} parameters, got ${p.length}`);
    this.x = new Float64Array(2 * dims);
    this.p64 = Float64Array.from(p);
  }

  static size(hidden: number, dims: number): number {
    return hidden * 2 * dims + 2 * hidden + 1;
  }

  static fromJson(j: PairMlpJson): PairMlp {
    return new PairMlp(j.hidden, j.dims, decodeF32(j.params, PairMlp.size(j.hidden, j.dims)));
  }

  toJson(): PairMlpJson {
    return { hidden: this.hidden, dims: this.dims, params: encodeF32(this.p) };
  }

  /** Output logit (log-odds of "same question"); 0 when a vector is missing or of the wrong size. */
  logit(a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined): number {
    if (a === undefined || b === undefined || a.length !== this.dims || b.length !== this.dims) return 0;
    const x = pairInput(a, b, this.x);
    const { p64: p, hidden } = this;
    const n = 2 * this.dims;
    const b1 = hidden * n;
    const w2 = b1 + hidden;
    let out = p[w2 + hidden] as number;
    for (let h = 0; h < hidden; h++) {
      const s = (p[b1 + h] as number) + dotAt(p, h * n, x, n);
      if (s > 0) out += (p[w2 + h] as number) * s;
    }
    return out;
  }
}
