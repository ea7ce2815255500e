import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from './config.js';
import { systemClock, type Clock, type Embedder, type Verifier } from './core/ports.js';
import { SemanticCache } from './core/semantic-cache.js';
import { DEFAULT_HIT_BATCH } from './core/hit-batch.js';
import { configuredModelId, embedderFromConfig } from './embedding/from-config.js';
import { ShardedHnswIndex } from './index/hnsw-index.js';
import { loadIndex, saveIndex, savedIndexDims, type IndexLoadReport } from './index/persistence.js';
import { lockDataDir } from './store/dir-lock.js';
import { SqliteStore } from './store/sqlite-store.js';
import { sweep, type SweepReport } from './maintenance.js';
import { IndexJobs } from './index-jobs.js';
import { loadVerifier } from './verifier/index.js';
import { AdminQueries } from './store/admin-queries.js';

export interface ServiceOptions {
  clock?: Clock;
  /** Use this embedder instead of loading one from config (tests share one loaded model). */
  embedder?: Embedder;
  /** Called with the duration of every embedding, seconds (metrics). */
  onEmbed?: (seconds: number) => void;
  /** Use this hit verifier (null: none) instead of loading cache.verifier_path. */
  verifier?: Verifier | null;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** The wired-up cache over its durable parts, with save/close for the process owner. */
interface ServiceParts {
  config: Config;
  cache: SemanticCache;
  store: SqliteStore;
  index: ShardedHnswIndex;
  embedder: Embedder;
  indexLoad: IndexLoadReport;
  indexDir: string;
  clock: Clock;
  ownsEmbedder: boolean;
  log: ServiceOptions['log'];
  unlock: () => void;
}

export class Service {
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  readonly cache: SemanticCache;
  readonly store: SqliteStore;
  readonly embedder: Embedder;
  readonly indexLoad: IndexLoadReport;
  /** Index rebuild / re-embed jobs over this data dir. */
  readonly jobs: IndexJobs;
  /** Admin listing / purge queries over the store. */
  readonly admin: AdminQueries;

  constructor(private readonly parts: ServiceParts) {
    ({ cache: this.cache, store: this.store, embedder: this.embedder, indexLoad: this.indexLoad } = parts);
    this.admin = new AdminQueries(parts.store.db);
    this.jobs = new IndexJobs({
      store: parts.store,
      cache: parts.cache,
      embedder: parts.embedder,
      params: parts.index.params,
      indexDir: parts.indexDir,
      onSwap: (index) => {
        this.parts.index = index;
      },
      log: parts.log,
    });
  }

  /** The index currently serving (a rebuild job swaps in a new one). */
  get index(): ShardedHnswIndex {
    return this.parts.index;
  }

  /** Why semantic lookups are off, with the command that fixes it; null when they are on. */
  get semanticDisabled(): string | null {
    return this.cache.semanticDisabled;
  }

  saveIndex(): { written: number } {
    return saveIndex(this.index, { dir: this.parts.indexDir, embedder: this.embedder.modelId });
  }

  /** Expired entries out, max_entries enforced, bloated shards compacted (see maintenance.ts). */
  sweep(): SweepReport {
    const { config, clock } = this.parts;
    return sweep({
      cache: this.cache,
      store: this.store,
      index: this.index,
      embedderId: this.embedder.modelId,
      clock,
      maxEntries: config.cache.max_entries,
      compactDeletedFraction: config.index.compact_deleted_fraction,
    });
  }

  private every(seconds: number, what: string, fn: () => unknown): void {
    if (seconds <= 0) return;
    const timer = setInterval(() => {
      try {
        fn();
      } catch (err) {
        this.parts.log?.error({ err }, `periodic ${what} failed`);
      }
    }, seconds * 1000);
    timer.unref(); // never keeps the process alive
    this.timers.push(timer);
  }

