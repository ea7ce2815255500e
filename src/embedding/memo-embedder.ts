import type { Embedder } from '../core/ports.js';
import { Lru } from '../util/lru.js';

export interface MemoStats {
  /** Texts whose vector is held. */
  size: number;
  capacity: number;
  /** Answered from the memo. */
  hits: number;
  /** Joined an embedding of the same text already in flight. */
  shared: number;
  /** Sent to the inner embedder (each text once while it stays in the memo). */
  misses: number;
}

/** Remembers the vectors of the last `capacity` texts (least recently used go first) in front of
 * any Embedder, and lets concurrent calls for one text share a single embedding: a repeated text
 * is never embedded twice while it is remembered. Keys are the exact texts passed to embed();
 * callers pass normalised prompts (normalizePrompt), so equal prompts share an entry.
 * Failed embeddings are not remembered. Every caller gets its own copy of the vector. */
export class MemoEmbedder implements Embedder {
  private readonly lru: Lru<string, Float32Array>;
  private readonly inflight = new Map<string, Promise<Float32Array>>();
  private hits = 0;
  private shared = 0;
  private misses = 0;

  constructor(
    readonly inner: Embedder,
    readonly capacity: number,
  ) {
    this.lru = new Lru(capacity);
  }

  get modelId(): string {
    return this.inner.modelId;
  }

  get dims(): number {
    return this.inner.dims;
  }

  fits(text: string): boolean {
    return this.inner.fits(text);
  }

  embed(text: string): Promise<Float32Array> {
    const known = this.lru.get(text);
    if (known !== undefined) {
      this.hits += 1;
      return Promise.resolve(known.slice());
    }
    let pending = this.inflight.get(text);
    if (pending !== undefined) {
      this.shared += 1;
    } else {
      this.misses += 1;
      pending = this.embedOnce(text);
      this.inflight.set(text, pending);
    }
    return pending.then((v) => v.slice());
  }

  private async embedOnce(text: string): Promise<Float32Array> {
    try {
      const v = await this.inner.embed(text);
      if (this.capacity > 0) this.lru.set(text, v);
      return v;
    } finally {
      this.inflight.delete(text);
    }
  }

  stats(): MemoStats {
    return { size: this.lru.size, capacity: this.capacity, hits: this.hits, shared: this.shared, misses: this.misses };
  }

  /** Forgets every remembered vector (in-flight embeddings still complete). */
  clear(): void {
    this.lru.clear();
  }

  /** Closes the inner embedder when it can be closed. */
  async close(): Promise<void> {
    await (this.inner as Partial<Closable>).close?.();
  }
}

interface Closable {
  close(): Promise<void>;
}
