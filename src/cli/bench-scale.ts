// Index benchmark sets: (a) real embeddings of distinct QQP questions (embedded once with the
// project's embedder and cached under data/bench-cache/), (b) a synthetic clustered million.
// For each set: exact top-1 by brute force for held-out queries (cached too), then per graph
// (M, efConstruction) its build or load figures and an ef sweep of search latency and recall@1.
// Embedding cache: bench-scale-embed.ts; one index set and the two sets' sources: bench-scale-set.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { embedderFromConfig } from '../embedding/from-config.js';
import { normalizePrompt } from '../core/request-key.js';
import { sha, type LoadedGraph } from './bench-index.js';
import { embedCached } from './bench-scale-embed.js';
import { benchIndexSet, EFS, realSource, syntheticSet, type IndexSetResult, type RealBase } from './bench-scale-set.js';
import { readQqpQuestions } from './bench-prompts.js';
import { benchStartup, fillDataDir, lookupsAt, type FillResult, type ScaleLookups, type StartupResult } from './bench-startup.js';

export { embedCached, seedEmbeddingCache, type Embedded } from './bench-scale-embed.js';
export { benchIndexSet, EFS, realSource, syntheticSet, type GraphResult, type IndexSetResult, type RealBase, type SetInput } from './bench-scale-set.js';

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
/** Times dist/main.js is started on the filled data dir (startup section). */
const STARTS = 3;

export interface ScaleArgs {
  qqpFiles: string[];
  scale: number;
  /** 0 = skip the synthetic set (--quick). */
  synthetic: number;
  /** --quick: only the default graph at the real set (each other graph costs ~30-80 s to build cold). */
  quick: boolean;
  lookups: number;
  /** --fresh: rebuild graphs and exact answers, and embed again what an earlier run cached. */
  fresh: boolean;
  /** Under --fresh, when the bench started (ms since epoch): cache files written since then (the
   * 10k section's seeded embeddings) are this run's own and still used. Undefined otherwise. */
  freshSince: number | undefined;
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
  const emb = await embedCached(texts.slice(0, n + REAL_QUERIES), modelId, args.cacheDir, () => embedderFromConfig(base), log, args.freshSince);
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
