import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import type { TransformersEmbedderOptions } from './transformers-embedder.js';

/** Checks the model's weights are installed and points transformers.js at them, offline only.
 * Returns the models root. Throws with the install command when files are missing. */
export function prepareOfflineModel(opts: Pick<TransformersEmbedderOptions, 'modelsDir' | 'model' | 'dtype'>): string {
  const root = resolve(opts.modelsDir);
  const suffix = opts.dtype === 'fp32' ? '' : `_${opts.dtype}`;
  const weights = join(root, opts.model, 'onnx', `model${suffix}.onnx`);
  if (!existsSync(weights)) {
    throw new Error(`model file ${weights} not found: run "npm install" (or "node scripts/install-model.mjs") to fetch it`);
  }
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${root}/`;
  return root;
}

/** Whether `text` fits `maxTokens` (special tokens included) without truncation. */
export function fitsWindow(tokenizer: PreTrainedTokenizer, maxTokens: number, text: string): boolean {
  // Every WordPiece token covers at least one character, so short texts need no tokenising.
  if (text.length <= (maxTokens - 2) / 2) return true;
  return tokenizer.encode(text).length <= maxTokens;
}

/** The model's input window, checked on the calling thread with the model's own tokenizer (no
 * onnxruntime session): what `Embedder.fits` needs when the model itself runs elsewhere. Same rule
 * as TransformersEmbedder.fits. */
export class ModelWindow {
  private constructor(
    private readonly tokenizer: PreTrainedTokenizer,
    /** Input window in tokens, special tokens included. */
    readonly maxTokens: number,
  ) {}

  /** Loads the tokenizer files from disk; never downloads. Throws with the install command when
   * the model's weights are missing (the workers would fail the same way, later). */
  static async load(opts: Pick<TransformersEmbedderOptions, 'modelsDir' | 'model' | 'dtype'>): Promise<ModelWindow> {
    prepareOfflineModel(opts);
    const tokenizer = await AutoTokenizer.from_pretrained(opts.model, { local_files_only: true });
    return new ModelWindow(tokenizer, tokenizer.model_max_length);
  }

  fits(text: string): boolean {
    return fitsWindow(this.tokenizer, this.maxTokens, text);
  }
}
