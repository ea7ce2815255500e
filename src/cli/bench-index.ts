// Index section of the benchmark: HNSW build time, memory, search latency and recall@1 against an
// exact brute-force scan, for a few (M, efConstruction, ef) choices. Graphs are made by the
// service's own ShardedHnswIndex.newGraph / readGraph (hnswlib-node, cosine space, seed 100) and
// searched with searchKnn directly, so shard lookup and JSON are not part of the figures.
// Pure helpers (brute force, recall) are exported for the unit test.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ShardedHnswIndex } from '../index/hnsw-index.js';
import { summarize, type Summary } from './bench-stats.js';

/** Nearest stored vector: label (= position + 1, as SQLite ids of a fresh store) and cosine. */
export interface Top1 {
  label: number;
  similarity: number;
}

/** Vectors served chunk by chunk, so a million of them never need a second copy in memory. */
export interface VectorSource {
  count: number;
  dims: number;
  chunkSize: number;
  /** Vectors [c * chunkSize, ...) as one flat array, L2-normalised. */
  chunk(c: number): Float32Array;
  /** Identifies the content (cache key). */
  key: string;
}

/** Standard normal deviates (Box-Muller) from a seeded uniform PRNG. */
export function gaussian(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - rand())); // 1 - rand() is in (0, 1]: log never sees 0
    const t = 2 * Math.PI * rand();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

/** Normalises each `dims`-long row of `v` to unit length, in place. */
export function normalizeRows(v: Float32Array, dims: number): Float32Array {
  for (let o = 0; o < v.length; o += dims) {
    let n = 0;
    for (let d = 0; d < dims; d++) n += (v[o + d] as number) ** 2;
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let d = 0; d < dims; d++) v[o + d] = (v[o + d] as number) * inv;
  }
  return v;
}

/** A source over vectors already in memory (the real embeddings). */
export function arraySource(vectors: Float32Array, dims: number, key: string, chunkSize = 10_000): VectorSource {
  const count = vectors.length / dims;
  return { count, dims, chunkSize, key, chunk: (c) => vectors.subarray(c * chunkSize * dims, Math.min(count, (c + 1) * chunkSize) * dims) };
}

/** Exact nearest neighbour of every query by dot product over all vectors of the source (unit
 * vectors: dot = cosine). Four queries share each load of a stored vector (~3x faster in V8). */
export function bruteForceTop1(source: VectorSource, queries: Float32Array): Top1[] {
  const D = source.dims;
  const n = queries.length / D;
  const padded = new Float64Array(Math.ceil(n / 4) * 4 * D); // zero rows pad to a multiple of 4
  padded.set(queries);
  const best: Top1[] = Array.from({ length: n }, () => ({ label: 0, similarity: -Infinity }));
  const chunks = Math.ceil(source.count / source.chunkSize);
  for (let c = 0; c < chunks; c++) {
    const v = source.chunk(c);
    const rows = v.length / D;
    for (let i = 0; i < rows; i++) {
      const o = i * D;
      for (let q = 0; q < n; q += 4) {
        const p0 = q * D, p1 = p0 + D, p2 = p1 + D, p3 = p2 + D;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let d = 0; d < D; d++) {
          const x = v[o + d] as number;
          s0 += x * (padded[p0 + d] as number);
          s1 += x * (padded[p1 + d] as number);
          s2 += x * (padded[p2 + d] as number);
          s3 += x * (padded[p3 + d] as number);
        }
        const sums = [s0, s1, s2, s3];
        for (let j = 0; j < 4 && q + j < n; j++) {
          const b = best[q + j] as Top1;
          if ((sums[j] as number) > b.similarity) best[q + j] = { label: c * source.chunkSize + i + 1, similarity: sums[j] as number };
        }
      }
    }
  }
  return best;
}

/** Share of queries whose top result is the true nearest neighbour. A different label with the
 * same similarity (within `tolerance`, float32 rounding) counts: duplicate vectors tie. */
export function recallAt1(found: readonly Top1[], truth: readonly Top1[], tolerance = 1e-5): number {
  if (found.length !== truth.length) throw new Error(`recall: ${found.length} results for ${truth.length} queries`);
  if (truth.length === 0) return Number.NaN;
  let ok = 0;
  truth.forEach((t, i) => {
    const f = found[i] as Top1;
    if (f.label === t.label || f.similarity >= t.similarity - tolerance) ok += 1;
  });
  return ok / truth.length;
}

export const sha = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 24);

let gc: (() => void) | undefined;

/** Process RSS after a full GC, MiB. (--expose-gc is turned on at first use: tsx starts node
 * without it, and a reading taken with garbage pending would be noise.) */
