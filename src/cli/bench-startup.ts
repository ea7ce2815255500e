// The cache at 100,000 entries: a real data dir filled in bulk (rows through SqliteStore.upsert in
// one transaction, the HNSW graph of the same vectors built with the service's parameters, saved
// with persistence.saveIndex), then lookups in-process and over HTTP on it, then the built service
// (`node dist/main.js`) started on it repeatedly, timed from spawn to GET /readyz answering 200.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client, request } from 'undici';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { requestKey } from '../core/request-key.js';
import { ShardedHnswIndex } from '../index/hnsw-index.js';
import { saveIndex, type IndexLoadReport } from '../index/persistence.js';
import { lookupOptions } from '../http/lookup-options.js';
import { Ready } from '../ready.js';
import { dataPaths, openService } from '../service.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { LoadedGraph } from './bench-index.js';
import { buildProbes, lookupHttp, lookupInProcess, MODEL, NAMESPACE, runKinds, WARMUP, type Kind, type KindResult } from './bench-measure.js';

type Log = (msg: string) => void;

export interface FillResult {
  entries: number;
  /** Rows written through SqliteStore.upsert in one transaction, s. */
  sqliteSeconds: number;
  /** Index install + saveIndex (graph file, checksum, manifest), s. */
  indexSaveSeconds: number;
}

/** Writes `texts` with their vectors as bench entries into a fresh data dir, and the given graph
 * (built over the same vectors in the same order, labels 1..n) as that shard's saved index. */
export function fillDataDir(config: Config, modelId: string, texts: readonly string[], vectors: Float32Array, graph: LoadedGraph['graph']): FillResult {
  const dims = vectors.length / texts.length;
  const paths = dataPaths(config);
  const store = new SqliteStore(paths.db, { synchronous: config.store.synchronous });
  const t0 = performance.now();
  const labels: number[] = [];
  let maxSeq = 0;
  let partitionKey = '';
  try {
    store.setMeta('embedder', modelId); // as service.checkModel records it on first use
    store.setMeta('dims', String(dims));
    store.setMeta('dtype', modelId.split('@').at(-1) ?? '');
    const now = Date.now();
    store.db.transaction(() => {
      texts.forEach((prompt, i) => {
        const key = requestKey({ namespace: NAMESPACE, model: MODEL, prompt });
        partitionKey = key.partitionKey;
        const embedding = vectors.subarray(i * dims, (i + 1) * dims);
        const { entry } = store.upsert({ ...key, response: `cached answer #${i}`, metadata: null, embedding, embedder: modelId, createdAt: now, expiresAt: null });
        // The graph's labels are positions + 1: only a fresh store hands out the same ids.
        if (entry.label !== i + 1) throw new Error(`entry ${i} got id ${entry.label}: the data dir was not empty`);
        labels.push(entry.label);
        maxSeq = Math.max(maxSeq, entry.seq);
      });
    })();
  } finally {
    store.close();
  }
  const t1 = performance.now();
  const index = new ShardedHnswIndex({ dims, m: config.index.m, efConstruction: config.index.ef_construction, ef: config.index.ef });
  index.install({ namespace: NAMESPACE, partitionKey }, graph, labels, maxSeq, true);
  saveIndex(index, { dir: paths.indexDir, embedder: modelId });
  return { entries: texts.length, sqliteSeconds: (t1 - t0) / 1000, indexSaveSeconds: (performance.now() - t1) / 1000 };
}

export interface ScaleLookups {
  entries: number;
  /** How openService found the index (loaded shards vs rebuilt), and its load time. */
  indexLoad: IndexLoadReport;
  /** Why the service had semantic lookups off (then every non-exact lookup is a miss without an embedding). */
  semanticDisabled: string | null;
  inProcess: Record<Kind, KindResult>;
  http: Record<Kind, KindResult>;
}

