import type { Config } from '../config.js';
import { EmbedPool } from './pool.js';
import { MemoEmbedder } from './memo-embedder.js';
import { TransformersEmbedder } from './transformers-embedder.js';

/** onnxruntime intra-op threads of each worker's session: `threads` is the budget over all of them. */
export function threadsPerWorker(threads: number, workers: number): number {
  return Math.max(1, Math.floor(threads / Math.max(1, workers)));
}

/** The id (`model@dtype`) an embedder built from this config reports as its modelId. */
export function configuredModelId(config: Config): string {
  return `${config.embedder.model}@${config.embedder.dtype}`;
}

/** The embedder the config asks for: a worker pool (embedder.workers > 0) or the main thread's own
 * session, behind the memo of recent prompts either way. Close it with close(). */
export async function embedderFromConfig(config: Config): Promise<MemoEmbedder> {
  const e = config.embedder;
  const model = { modelsDir: e.models_dir, model: e.model, dtype: e.dtype };
  const inner =
    e.workers > 0
      ? await EmbedPool.start({ ...model, threads: threadsPerWorker(e.threads, e.workers), workers: e.workers, queueLimit: e.queue_limit })
      : await TransformersEmbedder.load({ ...model, threads: e.threads });
  return new MemoEmbedder(inner, e.memo_size);
}
