import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from './config.js';
import { systemClock, type Clock, type Embedder } from './core/ports.js';
import { SemanticCache } from './core/semantic-cache.js';
import { TransformersEmbedder } from './embedding/transformers-embedder.js';
import { ShardedHnswIndex } from './index/hnsw-index.js';
import { loadIndex, saveIndex, type IndexLoadReport } from './index/persistence.js';
import { lockDataDir } from './store/dir-lock.js';
import { SqliteStore } from './store/sqlite-store.js';

export interface ServiceOptions {
  clock?: Clock;
  /** Use this embedder instead of loading one from config (tests share one loaded model). */
  embedder?: Embedder;
  /** Called with the duration of every embedding, seconds (metrics). */
  onEmbed?: (seconds: number) => void;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** The wired-up cache over its durable parts, with save/close for the process owner. */
export class Service {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly cache: SemanticCache,
    readonly store: SqliteStore,
    readonly index: ShardedHnswIndex,
    readonly embedder: Embedder,
    readonly indexLoad: IndexLoadReport,
    private readonly indexDir: string,
    private readonly ownsEmbedder: boolean,
    private readonly log: ServiceOptions['log'],
    private readonly unlock: () => void,
  ) {}

  saveIndex(): { written: number } {
    return saveIndex(this.index, { dir: this.indexDir, embedder: this.embedder.modelId });
  }

  /** Saves dirty shards every `seconds` (0 = never). The timer does not keep the process alive. */
  startAutosave(seconds: number): void {
    if (seconds <= 0) return;
    this.timer = setInterval(() => {
      try {
        this.saveIndex();
      } catch (err) {
        this.log?.error({ err }, 'periodic index save failed');
      }
    }, seconds * 1000);
    this.timer.unref();
  }

  /** Saves the index and closes the database; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    try {
      this.saveIndex();
    } finally {
      this.store.close();
      this.unlock();
      if (this.ownsEmbedder) await (this.embedder as TransformersEmbedder).close();
    }
  }
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

async function openLocked(config: Config, opts: ServiceOptions, paths: ReturnType<typeof dataPaths>, unlock: () => void): Promise<Service> {
  const embedder =
    opts.embedder ??
    (await TransformersEmbedder.load({
      modelsDir: config.embedder.models_dir,
      model: config.embedder.model,
      dtype: config.embedder.dtype,
      threads: config.embedder.threads,
    }));
  const store = new SqliteStore(paths.db, { synchronous: config.store.synchronous });
  try {
    store.setMeta('embedder', embedder.modelId);
    store.setMeta('dims', String(embedder.dims));
    const index = new ShardedHnswIndex({
      dims: embedder.dims,
      m: config.index.m,
      efConstruction: config.index.ef_construction,
      ef: config.index.ef,
    });
    const report = loadIndex(index, store, { dir: paths.indexDir, embedder: embedder.modelId });
    opts.log?.info({ index: report }, report.rebuiltShards > 0 ? 'index rebuilt from the database' : 'index loaded');
    const cache = new SemanticCache({ store, index, embedder, clock: opts.clock ?? systemClock, candidates: config.cache.candidates, ledger: store, onEmbed: opts.onEmbed });
    const service = new Service(cache, store, index, embedder, report, paths.indexDir, opts.embedder === undefined, opts.log, unlock);
    if (report.rebuiltShards > 0) service.saveIndex();
    return service;
  } catch (err) {
    store.close();
    throw err;
  }
}
