// Embedding cache of the scale sections: embeddings of a text list, in chunk files under
// data/bench-cache/ keyed by the model and the chunk's texts, so later runs read them back.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Embedder } from '../core/ports.js';
import { normalizePrompt } from '../core/request-key.js';
import { sha } from './bench-index.js';

/** Texts per embedding cache file: an interrupted first run keeps the chunks it finished. */
const EMBED_CHUNK = 10_000;
/** Embeddings requested before the oldest is awaited: keeps both pool workers busy (queue limit 256). */
const IN_FLIGHT = 8;

type Log = (msg: string) => void;

async function embedChunk(embedder: Embedder, texts: readonly string[], dims: number): Promise<Float32Array> {
  const out = new Float32Array(texts.length * dims);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < texts.length; i = next++) out.set(await embedder.embed(normalizePrompt(texts[i] as string)), i * dims);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return out;
}

/** Cache file of one chunk's embeddings: keyed by the model and the chunk's exact texts. */
function chunkFile(cacheDir: string, modelId: string, part: readonly string[]): string {
  return join(cacheDir, `emb-${sha(`${modelId}\u0000${part.join('\n')}`)}.f32`);
}

/** Whether a cache file can be read: it exists with `bytes` bytes and, under --fresh, was written
 * during this run (at or after `freshSince`, ms since epoch), e.g. seeded by the 10k section. */
function cached(file: string, bytes: number | null, freshSince: number | undefined): boolean {
  if (!existsSync(file)) return false;
  const st = statSync(file);
  return (bytes === null || st.size === bytes) && (freshSince === undefined || st.mtimeMs >= freshSince);
}

/** Writes the embeddings of `texts` (already computed elsewhere, e.g. by the 10k store section)
 * as cache chunks, for each whole chunk not cached yet (under --fresh: not written in this run).
 * Files are keyed by content, so texts that are not the scale set's first chunks only leave an
 * unused file. Returns texts written. */
export function seedEmbeddingCache(texts: readonly string[], vectors: Float32Array, modelId: string, cacheDir: string, freshSince?: number): number {
  const dims = vectors.length / texts.length;
  let written = 0;
  mkdirSync(cacheDir, { recursive: true });
  for (let start = 0; start + EMBED_CHUNK <= texts.length; start += EMBED_CHUNK) {
    const file = chunkFile(cacheDir, modelId, texts.slice(start, start + EMBED_CHUNK));
    if (cached(file, EMBED_CHUNK * dims * 4, freshSince)) continue;
    const v = vectors.subarray(start * dims, (start + EMBED_CHUNK) * dims);
    writeFileSync(`${file}.tmp`, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    renameSync(`${file}.tmp`, file);
    written += EMBED_CHUNK;
  }
  return written;
}

export interface Embedded {
  vectors: Float32Array;
  dims: number;
  /** Texts embedded in this run (0 when every chunk came from the cache). */
  embedded: number;
  seconds: number;
}

/** Embeddings of `texts` (normalised as the cache does), from `cacheDir` when present; files are
 * keyed by model id + the chunk's texts. `open` loads the embedder only when a chunk is missing;
 * the dimension comes from the first cached file or the embedder. With `freshSince` (--fresh),
 * files written before that time (ms since epoch) count as missing and are embedded again. */
export async function embedCached(
  texts: readonly string[],
  modelId: string,
  cacheDir: string,
  open: () => Promise<Embedder & { close(): Promise<void> }>,
  log: Log,
  freshSince?: number,
): Promise<Embedded> {
  const t0 = performance.now();
  const chunks: Array<{ start: number; part: string[]; file: string }> = [];
  for (let start = 0; start < texts.length; start += EMBED_CHUNK) {
    const part = texts.slice(start, start + EMBED_CHUNK);
    chunks.push({ start, part, file: chunkFile(cacheDir, modelId, part) });
  }
  let embedder: (Embedder & { close(): Promise<void> }) | undefined;
  const first = chunks[0];
  let dims = first !== undefined && cached(first.file, null, freshSince) ? statSync(first.file).size / 4 / first.part.length : 0;
  let embedded = 0;
  mkdirSync(cacheDir, { recursive: true });
  try {
    if (!Number.isInteger(dims) || dims === 0) {
      embedder = await open();
      dims = embedder.dims;
    }
    const vectors = new Float32Array(texts.length * dims);
    for (const { start, part, file } of chunks) {
      if (cached(file, part.length * dims * 4, freshSince)) {
        // Byte copy: the file's Buffer need not be 4-byte aligned for a Float32Array view.
        new Uint8Array(vectors.buffer, start * dims * 4, part.length * dims * 4).set(readFileSync(file));
        continue;
      }
      embedder ??= await open();
      const tc = performance.now();
      const v = await embedChunk(embedder, part, dims);
      embedded += part.length;
      log(`  embedded ${start + part.length} / ${texts.length} (${(part.length / ((performance.now() - tc) / 1000)).toFixed(0)} texts/s)`);
      writeFileSync(`${file}.tmp`, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      renameSync(`${file}.tmp`, file);
      vectors.set(v, start * dims);
    }
    return { vectors, dims, embedded, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await embedder?.close();
  }
}
