/** Synthetic data for unit tests: deterministic unit vectors and store entries (no model needed). */
import type { NewEntry } from '../../src/core/ports.js';
import { seededRandom as rng } from '../../src/util/random.js';
import { sha256Hex } from '../../src/core/request-key.js';

export function normalise(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** A random L2-normalised vector, the same for the same seed. */
export function unitVec(seed: number, dims: number): Float32Array {
  const r = rng(seed * 7919 + 1);
  return normalise(Float32Array.from({ length: dims }, () => r() * 2 - 1));
}

export const EMBEDDER = 'synthetic/test-embedder:fp32';

/** A NewEntry for SqliteStore.upsert; the prompt decides the hash, the seed the vector. */
export function newEntry(
  over: Partial<NewEntry> & { prompt: string },
  dims = 16,
  seed = Number.parseInt(sha256Hex(over.prompt).slice(0, 8), 16),
): NewEntry {
  const text = over.text ?? over.prompt.trim();
  return {
    namespace: 'ns',
    partitionKey: 'partition-1',
    model: 'gpt-test',
    text,
    promptHash: sha256Hex(text),
    response: `answer to ${text}`,
    metadata: null,
    embedding: unitVec(seed, dims),
    embedder: EMBEDDER,
    createdAt: Date.UTC(2026, 0, 1),
    expiresAt: null,
    ...over,
  };
}
