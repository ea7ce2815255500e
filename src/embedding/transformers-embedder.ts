import { pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import type { Embedder } from '../core/ports.js';
import { fitsWindow, prepareOfflineModel } from './model-window.js';

export interface TransformersEmbedderOptions {
  /** Root folder holding `<model>/` with config, tokenizer and `onnx/model_<dtype>.onnx`. */
  modelsDir: string;
  model: string;
  dtype: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';
  /** onnxruntime intra-op threads. */
  threads: number;
}

/** Sentence embeddings with transformers.js: mean pooling, L2-normalised, fully offline. */
export class TransformersEmbedder implements Embedder {
  readonly modelId: string;
  /** Model input window in tokens, special tokens included. */
  readonly maxTokens: number;
  private constructor(
    private readonly extractor: FeatureExtractionPipeline,
    readonly dims: number,
    opts: TransformersEmbedderOptions,
  ) {
    this.modelId = `${opts.model}@${opts.dtype}`;
    this.maxTokens = extractor.tokenizer.model_max_length;
  }

  fits(text: string): boolean {
    return fitsWindow(this.extractor.tokenizer, this.maxTokens, text);
  }

  /** Loads the model from disk; never downloads. Throws with the install command when files are missing. */
  static async load(opts: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    prepareOfflineModel(opts);
    const extractor = (await pipeline('feature-extraction', opts.model, {
      dtype: opts.dtype,
      local_files_only: true,
      session_options: { intraOpNumThreads: opts.threads, interOpNumThreads: 1 },
    })) as FeatureExtractionPipeline;
    const probe = await extractor('dimension probe', { pooling: 'mean', normalize: true });
    const dims = probe.dims[probe.dims.length - 1] as number;
    return new TransformersEmbedder(extractor, dims, opts);
  }

  async embed(text: string): Promise<Float32Array> {
    const out = await this.extractor(text, { pooling: 'mean', normalize: true });
    const data = out.data as Float32Array;
    // Own copy: the tensor's buffer belongs to onnxruntime.
    return new Float32Array(data.subarray(0, this.dims));
  }

  async close(): Promise<void> {
    await this.extractor.dispose();
  }
}
