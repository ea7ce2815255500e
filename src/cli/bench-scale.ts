// Index benchmark sets: (a) real embeddings of distinct QQP questions (embedded once with the
// project's embedder and cached under data/bench-cache/), (b) a synthetic clustered million.
// For each set: exact top-1 by brute force for held-out queries (cached too), then per graph
// (M, efConstruction) its build or load figures and an ef sweep of search latency and recall@1.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { embedderFromConfig } from '../embedding/from-config.js';
import type { Embedder } from '../core/ports.js';
import { normalizePrompt } from '../core/request-key.js';
import { arraySource, bruteForceTop1, graphFor, searchSweep, sha, type EfResult, type GraphSpec, type LoadedGraph, type Top1, type VectorSource } from './bench-index.js';
import { JITTER_DEFAULTS, jitterQueries, jitterSource, type JitterSpec } from './bench-synthetic.js';
import { readQqpQuestions } from './bench-prompts.js';
import { benchStartup, fillDataDir, lookupsAt, type FillResult, type ScaleLookups, type StartupResult } from './bench-startup.js';

/** Texts per embedding cache file: an interrupted first run keeps the chunks it finished. */
const EMBED_CHUNK = 10_000;
/** Embeddings requested before the oldest is awaited: keeps both pool workers busy (queue limit 256). */
const IN_FLIGHT = 8;

type Log = (msg: string) => void;

/** Distinct (normalised) QQP questions of several pair files, in file order. */
export function distinctQuestions(paths: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of paths) {
    for (const q of readQqpQuestions(p)) {
      const norm = normalizePrompt(q);
      if (seen.has(norm)) continue;
      seen.add(norm);
      out.push(q);
    }
  }
  return out;
}

async function embedChunk(embedder: Embedder, texts: readonly string[], dims: number): Promise<Float32Array> {
  const out = new Float32Array(texts.length * dims);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < texts.length; i = next++) out.set(await embedder.embed(normalizePrompt(texts[i] as string)), i * dims);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return out;
}

/** Cache file of one chunk's embeddings: keyed by the model and the chunk's exact texts. */
function chunkFile(cacheDir: string, modelId: string, part: readonly string[]): string {
  return join(cacheDir, `emb-${sha(`${modelId}\u0000${part.join('\n')}`)}.f32`);
}

/** Writes the embeddings of `texts` (already computed elsewhere, e.g. by the 10k store section)
 * as cache chunks, for each whole chunk not cached yet. Files are keyed by content, so texts that
 * are not the scale set's first chunks only leave an unused file. Returns texts written. */
