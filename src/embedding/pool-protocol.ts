// Messages between EmbedPool (main thread) and embed-worker (one per worker thread).
import type { TransformersEmbedderOptions } from './transformers-embedder.js';

/** `workerData` of an embed worker: the model to load and its onnxruntime intra-op threads. */
export type EmbedWorkerInit = TransformersEmbedderOptions;

/** To a worker: one text to embed (the worker answers with the same id; it gets one job at a
 * time), or exit now with `code`. Exiting from the worker's own JS always happens between two
 * onnxruntime calls; Worker.terminate() does not, and terminating a worker inside a native
 * onnxruntime call aborts the whole process ("terminate called after throwing an instance of
 * 'Napi::Error'"), so the pool stops workers with this message. */
export type EmbedWorkerRequest = { type: 'embed'; id: number; text: string } | { type: 'exit'; code: number };

export type EmbedWorkerMessage =
  /** The model loaded; `dims` from its probe embedding. */
  | { type: 'ready'; modelId: string; dims: number }
  /** The model could not be loaded; the worker then exits. */
  | { type: 'load_failed'; message: string }
  /** `vector`'s buffer is transferred, not copied. */
  | { type: 'result'; id: number; vector: Float32Array }
  | { type: 'error'; id: number; message: string };
