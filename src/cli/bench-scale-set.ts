// One index benchmark set: exact top-1 by brute force for its queries (cached under
// data/bench-cache/), then per graph (M, efConstruction) its build or load figures and an ef sweep
// of search latency and recall@1. Also the two sets' sources: real embeddings and the synthetic
// vectors drawn around them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arraySource, bruteForceTop1, graphFor, searchSweep, sha, type EfResult, type GraphSpec, type LoadedGraph, type Top1, type VectorSource } from './bench-index.js';
import { JITTER_DEFAULTS, jitterQueries, jitterSource, type JitterSpec } from './bench-synthetic.js';

type Log = (msg: string) => void;

export interface GraphResult extends GraphSpec {
  cached: boolean;
  builtAt: string;
  buildSeconds: number;
  buildRssDeltaMiB: number;
  loadRssDeltaMiB: number | null;
  fileMiB: number;
  searches: EfResult[];
}

export interface IndexSetResult {
  name: string;
  description: string;
  vectors: number;
  dims: number;
  queries: number;
  /** Neighbours asked of each search (the cache's `candidates`). */
  k: number;
  truthSeconds: number;
  truthCached: boolean;
  graphs: GraphResult[];
  seconds: number;
}

function truthFor(source: VectorSource, queries: Float32Array, cacheDir: string, fresh: boolean): { truth: Top1[]; cached: boolean; seconds: number } {
  const t0 = performance.now();
  const qkey = sha(Buffer.from(queries.buffer, queries.byteOffset, queries.byteLength).toString('base64'));
  const file = join(cacheDir, `truth-${sha(`${source.key}|${qkey}`)}.json`);
  if (!fresh && existsSync(file)) return { truth: JSON.parse(readFileSync(file, 'utf8')) as Top1[], cached: true, seconds: (performance.now() - t0) / 1000 };
  const truth = bruteForceTop1(source, queries);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(truth));
  return { truth, cached: false, seconds: (performance.now() - t0) / 1000 };
}

export interface SetInput {
  name: string;
  description: string;
  source: VectorSource;
  queries: Float32Array;
  graphs: readonly GraphSpec[];
  efs: readonly number[];
  k: number;
  cacheDir: string;
  fresh: boolean;
  log: Log;
  /** Called with each graph before it is dropped (the 100k service reuses the default one). */
  keep?: (spec: GraphSpec, graph: LoadedGraph) => void;
}

export function benchIndexSet(input: SetInput): IndexSetResult {
  const t0 = performance.now();
  const { source, queries, log } = input;
  log(`index ${input.name}: exact top-1 of ${queries.length / source.dims} queries by brute force`);
  const t = truthFor(source, queries, input.cacheDir, input.fresh);
  const graphs: GraphResult[] = [];
  for (const spec of input.graphs) {
    const g = graphFor(source, spec, input.cacheDir, input.fresh, log);
    log(`  M=${spec.m} efConstruction=${spec.efConstruction}: ${g.cached ? 'loaded from cache' : `built in ${g.build.seconds.toFixed(1)} s`}; ef sweep`);
    const searches = searchSweep(g.graph, queries, source.dims, t.truth, input.efs, input.k);
    graphs.push({
      ...spec, cached: g.cached, builtAt: g.build.builtAt, buildSeconds: g.build.seconds, buildRssDeltaMiB: g.build.rssDeltaMiB,
      loadRssDeltaMiB: g.loadRssDeltaMiB, fileMiB: g.fileMiB, searches,
    });
    input.keep?.(spec, g);
  }
  return {
    name: input.name, description: input.description, vectors: source.count, dims: source.dims, queries: queries.length / source.dims,
    k: input.k, truthSeconds: t.seconds, truthCached: t.cached, graphs, seconds: (performance.now() - t0) / 1000,
  };
}

/** The synthetic set: `count` real-shaped vectors around the real embeddings (bench-synthetic.ts);
 * queries around the held-out real query embeddings. */
export function syntheticSet(count: number, real: RealBase, queries: number): { source: VectorSource; queries: Float32Array; description: string } {
  const spec: JitterSpec = { ...JITTER_DEFAULTS, count };
  const n = real.vectors.length / real.dims;
  return {
    source: jitterSource(real.vectors, real.dims, real.key, spec),
    queries: jitterQueries(real.held.subarray(0, queries * real.dims), real.vectors, real.dims, spec),
    description:
      `synthetic, shaped like the real set: each vector is one of the ${n} real embeddings (${Math.round(count / n)} copies each) plus noise ` +
      `along the real data's own spread (a random mix of ${spec.pairs} differences of real embeddings, norm ~${spec.scale}, cosine ~0.92 to the original), renormalised; ` +
      `queries: the held-out real query embeddings jittered the same way (not in the index)`,
  };
}

/** Real embeddings the synthetic set is drawn around: the indexed ones and the held-out queries. */
export interface RealBase {
  vectors: Float32Array;
  held: Float32Array;
  dims: number;
  key: string;
}

export function realSource(vectors: Float32Array, dims: number, key: string): VectorSource {
  return arraySource(vectors, dims, `qqp:${key}`);
}

/** ef values swept on every graph (searches ask for k = cache.candidates, so ef below k acts as k). */
export const EFS = [8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512] as const;