export function seedEmbeddingCache(texts: readonly string[], vectors: Float32Array, modelId: string, cacheDir: string): number {
  const dims = vectors.length / texts.length;
  let written = 0;
  mkdirSync(cacheDir, { recursive: true });
  for (let start = 0; start + EMBED_CHUNK <= texts.length; start += EMBED_CHUNK) {
    const file = chunkFile(cacheDir, modelId, texts.slice(start, start + EMBED_CHUNK));
    if (existsSync(file)) continue;
    const v = vectors.subarray(start * dims, (start + EMBED_CHUNK) * dims);
    writeFileSync(`${file}.tmp`, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    renameSync(`${file}.tmp`, file);
    written += EMBED_CHUNK;
  }
  return written;
}

export interface Embedded {
  vectors: Float32Array;
  dims: number;
  /** Texts embedded in this run (0 when every chunk came from the cache). */
  embedded: number;
  seconds: number;
}

/** Embeddings of `texts` (normalised as the cache does), from `cacheDir` when present; files are
 * keyed by model id + the chunk's texts. `open` loads the embedder only when a chunk is missing;
 * the dimension comes from the first cached file or the embedder. */
export async function embedCached(texts: readonly string[], modelId: string, cacheDir: string, open: () => Promise<Embedder & { close(): Promise<void> }>, log: Log): Promise<Embedded> {
  const t0 = performance.now();
  const chunks: Array<{ start: number; part: string[]; file: string }> = [];
  for (let start = 0; start < texts.length; start += EMBED_CHUNK) {
    const part = texts.slice(start, start + EMBED_CHUNK);
    chunks.push({ start, part, file: chunkFile(cacheDir, modelId, part) });
  }
  let embedder: (Embedder & { close(): Promise<void> }) | undefined;
  const first = chunks[0];
  let dims = first !== undefined && existsSync(first.file) ? statSync(first.file).size / 4 / first.part.length : 0;
  let embedded = 0;
  mkdirSync(cacheDir, { recursive: true });
  try {
    if (!Number.isInteger(dims) || dims === 0) {
      embedder = await open();
      dims = embedder.dims;
    }
    const vectors = new Float32Array(texts.length * dims);
    for (const { start, part, file } of chunks) {
      if (existsSync(file) && statSync(file).size === part.length * dims * 4) {
        // Byte copy: the file's Buffer need not be 4-byte aligned for a Float32Array view.
        new Uint8Array(vectors.buffer, start * dims * 4, part.length * dims * 4).set(readFileSync(file));
        continue;
      }
      embedder ??= await open();
      const tc = performance.now();
      const v = await embedChunk(embedder, part, dims);
      embedded += part.length;
      log(`  embedded ${start + part.length} / ${texts.length} (${(part.length / ((performance.now() - tc) / 1000)).toFixed(0)} texts/s)`);
      writeFileSync(`${file}.tmp`, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      renameSync(`${file}.tmp`, file);
      vectors.set(v, start * dims);
    }
    return { vectors, dims, embedded, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await embedder?.close();
  }
}

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
/** Held-out questions used as queries at the real set; vectors generated as queries at the synthetic one.
 * Fewer at 1M: the JS brute force costs ~1 s per 2 queries there (cached after the first run). */
const REAL_QUERIES = 500;
const SYNTHETIC_QUERIES = 200;
/** The synthetic graph's efConstruction: hnswlib-node adds one vector at a time on one core
 * (~1,700/s at 100 and 200k vectors here), so a million at the default 200 would take ~20 min;
 * at 200k, 100 already reaches recall@1 0.99 at ef 128. Built once, then cached. */
const SYNTHETIC_EFC = 100;
/** M of the synthetic graphs: the service default (16) and 32, which buys recall at a million
 * (16 levels off near 0.975 here) for ~15 % more memory and a ~1.5x longer build. */
const SYNTHETIC_MS = [16, 32] as const;
const STARTS = 3;

export interface ScaleArgs {
  qqpFiles: string[];
  scale: number;
  /** 0 = skip the synthetic set (--quick). */
  synthetic: number;
  /** --quick: only the default graph at the real set (each other graph costs ~30-80 s to build cold). */
  quick: boolean;
  lookups: number;
  fresh: boolean;
  cacheDir: string;
  repo: string;
}

export interface ScaleResult {
  defaults: { m: number; efConstruction: number; ef: number };
  embedding: { texts: number; embedded: number; seconds: number; modelId: string } | null;
  real: IndexSetResult | null;
  fill: FillResult | null;
  lookups: ScaleLookups | null;
  startup: StartupResult | null;
  synthetic: IndexSetResult | null;
  /** Sections left out, and why. */
  skipped: string[];
}

type Sections = Pick<ScaleResult, 'embedding' | 'real' | 'fill' | 'lookups' | 'startup'> & { base: RealBase };

/** Real embeddings: index set, then the cache and the built service on a data dir of them. */
async function realSections(args: ScaleArgs, makeConfig: (dataDir: string) => Config, lap: (name: string) => void, log: Log): Promise<Sections | string> {
  const texts = distinctQuestions(args.qqpFiles);
  if (texts.length < 1000 + REAL_QUERIES) return `only ${texts.length} distinct QQP questions in ${args.qqpFiles.join(', ')}`;
  const n = Math.min(args.scale, texts.length - REAL_QUERIES);
  const base = makeConfig(args.cacheDir);
  const modelId = `${base.embedder.model}@${base.embedder.dtype}`;
  log(`embedding ${n + REAL_QUERIES} distinct QQP questions (cached in ${args.cacheDir})`);
  const emb = await embedCached(texts.slice(0, n + REAL_QUERIES), modelId, args.cacheDir, () => embedderFromConfig(base), log);
  lap(`embed ${n + REAL_QUERIES} QQP questions${emb.embedded === 0 ? ' (all cached)' : ''}`);
  const dims = emb.dims;
  const defaults = { m: base.index.m, efConstruction: base.index.ef_construction };
  const others = args.quick ? [] : [{ m: 16, efConstruction: 64 }, { m: 32, efConstruction: 100 }];
  const specs = [defaults, ...others].filter((g, i, all) => all.findIndex((o) => o.m === g.m && o.efConstruction === g.efConstruction) === i);
  let kept: LoadedGraph | undefined;
  const key = `${modelId}|${sha(texts.slice(0, n).join('\n'))}`;
  const held = emb.vectors.slice(n * dims);
  const real = benchIndexSet({
    name: `${n} real embeddings`, description: `distinct QQP questions (train then test files) embedded with ${modelId}; queries: the next ${REAL_QUERIES} distinct questions, not in the index`,
    source: realSource(emb.vectors.subarray(0, n * dims), dims, key),
    queries: held, graphs: specs, efs: EFS, k: base.cache.candidates, cacheDir: args.cacheDir, fresh: args.fresh, log,
    keep: (spec, g) => {
      if (spec === defaults) kept = g;
    },
  });
  lap(`index at ${n} real embeddings`);
  const dir = mkdtempSync(join(tmpdir(), 'dejavu-bench-scale-'));
  try {
    const config = makeConfig(dir);
    log(`filling a data dir with ${n} entries`);
    const fill = fillDataDir(config, modelId, texts.slice(0, n), emb.vectors.subarray(0, n * dims), (kept as LoadedGraph).graph);
    kept = undefined;
    lap(`fill a data dir with ${n} entries`);
    const lookups = await lookupsAt(config, texts.slice(0, n), args.lookups, log);
    lap(`lookups at ${n} entries`);
    log(`starting dist/main.js on ${n} entries, ${STARTS} times`);
    const startup = await benchStartup(args.repo, config, n, STARTS, log);
    lap(`service startup at ${n} entries`);
    return { embedding: { texts: n + REAL_QUERIES, embedded: emb.embedded, seconds: emb.seconds, modelId }, real, fill, lookups, startup, base: { vectors: emb.vectors.subarray(0, n * dims), held, dims, key } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchScaleSections(args: ScaleArgs, makeConfig: (dataDir: string) => Config, lap: (name: string) => void, log: Log): Promise<ScaleResult> {
  const base = makeConfig(args.cacheDir);
  const result: ScaleResult = {
    defaults: { m: base.index.m, efConstruction: base.index.ef_construction, ef: base.index.ef },
    embedding: null, real: null, fill: null, lookups: null, startup: null, synthetic: null, skipped: [],
  };
  const real = await realSections(args, makeConfig, lap, log);
  if (typeof real === 'string') {
    result.skipped.push(`real-embedding index, ${args.scale}-entry cache, startup and the synthetic set drawn around them: ${real}`);
    return result;
  }
  const { base: realBase, ...parts } = real;
  Object.assign(result, parts);
  if (args.synthetic === 0) {
    result.skipped.push('synthetic index (--quick)');
    return result;
  }
  const set = syntheticSet(args.synthetic, realBase, SYNTHETIC_QUERIES);
  result.synthetic = benchIndexSet({
    name: `${args.synthetic} synthetic vectors`, description: set.description, source: set.source, queries: set.queries,
    graphs: SYNTHETIC_MS.map((m) => ({ m, efConstruction: SYNTHETIC_EFC })), efs: EFS, k: base.cache.candidates, cacheDir: args.cacheDir, fresh: args.fresh, log,
  });
  lap(`index at ${args.synthetic} synthetic vectors`);
  return result;
}
