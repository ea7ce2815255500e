import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Embedder } from './core/ports.js';
import { normalizePrompt } from './core/request-key.js';
import type { SemanticCache } from './core/semantic-cache.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, OverloadedError } from './errors.js';
import { shardId, ShardedHnswIndex, type HnswParams } from './index/hnsw-index.js';
import { rebuildShard, replaceIndexDir } from './index/persistence.js';
import { applyCheckpoints, countCheckpointed, countPending, pendingBatch, saveBatch } from './store/reembed-queries.js';
import type { SqliteStore } from './store/sqlite-store.js';

export interface JobStatus {
  id: number;
  reembed: boolean;
  phase: 'reembed' | 'build' | 'done' | 'failed';
  /** Entries re-embedded (reembed phase) or shards built (build phase), of `total`. */
  done: number;
  total: number;
  /** Entries found already checkpointed by an interrupted earlier run. */
  resumed: number;
  rate_per_s: number;
  eta_seconds: number | null;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

export interface JobParts {
  store: SqliteStore;
  cache: SemanticCache;
  embedder: Embedder;
  params: HnswParams;
  indexDir: string;
  /** Called with the new index once it serves (the service keeps a reference). */
  onSwap: (index: ShardedHnswIndex) => void;
  log?: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** A background job yields to live traffic: when the embedder sheds load it waits and retries. */
async function embedPatiently(embedder: Embedder, text: string): Promise<Float32Array> {
  for (let wait = 50; ; wait = Math.min(wait * 2, 2000)) {
    try {
      return await embedder.embed(text);
    } catch (err) {
      if (!(err instanceof OverloadedError)) throw err;
      await sleep(wait); // ms
    }
  }
}

export class JobConflictError extends AppError {
  constructor() {
    super('job_running', 'an index rebuild is already running', 409);
  }
}

/** Index rebuild and re-embedding, run inside the process that owns the data dir (the service,
 * or the CLI when the service is stopped): one writer per data dir, enforced by the dir lock. */
export class IndexJobs {
  private status: JobStatus | null = null;
  private running: Promise<JobStatus> | null = null;
  private nextId = 1;

  constructor(private readonly parts: JobParts) {}

  /** Resolves with the running job's final status (null when none is running). */
  whenIdle(): Promise<JobStatus | null> {
    return this.running ?? Promise.resolve(null);
  }

  current(): JobStatus | null {
    return this.status === null ? null : { ...this.status };
  }

  /** Starts a job in the background; `onProgress` sees every update. */
  start(reembed: boolean, batch = 64, onProgress?: (s: JobStatus) => void): { status: JobStatus; done: Promise<JobStatus> } {
    if (this.running !== null) throw new JobConflictError();
    const status: JobStatus = {
      id: this.nextId++, reembed, phase: reembed ? 'reembed' : 'build', done: 0, total: 0, resumed: 0,
      rate_per_s: 0, eta_seconds: null, started_at: new Date().toISOString(), finished_at: null, error: null,
    };
    this.status = status;
    const done = this.run(status, batch, onProgress ?? (() => {})).finally(() => {
      this.running = null;
    });
    this.running = done;
    return { status: { ...status }, done };
  }

  private async run(s: JobStatus, batch: number, onProgress: (s: JobStatus) => void): Promise<JobStatus> {
    const t0 = performance.now();
    const tick = (): void => {
      const secs = (performance.now() - t0) / 1000;
      s.rate_per_s = secs > 0 ? Math.round(((s.done - (s.phase === 'reembed' ? s.resumed : 0)) / secs) * 10) / 10 : 0;
      s.eta_seconds = s.rate_per_s > 0 ? Math.round((s.total - s.done) / s.rate_per_s) : null;
      onProgress({ ...s });
    };
    try {
      if (s.reembed) await this.reembedAll(s, batch, tick);
      await this.build(s, tick);
      s.phase = 'done';
    } catch (err) {
      s.phase = 'failed';
      s.error = (err as Error).message;
      this.parts.log?.error({ err }, 'index job failed');
    }
    s.finished_at = new Date().toISOString();
    tick();
    return { ...s };
  }

  /** Embeds every entry not yet embedded with the configured model, checkpointing each batch. */
  private async reembedAll(s: JobStatus, batch: number, tick: () => void): Promise<void> {
    const { store, embedder } = this.parts;
    const target = embedder.modelId;
    for (let pass = 0; pass < 3; pass++) {
      s.resumed = countCheckpointed(store.db, target);
      s.total = s.resumed + countPending(store.db, target);
      s.done = s.resumed;
      for (let rows = pendingBatch(store.db, target, 0, batch); rows.length > 0; rows = pendingBatch(store.db, target, rows.at(-1)!.id, batch)) {
        const out: Array<{ id: number; seq: number; embedding: Buffer | null }> = [];
        for (const r of rows) {
          const text = normalizePrompt(r.prompt);
          const v = embedder.fits(text) ? await embedPatiently(embedder, text) : null;
          out.push({ id: r.id, seq: r.seq, embedding: v === null ? null : Buffer.from(v.buffer, v.byteOffset, v.byteLength) });
        }
        saveBatch(store.db, target, out);
        s.done += rows.length;
        tick();
      }
      if (applyCheckpoints(store.db, target, embedder.dims) === 0) return;
    }
    throw new Error('entries kept changing under the re-embed: run it again');
  }

  /** Builds a fresh index from SQLite shard by shard (yielding between shards), catches up with
   * writes made meanwhile, swaps it in and writes it beside the old files before swapping those. */
  private async build(s: JobStatus, tick: () => void): Promise<void> {
    const { store, cache, embedder, params } = this.parts;
    s.phase = 'build';
    const index = new ShardedHnswIndex(params);
    const stamps = store.shardStamps(embedder.modelId);
    s.total = stamps.length;
    s.done = 0;
    for (const stamp of stamps) {
      rebuildShard(index, store, stamp, embedder.modelId);
      s.done += 1;
      tick();
      await yieldToLoop();
    }
    // Synchronous from here: no request can interleave between the catch-up and the swap.
    const current = new Set<string>();
    for (const stamp of store.shardStamps(embedder.modelId)) {
      const id = shardId(stamp);
      current.add(id);
      const shard = index.getShard(id);
      if (shard === undefined || shard.live.size !== stamp.count || shard.maxSeq !== stamp.maxSeq) rebuildShard(index, store, stamp, embedder.modelId);
    }
    for (const shard of [...index.allShards()]) if (!current.has(shard.id)) index.dropShard(shard.id);
    cache.swapIndex(index);
    this.parts.onSwap(index);
    if (store.getMeta('embedder') === embedder.modelId) cache.setSemanticDisabled('model', null);
    replaceIndexDir(index, { dir: this.parts.indexDir, embedder: embedder.modelId });
    this.parts.log?.info({ shards: stamps.length }, 'index rebuilt and swapped in');
  }
}