/** Opens the filled data dir in-process (as the service would) and measures lookups of each kind. */
export async function lookupsAt(config: Config, stored: readonly string[], n: number, log: Log): Promise<ScaleLookups> {
  const service = await openService(config);
  try {
    const probes = buildProbes(stored, n, WARMUP);
    log(`  in-process lookups at ${service.cache.stats().entries} entries`);
    const inProcess = await runKinds(probes, 0, n, WARMUP, (kind, slice) => lookupInProcess(service.cache, kind, slice, lookupOptions(config, service.cache.verifier, {}, undefined)));
    const app = buildApp({ config, cache: Ready.of(service.cache) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const client = new Client(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    try {
      log('  HTTP lookups');
      const http = await runKinds(probes, n + WARMUP, n, WARMUP, (kind, slice) => lookupHttp(client, kind, slice));
      return { entries: service.cache.stats().entries, indexLoad: service.indexLoad, semanticDisabled: service.semanticDisabled, inProcess, http };
    } finally {
      await client.close();
      await app.close();
    }
  } finally {
    await service.close();
  }
}

export interface StartupRun {
  /** Spawn to the first 200 from GET /readyz, ms. */
  readyMs: number;
  /** From the service's "index loaded" / "index rebuilt" log line. */
  loadedShards: number;
  rebuiltShards: number;
  indexLoadMs: number;
}

export interface StartupResult {
  entries: number;
  runs: StartupRun[];
  /** How dist/ was obtained: 'built', 'up to date', or why the existing build was kept. */
  dist: string;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    newest = Math.max(newest, name.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/ (npm run build) when it is missing or older than src/. */
export function ensureDist(repo: string, log: Log): string {
  const main = join(repo, 'dist', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(repo, 'src'))) return 'up to date';
  log('building dist/ (npm run build)');
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status === 0) return 'built';
  if (!existsSync(main)) throw new Error('npm run build failed and there is no dist/main.js');
  return `npm run build failed (exit ${r.status}): the existing, older dist/ was used`;
}

interface LogLine {
  msg?: string;
  index?: { loadedShards: number; rebuiltShards: number; ms: number };
}

/** One start: spawn, read the listening port and the index log line from stdout (pino JSON),
 * poll /readyz every 10 ms until 200, then SIGTERM and wait for the exit. */
async function startOnce(repo: string, dataDir: string, configFile: string): Promise<StartupRun> {
  const t0 = performance.now();
  const env = { ...process.env, DEJAVU_CONFIG: configFile, DEJAVU_DATA_DIR: dataDir, DEJAVU_PORT: '0', DEJAVU_LOG_LEVEL: 'info' };
  const child = spawn(process.execPath, [join(repo, 'dist', 'main.js')], { cwd: repo, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let port: number | undefined;
  let index: LogLine['index'];
  let indexSeen: () => void = () => undefined;
  const indexLogged = new Promise<void>((resolve) => {
    indexSeen = resolve;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const j = JSON.parse(line) as LogLine;
      const m = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(j.msg ?? '');
      if (m !== null) port ??= Number(m[1]);
      if (j.index !== undefined) {
        index = j.index;
        indexSeen();
      }
    } catch {
      // not a log line
    }
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`dist/main.js exited with code ${child.exitCode} before ready`);
      if (performance.now() - t0 > 120_000) throw new Error('not ready after 120 s');
      if (port !== undefined) {
        const res = await request(`http://127.0.0.1:${port}/readyz`).catch(() => null);
        await res?.body.dump();
        if (res?.statusCode === 200) break;
      }
      await new Promise((r) => setTimeout(r, 10)); // ms between polls: the resolution of readyMs
    }
    const readyMs = performance.now() - t0;
    // The line is written before the service is ready, but our end of the stdout pipe may not
    // have read it by the time /readyz answers: wait for it (bounded, ms).
    await Promise.race([indexLogged, new Promise((r) => setTimeout(r, 5_000))]);
    if (index === undefined) throw new Error('no index log line within 5 s of ready');
    return { readyMs, loadedShards: index.loadedShards, rebuiltShards: index.rebuiltShards, indexLoadMs: index.ms };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** Starts the built service `runs` times on the data dir (closed by the caller beforehand). */
export async function benchStartup(repo: string, config: Config, entries: number, runs: number, log: Log): Promise<StartupResult> {
  const dist = ensureDist(repo, log);
  // Same model and defaults as the bench's service; only the data dir and port come from the env.
  const configFile = join(config.data_dir, 'bench-config.json');
  writeFileSync(configFile, JSON.stringify({ embedder: { models_dir: config.embedder.models_dir } }));
  const out: StartupRun[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await startOnce(repo, config.data_dir, configFile);
    log(`  start ${i + 1}: ready in ${run.readyMs.toFixed(0)} ms (index: ${run.loadedShards} shard(s) loaded, ${run.rebuiltShards} rebuilt, ${run.indexLoadMs.toFixed(0)} ms)`);
    out.push(run);
  }
  return { entries, runs: out, dist };
}
