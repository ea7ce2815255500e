// The million-vector index set: synthetic vectors shaped like the real embeddings. Each one is a
// real sentence embedding (of the 100k set) plus noise drawn along the real data's own spread:
// a random combination of differences between random real embeddings, so the noise has the
// embeddings' covariance (their anisotropy, low effective dimension) instead of being isotropic
// in 384-d, which no sentence model produces and which makes HNSW far harder than real data.
// Ten jittered copies per real embedding then look like a corpus of ten phrasings per question.
import { normalizeRows, gaussian, type VectorSource } from './bench-index.js';
import { seededRandom } from '../util/random.js';

export interface JitterSpec {
  /** Vectors in the set (each real embedding is used count / base times, round robin). */
  count: number;
  /** Noise norm relative to a typical difference of two real embeddings; 0.45 puts a copy at
   * cosine ~0.9 from its real embedding, about a paraphrase's distance. */
  scale: number;
  /** Real-embedding differences mixed into each noise vector. */
  pairs: number;
  seed: number;
  chunkSize: number;
}

export const JITTER_DEFAULTS = { scale: 0.45, pairs: 8, seed: 20_261_126, chunkSize: 10_000 } as const;

/** Rows of base[around(r)] + noise; `stream` picks the PRNG stream (chunk number, or -1 for queries). */
function jitterRows(
  base: Float32Array,
  dims: number,
  spec: JitterSpec,
  n: number,
  stream: number,
  around: (row: number) => Float32Array,
): Float32Array {
  const rand = seededRandom((spec.seed * 1_000_003 + stream * 7919 + 17) >>> 0);
  const g = gaussian(rand);
  const nBase = base.length / dims;
  // Each difference of two unit vectors has squared norm ~2(1 - cos) ~ 2; the sum of `pairs`
  // of them with unit-normal weights has squared norm ~2 * pairs: scale that to `spec.scale`.
  const w = spec.scale / Math.sqrt(2 * spec.pairs);
  const out = new Float32Array(n * dims);
  for (let r = 0; r < n; r++) {
    const o = r * dims;
    out.set(around(r), o);
    for (let p = 0; p < spec.pairs; p++) {
      const a = Math.floor(rand() * nBase) * dims;
      const b = Math.floor(rand() * nBase) * dims;
      const z = w * g();
      for (let d = 0; d < dims; d++) out[o + d] = (out[o + d] as number) + z * ((base[a + d] as number) - (base[b + d] as number));
    }
  }
  return normalizeRows(out, dims);
}

/** Deterministic: chunk c depends only on (base, spec, c). `baseKey` identifies the base vectors. */
export function jitterSource(base: Float32Array, dims: number, baseKey: string, spec: JitterSpec): VectorSource {
  const nBase = base.length / dims;
  const row = (i: number): Float32Array => base.subarray((i % nBase) * dims, ((i % nBase) + 1) * dims);
  return {
    count: spec.count,
    dims,
    chunkSize: spec.chunkSize,
    key: `jitter:${baseKey}:${JSON.stringify(spec)}`,
    chunk: (c) => {
      const start = c * spec.chunkSize;
      return jitterRows(base, dims, spec, Math.min(spec.chunkSize, spec.count - start), c, (r) => row(start + r));
    },
  };
}

/** Queries: held-out real embeddings (not in `base`), jittered the same way on their own stream. */
export function jitterQueries(held: Float32Array, base: Float32Array, dims: number, spec: JitterSpec): Float32Array {
  return jitterRows(base, dims, spec, held.length / dims, -1, (r) => held.subarray(r * dims, (r + 1) * dims));
}