  /** Periodic index saves, sweeps (as configured) and hit-statistics flushes. */
  startTimers(): void {
    const { config, log } = this.parts;
    // Hits are batched in memory (core/hit-batch.ts); this bounds how stale SQLite's hit_count /
    // last_hit_at (admin listing) get while no lookups arrive. A SIGKILL loses at most this much.
    this.every(DEFAULT_HIT_BATCH.maxAgeMs / 1000, 'hit statistics flush', () => this.cache.flushHits());
    this.every(config.index.save_interval_seconds, 'index save', () => this.saveIndex());
    this.every(config.cache.sweep_interval_seconds, 'sweep', () => {
      const r = this.sweep();
      if (r.expired + r.evicted + r.compactedShards > 0) log?.info({ sweep: r }, 'sweep removed entries');
    });
  }

  /** Writes the batched hit statistics, saves the index and closes the database; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    try {
      try {
        this.cache.flushHits();
      } catch (err) {
        this.parts.log?.error({ err }, 'hit statistics flush failed at close');
      }
      this.saveIndex();
    } finally {
      this.store.close();
      this.parts.unlock();
      if (this.parts.ownsEmbedder) await closeEmbedder(this.embedder);
    }
  }
}

/** Records the model on first use; returns why semantic lookups must stay off when the stored
 * entries were embedded by another model (vectors of two models are never mixed), else null. */
function checkModel(store: SqliteStore, embedder: Embedder): string | null {
  const recorded = store.getMeta('embedder');
  if (recorded === embedder.modelId) return null;
  if (recorded === undefined || store.count() === 0) {
    store.setMeta('embedder', embedder.modelId);
    store.setMeta('dims', String(embedder.dims));
    store.setMeta('dtype', embedder.modelId.split('@').at(-1) ?? '');
    return null;
  }
  return `entries were embedded with ${recorded} but the configured model is ${embedder.modelId}: semantic lookups are off until "npm run rebuild-index -- --reembed" finishes (or set embedder.on_model_change to "reembed")`;
}

export function dataPaths(config: Config): { db: string; indexDir: string; lock: string } {
  const dir = resolve(config.data_dir);
  return { db: join(dir, 'dejavu.sqlite'), indexDir: join(dir, 'index'), lock: join(dir, 'dejavu.lock') };
}

export async function openService(config: Config, opts: ServiceOptions = {}): Promise<Service> {
  const paths = dataPaths(config);
  mkdirSync(paths.indexDir, { recursive: true });
  const unlock = lockDataDir(paths.lock);
  try {
    return await openLocked(config, opts, paths, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

/** Stops an embedder this service built (worker pool, onnxruntime session). */
async function closeEmbedder(embedder: Embedder): Promise<void> {
  await (embedder as Embedder & { close?: () => Promise<void> }).close?.();
}

/** The trained hit verifier when the config asks for it. A missing weights file means cosine
 * decides (logged); weights that cannot be used turn semantic lookups off (`problem`) rather than
 * silently serving on cosine alone or refusing to start. */
async function configuredVerifier(config: Config, log: ServiceOptions['log']): Promise<{ verifier?: Verifier; problem?: string }> {
  if (config.cache.decision !== 'verifier') return {};
  const path = resolve(config.cache.verifier_path);
  if (!existsSync(path)) {
    log?.warn({ path }, 'verifier weights not found: semantic hits are decided by the cosine threshold alone');
    return {};
  }
  try {
    return { verifier: await loadVerifier(path) };
  } catch (err) {
    return { problem: `verifier weights ${path} are unusable (${(err as Error).message}): semantic lookups are off; fix the file or set cache.decision to "cosine"` };
  }
}

/** A calibrated score belongs to one verifier: applied to another it would serve at an unknown
 * error rate, so semantic lookups stay off instead (like unusable weights). */
export function calibrationProblem(config: Config, verifier: Verifier): string | undefined {
  const cal = config.cache.verifier_calibration;
  if (cal === undefined || cal.verifier === verifier.id) return undefined;
  return `cache.verifier_calibration was measured with ${cal.verifier} but the loaded verifier is ${verifier.id}: semantic lookups are off; measure again (npm run eval -- --pairs FILE.tsv --calibrate RATE) or remove cache.verifier_calibration`;
}

/** The saved index of the model the config names, opened before the embedder has loaded (each
 * takes over a second at 100,000 entries, and the workers load on other threads). Null when no
 * index was saved for that model, or when opening it failed: the caller then opens the index
 * once the embedder is up, as without this head start. */
function earlyIndex(config: Config, store: SqliteStore, indexDir: string): OpenedIndex | null {
  const modelId = configuredModelId(config);
  const dims = savedIndexDims(indexDir, modelId);
  if (dims === null) return null;
  try {
    return openIndex(config, store, indexDir, modelId, dims);
  } catch {
    return null;
  }
}

interface OpenedIndex {
  index: ShardedHnswIndex;
  report: IndexLoadReport;
  modelId: string;
  dims: number;
}

function openIndex(config: Config, store: SqliteStore, indexDir: string, modelId: string, dims: number): OpenedIndex {
  const index = new ShardedHnswIndex({ dims, m: config.index.m, efConstruction: config.index.ef_construction, ef: config.index.ef });
  return { index, report: loadIndex(index, store, { dir: indexDir, embedder: modelId }), modelId, dims };
}

async function openLocked(config: Config, opts: ServiceOptions, paths: ReturnType<typeof dataPaths>, unlock: () => void): Promise<Service> {
  // Worker pool or main-thread session per config.embedder.workers, behind the memo of recent
  // prompts. Awaited only after the saved index and the verifier have loaded on this thread.
  const pending = opts.embedder !== undefined ? Promise.resolve(opts.embedder) : embedderFromConfig(config);
  pending.catch(() => undefined); // rethrown where awaited; no unhandled rejection meanwhile
  let store: SqliteStore | undefined;
  let embedder: Embedder | undefined;
  try {
    store = new SqliteStore(paths.db, { synchronous: config.store.synchronous });
    const early = earlyIndex(config, store, paths.indexDir);
    const loaded = opts.verifier !== undefined ? { verifier: opts.verifier ?? undefined } : await configuredVerifier(config, opts.log);
    embedder = await pending;
    const mismatch = checkModel(store, embedder);
    // The embedder has the last word on model and dims (an injected one may differ from the config).
    const { index, report } =
      early !== null && early.modelId === embedder.modelId && early.dims === embedder.dims ? early : openIndex(config, store, paths.indexDir, embedder.modelId, embedder.dims);
    opts.log?.info({ index: report }, report.rebuiltShards > 0 ? 'index rebuilt from the database' : 'index loaded');
    const clock = opts.clock ?? systemClock;
    const verifier = loaded.verifier;
    // Checked here for a given verifier and a loaded one alike.
    const problem = loaded.problem ?? (verifier === undefined ? undefined : calibrationProblem(config, verifier));
    const cache = new SemanticCache({ store, index, embedder, clock, candidates: config.cache.candidates, ledger: store, onEmbed: opts.onEmbed, verifier });
    const service = new Service({
      config, cache, store, index, embedder, indexLoad: report, indexDir: paths.indexDir, clock,
      ownsEmbedder: opts.embedder === undefined, log: opts.log, unlock,
    });
    if (report.rebuiltShards > 0) service.saveIndex();
    if (problem !== undefined) {
      cache.setSemanticDisabled('verifier', problem);
      opts.log?.error({ reason: problem }, 'semantic lookups disabled');
    } else if (verifier !== undefined && config.cache.verifier_calibration !== undefined) {
      opts.log?.info({ verifier: verifier.id, min_score: config.cache.verifier_calibration.min_score }, 'verifier threshold from cache.verifier_calibration');
    }
    if (mismatch !== null) {
      cache.setSemanticDisabled('model', mismatch);
      if (config.embedder.on_model_change === 'reembed') {
        opts.log?.warn({ reason: mismatch }, 'embedding model changed: re-embedding in the background; exact hits still served');
        void service.jobs.start(true).done;
      } else {
        opts.log?.warn({ reason: mismatch }, 'embedding model changed: semantic lookups disabled');
      }
    }
    return service;
  } catch (err) {
    store?.close();
    if (opts.embedder === undefined) {
      const started = embedder ?? (await pending.catch(() => undefined));
      if (started !== undefined) await closeEmbedder(started);
    }
    throw err;
  }
}