export function rssMiB(): number {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  return process.memoryUsage().rss / 2 ** 20;
}

type Graph = ReturnType<ShardedHnswIndex['newGraph']>;

export interface BuildInfo {
  seconds: number;
  /** Process RSS growth over the build (after GC), MiB. */
  rssDeltaMiB: number;
  builtAt: string;
}

export interface LoadedGraph {
  graph: Graph;
  file: string;
  build: BuildInfo;
  /** True when the graph was read from the bench cache (build figures are from `builtAt`). */
  cached: boolean;
  /** Saved graph size: hnswlib's level-0 block plus link lists, i.e. its in-memory layout, MiB. */
  fileMiB: number;
  /** RSS growth while reading the cached file, MiB (null when built in this run). */
  loadRssDeltaMiB: number | null;
}

export interface GraphSpec {
  m: number;
  efConstruction: number;
}

function buildGraph(index: ShardedHnswIndex, source: VectorSource, log: (msg: string) => void): { graph: Graph; build: BuildInfo } {
  const before = rssMiB();
  const t0 = performance.now();
  const graph = index.newGraph(source.count);
  const chunks = Math.ceil(source.count / source.chunkSize);
  let tLog = t0;
  for (let c = 0; c < chunks; c++) {
    const v = source.chunk(c);
    const D = source.dims;
    for (let i = 0; i < v.length / D; i++) graph.addPoint(Array.from(v.subarray(i * D, (i + 1) * D)), c * source.chunkSize + i + 1);
    if (performance.now() - tLog > 15_000) {
      tLog = performance.now();
      const done = Math.min(source.count, (c + 1) * source.chunkSize);
      log(`    ${done} / ${source.count} added (${(done / ((tLog - t0) / 1000)).toFixed(0)} vectors/s)`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { graph, build: { seconds, rssDeltaMiB: rssMiB() - before, builtAt: new Date().toISOString() } };
}

/** The graph for (source, spec): read from `cacheDir` when built before (unless `fresh`), else
 * built now and saved there with its build figures. */
export function graphFor(source: VectorSource, spec: GraphSpec, cacheDir: string, fresh: boolean, log: (msg: string) => void): LoadedGraph {
  // ef only matters for searches, which set it themselves.
  const index = new ShardedHnswIndex({ dims: source.dims, m: spec.m, efConstruction: spec.efConstruction, ef: 16 });
  const file = join(cacheDir, `hnsw-${sha(`${source.key}|m=${spec.m}|efc=${spec.efConstruction}|cosine|seed=100`)}.bin`);
  const meta = `${file}.json`;
  if (!fresh && existsSync(file) && existsSync(meta)) {
    const before = rssMiB();
    const graph = index.readGraph(file);
    const build = JSON.parse(readFileSync(meta, 'utf8')) as BuildInfo;
    return { graph, file, build, cached: true, fileMiB: statSync(file).size / 2 ** 20, loadRssDeltaMiB: rssMiB() - before };
  }
  log(`  building M=${spec.m} efConstruction=${spec.efConstruction} over ${source.count} vectors`);
  const { graph, build } = buildGraph(index, source, log);
  mkdirSync(cacheDir, { recursive: true });
  graph.writeIndexSync(`${file}.tmp`);
  renameSync(`${file}.tmp`, file);
  writeFileSync(meta, JSON.stringify(build));
  return { graph, file, build, cached: false, fileMiB: statSync(file).size / 2 ** 20, loadRssDeltaMiB: null };
}

export interface EfResult {
  ef: number;
  latencyMs: Summary;
  recallAt1: number;
}

/** Times searchKnn(q, k) per query at each ef (one untimed pass first), and scores recall@1. */
export function searchSweep(graph: Graph, queries: Float32Array, dims: number, truth: readonly Top1[], efs: readonly number[], k: number): EfResult[] {
  const qs = Array.from({ length: queries.length / dims }, (_, i) => Array.from(queries.subarray(i * dims, (i + 1) * dims)));
  graph.setEf(efs[0] ?? 16);
  for (const q of qs) graph.searchKnn(q, k);
  return efs.map((ef) => {
    graph.setEf(ef);
    const samples: number[] = [];
    const found: Top1[] = [];
    for (const q of qs) {
      const t0 = performance.now();
      const r = graph.searchKnn(q, k);
      samples.push(performance.now() - t0);
      found.push({ label: r.neighbors[0] ?? -1, similarity: 1 - (r.distances[0] ?? 2) });
    }
    return { ef, latencyMs: summarize(samples), recallAt1: recallAt1(found, truth) };
  });
}
