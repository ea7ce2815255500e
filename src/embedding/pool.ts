import type { Worker } from 'node:worker_threads';
import type { Embedder } from '../core/ports.js';
import { AppError, OverloadedError } from '../errors.js';
import { ModelWindow } from './model-window.js';
import type { EmbedWorkerMessage, EmbedWorkerRequest } from './pool-protocol.js';
import { spawnWorker, stopWorker, workerEntry, type WorkerEntry } from './pool-workers.js';
import type { TransformersEmbedderOptions } from './transformers-embedder.js';

export interface EmbedPoolOptions extends TransformersEmbedderOptions {
  /** Worker threads, each with its own onnxruntime session of `threads` intra-op threads. */
  workers: number;
  /** Jobs allowed to wait for a busy worker; one more is refused with OverloadedError (503). */
  queueLimit: number;
}

export interface EmbedPoolStats {
  /** Workers running or being replaced (`workers` of the options until close()). */
  workers: number;
  /** Workers loaded and able to take a job. */
  ready: number;
  busy: number;
  queued: number;
  embedded: number;
  /** Jobs refused because the queue was full. */
  rejected: number;
  /** Workers that died and were replaced. */
  respawns: number;
}

/** A worker died (or the pool closed) while the job was queued or running: transient, so 503
 * (the error handler adds Retry-After). */
export class EmbedWorkerError extends AppError {
  constructor(message: string) {
    super('embedder_unavailable', message, 503);
  }
}

interface Job {
  text: string;
  resolve: (v: Float32Array) => void;
  reject: (err: Error) => void;
}

/** A loaded worker. */
interface Slot {
  worker: Worker;
  /** The job the worker is running, with the id it was sent under. */
  job: { id: number; job: Job } | null;
}

/** Embeds on a pool of worker threads so the ~3 ms of onnxruntime work per prompt (and the
 * tokenising and pooling in JS around it) stays off the main thread's event loop.
 *
 * `fits()` stays synchronous: the tokenizer is loaded on the main thread too (no model weights).
 * embed() goes to an idle worker, else waits in a FIFO queue of at most `queueLimit` jobs; beyond
 * that it rejects at once with OverloadedError (503 + Retry-After) rather than letting latency and
 * memory grow without limit. Vectors come back as transferred buffers (no copy). A worker that
 * dies fails its running job with EmbedWorkerError and is replaced; the other workers and the
 * queued jobs carry on. Idle workers do not keep the process alive (busy ones do). */
export class EmbedPool implements Embedder {
  readonly modelId: string;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private embedded = 0;
  private rejected = 0;
  private respawns = 0;
  /** Consecutive respawned workers that failed to load (backs off the next attempt). */
  private failedRespawns = 0;
  /** Replacement workers still loading the model. */
  private readonly loading = new Set<Worker>();
  /** Workers that died and have no loaded replacement yet. */
  private replacing = 0;
  private readonly settledWaiters: Array<() => void> = [];

  private constructor(
    private readonly opts: EmbedPoolOptions,
    private readonly entry: WorkerEntry,
    private readonly window: ModelWindow,
    readonly dims: number,
  ) {
    this.modelId = `${opts.model}@${opts.dtype}`;
  }

