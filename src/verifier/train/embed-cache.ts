import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Embedder } from '../../core/ports.js';

const KEY_BYTES = 16;

function keyOf(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, KEY_BYTES * 2);
}

/** Append-only on-disk cache of sentence embeddings keyed by text hash, so reruns of the
 * training script skip the (slow) model. Record = 16-byte key + dims float32. A torn last
 * record (interrupted run) is ignored. */
export class EmbeddingCache {
  private readonly map = new Map<string, Float32Array>();
  private fd: number | null = null;

  constructor(
    readonly path: string,
    readonly dims: number,
  ) {
    if (existsSync(path)) {
      const buf = readFileSync(path);
      const rec = KEY_BYTES + dims * 4;
      const n = Math.floor(buf.length / rec);
      for (let i = 0; i < n; i++) {
        const off = i * rec;
        const key = buf.subarray(off, off + KEY_BYTES).toString('hex');
        const vec = new Float32Array(dims);
        const body = buf.subarray(off + KEY_BYTES, off + rec);
        for (let j = 0; j < dims; j++) vec[j] = body.readFloatLE(j * 4);
        this.map.set(key, vec);
      }
    }
  }

  get size(): number {
    return this.map.size;
  }

  get(text: string): Float32Array | undefined {
    return this.map.get(keyOf(text));
  }

  has(text: string): boolean {
    return this.map.has(keyOf(text));
  }

  put(text: string, vec: Float32Array): void {
    const key = keyOf(text);
    if (this.map.has(key)) return;
    this.map.set(key, vec);
    if (this.fd === null) this.fd = openSync(this.path, 'a');
    const buf = Buffer.alloc(KEY_BYTES + this.dims * 4);
    Buffer.from(key, 'hex').copy(buf, 0);
    for (let j = 0; j < this.dims; j++) buf.writeFloatLE(vec[j] ?? 0, KEY_BYTES + j * 4);
    writeSync(this.fd, buf);
  }

  /** Embeds every text not cached yet; logs progress. */
  async fill(embedder: Embedder, texts: Iterable<string>, log: (msg: string) => void = () => {}): Promise<void> {
    const todo: string[] = [];
    const seen = new Set<string>();
    for (const t of texts) {
      if (seen.has(t)) continue;
      seen.add(t);
      if (!this.has(t)) todo.push(t);
    }
    if (todo.length === 0) return;
    const t0 = Date.now();
    for (let i = 0; i < todo.length; i++) {
      this.put(todo[i] as string, await embedder.embed(todo[i] as string));
      if ((i + 1) % 2000 === 0 || i + 1 === todo.length) {
        const rate = (Date.now() - t0) / (i + 1);
        log(`embedded ${i + 1}/${todo.length} (${rate.toFixed(1)} ms/text, ~${Math.round(((todo.length - i - 1) * rate) / 1000)} s left)`);
      }
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
