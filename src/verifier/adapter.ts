import { decodeF32, dotAt, encodeF32 } from './dense.js';

/** A learned low-rank projection of the sentence vectors: the verifier's `adapted_cosine` feature
 * is cos(W a, W b). Trained on the fit pairs (src/verifier/train/adapter-train.ts), it re-weights
 * the embedding's directions toward what separates "same question" from "same topic"; on QQP dev
 * pairs above the candidate floor it lifts ROC AUC from 0.70 (raw cosine) to about 0.80. */
export interface AdapterJson {
  /** Output dimensions (rows of W). */
  rank: number;
  /** Input dimensions (the embedder's). */
  dims: number;
  /** W, row-major rank x dims, float32 little-endian, base64. */
  w: string;
}

export class Adapter {
  readonly rank: number;
  readonly dims: number;
  private readonly w: Float32Array;
  /** W as float64 for inference (no float32 -> float64 conversion in the inner loop). */
  private readonly w64: Float64Array;
  /** The last first argument and its projection W a: a lookup compares one query with up to 8
   * candidates, so the query is projected once. Vectors are never mutated after embedding. */
  private lastA: ArrayLike<number> | undefined;
  private readonly u: Float64Array;
  private readonly v: Float64Array;

  constructor(rank: number, dims: number, w: Float32Array) {
    if (w.length !== rank * dims) throw new Error(`adapter: expected ${rank * dims} weights, got ${w.length}`);
    this.rank = rank;
    this.dims = dims;
    this.w = w;
    this.w64 = Float64Array.from(w);
    this.u = new Float64Array(rank);
    this.v = new Float64Array(rank);
  }

  static fromJson(j: AdapterJson): Adapter {
    return new Adapter(j.rank, j.dims, decodeF32(j.w, j.rank * j.dims));
  }

  toJson(): AdapterJson {
    return { rank: this.rank, dims: this.dims, w: encodeF32(this.w) };
  }

  /** out = W x. */
  private project(x: ArrayLike<number>, out: Float64Array): void {
    const { w64, dims } = this;
    for (let r = 0; r < this.rank; r++) out[r] = dotAt(w64, r * dims, x, dims);
  }

  /** cos(W a, W b), -1..1; 0 when a vector is missing or of the wrong size. */
  cosine(a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined): number {
    if (a === undefined || b === undefined || a.length !== this.dims || b.length !== this.dims) return 0;
    const { u, v } = this;
    if (a !== this.lastA) {
      this.project(a, u);
      this.lastA = a;
    }
    this.project(b, v);
    let uu = 0;
    let vv = 0;
    let uv = 0;
    for (let r = 0; r < this.rank; r++) {
      uu += (u[r] as number) ** 2;
      vv += (v[r] as number) ** 2;
      uv += (u[r] as number) * (v[r] as number);
    }
    return uu > 0 && vv > 0 ? uv / Math.sqrt(uu * vv) : 0;
  }
}