  /** Loads the tokenizer here and the model in every worker; resolves once all workers are ready.
   * Throws (and stops the workers) when any worker fails to load. */
  static async start(opts: EmbedPoolOptions): Promise<EmbedPool> {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new Error(`EmbedPool needs at least one worker (got ${opts.workers})`);
    const starting: Array<{ worker: Worker; ready: Promise<number> }> = [];
    const entry = workerEntry();
    for (let i = 0; i < opts.workers; i++) starting.push(spawnWorker(entry, opts));
    // The tokenizer loads here while the workers load the model (a second or more), not before.
    const windowLoad = ModelWindow.load(opts);
    const [window, ...settled] = await Promise.allSettled([windowLoad, ...starting.map((s) => s.ready)]);
    const failed = [window, ...settled].find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(starting.map((s) => stopWorker(s.worker)));
      throw failed.reason as Error;
    }
    const dims = (settled[0] as PromiseFulfilledResult<number>).value;
    const pool = new EmbedPool(opts, entry, (window as PromiseFulfilledResult<ModelWindow>).value, dims);
    for (const s of starting) pool.adopt(s.worker);
    return pool;
  }

  fits(text: string): boolean {
    return this.window.fits(text);
  }

  embed(text: string): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new EmbedWorkerError('embedding pool is closed'));
    return new Promise<Float32Array>((resolve, reject) => {
      const job: Job = { text, resolve, reject };
      const idle = this.slots.find((s) => s.job === null);
      if (idle !== undefined) return this.run(idle, job);
      if (this.queue.length >= this.opts.queueLimit) {
        this.rejected += 1;
        return reject(new OverloadedError(`embedding queue is full (${this.opts.queueLimit} waiting): retry shortly`));
      }
      this.queue.push(job);
    });
  }

  stats(): EmbedPoolStats {
    return {
      workers: this.slots.length + this.replacing,
      ready: this.slots.length,
      busy: this.slots.filter((s) => s.job !== null).length,
      queued: this.queue.length,
      embedded: this.embedded,
      rejected: this.rejected,
      respawns: this.respawns,
    };
  }

  /** Resolves once every dead worker has a loaded replacement (now, when none died). */
  settled(): Promise<void> {
    if (this.replacing === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** The loaded worker threads (diagnostics and tests). */
  get threads(): readonly Worker[] {
    return this.slots.map((s) => s.worker);
  }

  /** Fails queued and running jobs with EmbedWorkerError and stops every worker (each exits at
   * the end of its current onnxruntime call); idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const gone = new EmbedWorkerError('embedding pool is closed');
    for (const job of this.queue.splice(0)) job.reject(gone);
    const workers = this.slots.map((s) => {
      s.job?.job.reject(gone);
      s.job = null;
      return s.worker;
    });
    this.slots.length = 0;
    this.replacing = 0;
    workers.push(...this.loading);
    this.loading.clear();
    for (const wake of this.settledWaiters.splice(0)) wake();
    await Promise.all(workers.map((w) => stopWorker(w)));
  }

  private run(slot: Slot, job: Job): void {
    const id = this.nextId++;
    slot.job = { id, job };
    slot.worker.ref();
    slot.worker.postMessage({ type: 'embed', id, text: job.text } satisfies EmbedWorkerRequest);
  }

  /** Gives the next queued job to `slot` when it is free, else lets it stop holding the process open. */
  private pump(slot: Slot): void {
    if (this.closed || slot.job !== null) return;
    const next = this.queue.shift();
    if (next !== undefined) this.run(slot, next);
    else slot.worker.unref();
  }

  /** Wires a loaded worker into the pool. */
  private adopt(worker: Worker): Slot {
    const slot: Slot = { worker, job: null };
    this.slots.push(slot);
    worker.on('message', (msg: EmbedWorkerMessage) => this.onMessage(slot, msg));
    worker.once('exit', (code) => this.onExit(slot, code));
    this.pump(slot);
    return slot;
  }

  private onMessage(slot: Slot, msg: EmbedWorkerMessage): void {
    if (msg.type !== 'result' && msg.type !== 'error') return;
    const running = slot.job;
    if (running === null || running.id !== msg.id) return; // cancelled by close()
    slot.job = null;
    if (msg.type === 'result') {
      this.embedded += 1;
      running.job.resolve(msg.vector);
    } else {
      running.job.reject(new Error(`embedding failed: ${msg.message}`));
    }
    this.pump(slot);
  }

  private onExit(slot: Slot, code: number): void {
    const at = this.slots.indexOf(slot);
    if (this.closed || at < 0) return;
    this.slots.splice(at, 1);
    slot.job?.job.reject(new EmbedWorkerError(`embedding worker exited (code ${code}) while embedding`));
    slot.job = null;
    this.respawns += 1;
    this.replacing += 1;
    this.replace();
  }

  /** Starts a replacement worker; one that fails to load is retried with backoff, and while no
   * worker is left the queued jobs fail instead of waiting. */
  private replace(): void {
    if (this.closed) return;
    const { worker, ready } = spawnWorker(this.entry, this.opts);
    this.loading.add(worker);
    ready.then(
      () => {
        this.loading.delete(worker);
        if (this.closed) {
          void stopWorker(worker);
          return;
        }
        this.failedRespawns = 0;
        this.replacing -= 1;
        this.adopt(worker);
        if (this.replacing === 0) for (const wake of this.settledWaiters.splice(0)) wake();
      },
      (err: unknown) => {
        this.loading.delete(worker);
        void stopWorker(worker);
        if (this.closed) return;
        if (this.slots.length === 0) {
          const fail = new EmbedWorkerError(`no embedding worker is running: ${(err as Error).message}`);
          for (const job of this.queue.splice(0)) job.reject(fail);
        }
        this.failedRespawns += 1;
        const delay = Math.min(30_000, 100 * 2 ** this.failedRespawns);
        setTimeout(() => this.replace(), delay).unref();
      },
    );
  }
}
