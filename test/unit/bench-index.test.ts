import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/core/ports.js';
import { arraySource, bruteForceTop1, gaussian, normalizeRows, recallAt1, type Top1 } from '../../src/cli/bench-index.js';
import { jitterQueries, jitterSource, type JitterSpec } from '../../src/cli/bench-synthetic.js';
import { bestSyntheticGraph, efFor } from '../../src/cli/bench-targets.js';
import { embedCached, seedEmbeddingCache, type IndexSetResult } from '../../src/cli/bench-scale.js';
import { percentile, summarize } from '../../src/cli/bench-stats.js';
import { seededRandom } from '../../src/util/random.js';

// Eight 4-d unit "real embeddings" as the base, two held-out ones as query seeds.
const BASE = normalizeRows(Float32Array.from({ length: 32 }, (_, i) => Math.sin(i * 1.7) + (i % 4 === 0 ? 2 : 0)), 4);
const HELD = normalizeRows(Float32Array.from([1, 2, 0, 1, 0, 1, 2, 1]), 4);
const SPEC: JitterSpec = { count: 250, scale: 0.45, pairs: 4, seed: 3, chunkSize: 100 };
function norms(v: Float32Array, dims: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < v.length; o += dims) out.push(Math.hypot(...v.subarray(o, o + dims)));
  return out;
}

describe('synthetic set: real embeddings jittered along their own spread', () => {
  it('regenerates every chunk identically, with a short last chunk', () => {
    const a = jitterSource(BASE, 4, 'base', SPEC);
    const b = jitterSource(BASE, 4, 'base', SPEC);
    expect(a.chunk(1)).toEqual(b.chunk(1));
    expect(a.chunk(0)).not.toEqual(a.chunk(1).slice(0, 100 * 4));
    expect(a.chunk(2).length).toBe(50 * 4);
    expect(a.key).toBe(b.key);
    expect(jitterSource(BASE, 4, 'other', SPEC).key).not.toBe(a.key);
    expect(jitterSource(BASE, 4, 'base', { ...SPEC, seed: 4 }).chunk(0)).not.toEqual(a.chunk(0));
  });

  it('yields unit vectors near their real embedding (round robin), queries on their own stream', () => {
    const rows = jitterSource(BASE, 4, 'base', SPEC).chunk(1); // rows 100.. -> base rows 100 % 8 = 4, 5, ...
    for (const n of norms(rows, 4)) expect(n).toBeCloseTo(1, 5);
    const dot = (u: Float32Array, v: Float32Array): number => u.reduce((s, x, d) => s + x * (v[d] as number), 0);
    const cosines = Array.from({ length: 100 }, (_, r) => dot(rows.subarray(r * 4, r * 4 + 4), BASE.subarray(((100 + r) % 8) * 4, ((100 + r) % 8) * 4 + 4)));
    expect(cosines.reduce((s, c) => s + c, 0) / 100).toBeGreaterThan(0.8);
    expect(Math.min(...cosines)).toBeLessThan(0.9999); // noise was added
    const q = jitterQueries(HELD, BASE, 4, SPEC);
    expect(q.length).toBe(8);
    expect(jitterQueries(HELD, BASE, 4, SPEC)).toEqual(q);
    expect(dot(q.subarray(0, 4), HELD.subarray(0, 4))).toBeGreaterThan(0.7);
  });

  it('draws standard normal deviates', () => {
    const g = gaussian(seededRandom(1));
    const xs = Array.from({ length: 20_000 }, g);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(variance).toBeGreaterThan(0.95);
    expect(variance).toBeLessThan(1.05);
  });
});

describe('brute force and recall@1', () => {
  it('finds the exact nearest neighbour across chunks (labels are positions + 1)', () => {
    const dims = 3;
    const vectors = normalizeRows(Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1]), dims);
    // Chunks of 2 vectors; 5 queries (not a multiple of the kernel's 4).
    const source = arraySource(vectors, dims, 'test', 2);
    const queries = normalizeRows(Float32Array.from([1, 0.1, 0, 0, 0.1, 1, 1, 0.9, 0, 0, 1, 0.9, 0, -1, 1]), dims);
    const top = bruteForceTop1(source, queries);
    expect(top.map((t) => t.label)).toEqual([1, 3, 4, 5, 3]);
    expect(top[0]?.similarity).toBeCloseTo(1 / Math.hypot(1, 0.1), 6);
  });

  it('counts ties within tolerance as hits', () => {
    const truth: Top1[] = [{ label: 1, similarity: 0.9 }, { label: 2, similarity: 0.8 }, { label: 3, similarity: 0.7 }, { label: 4, similarity: 0.6 }];
    const found: Top1[] = [{ label: 1, similarity: 0.9 }, { label: 9, similarity: 0.8 - 1e-7 }, { label: 8, similarity: 0.65 }, { label: -1, similarity: -1 }];
    expect(recallAt1(found, truth)).toBe(0.5);
    expect(recallAt1([], [])).toBeNaN();
    expect(() => recallAt1(found.slice(1), truth)).toThrow();
  });
});

describe('report helpers', () => {
  it('picks the smallest ef that reaches the recall target', () => {
    const s = (ef: number, recallAt1: number) => ({ ef, recallAt1, latencyMs: summarize([ef / 100]) });
    const set = { graphs: [{ m: 16, efConstruction: 200, searches: [s(8, 0.9), s(32, 0.985), s(64, 0.995), s(128, 1)] }] } as unknown as IndexSetResult;
    expect(efFor(set, 16, 200, 0.99)).toEqual({ ef: 64, p99: 0.64, recall: 0.995 });
    expect(efFor(set, 16, 200, 1.01)).toBeNull();
    expect(efFor(set, 32, 200, 0.9)).toBeNull();
  });

  it('judges the 1M target on the graph that reaches recall 0.98 with the lowest p99', () => {
    const s = (ef: number, recallAt1: number) => ({ ef, recallAt1, latencyMs: summarize([ef / 100]) });
    const g16 = { m: 16, efConstruction: 100, searches: [s(128, 0.95), s(512, 0.975)] };
    const g32 = { m: 32, efConstruction: 100, searches: [s(128, 0.97), s(256, 0.985)] };
    const set = { graphs: [g16, g32] } as unknown as IndexSetResult;
    expect(bestSyntheticGraph(set)).toEqual({ g: g32, best: { ef: 256, p99: 2.56, recall: 0.985 } });
    expect(bestSyntheticGraph({ graphs: [g16] } as unknown as IndexSetResult)).toEqual({ g: g16, best: null });
    expect(bestSyntheticGraph(null)).toEqual({ g: undefined, best: null });
  });

  it('uses nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('embedding cache seeding', () => {
  it('writes whole chunks that embedCached then serves without embedding', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dejavu-seed-'));
    try {
      const texts = Array.from({ length: 20_005 }, (_, i) => `question ${i}`);
      const vectors = Float32Array.from({ length: texts.length * 4 }, (_, i) => i);
      expect(seedEmbeddingCache(texts, vectors, 'model@q4', dir)).toBe(20_000); // the partial chunk is not written
      expect(seedEmbeddingCache(texts, vectors, 'model@q4', dir)).toBe(0);
      const open = async (): Promise<never> => {
        throw new Error('would embed');
      };
      const got = await embedCached(texts.slice(0, 20_000), 'model@q4', dir, open, () => undefined);
      expect(got.embedded).toBe(0);
      expect(got.vectors).toEqual(vectors.subarray(0, 80_000));
      await expect(embedCached(texts.slice(0, 20_000), 'other@q4', dir, open, () => undefined)).rejects.toThrow('would embed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('under --fresh embeds again what an earlier run cached, and keeps what this run seeded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dejavu-fresh-'));
    try {
      const texts = Array.from({ length: 10_000 }, (_, i) => `question ${i}`);
      const seeded = Float32Array.from({ length: texts.length * 4 }, (_, i) => i);
      const made = Float32Array.of(0.5, 0.5, 0.5, 0.5); // what the stand-in embedder returns
      let calls = 0;
      const open = async (): Promise<Embedder & { close(): Promise<void> }> => ({
        modelId: 'model@q4', dims: 4, fits: () => true, close: async () => undefined,
        embed: async () => {
          calls += 1;
          return made.slice();
        },
      });
      const refuse = async (): Promise<never> => {
        throw new Error('would embed');
      };
      const earlier = (): void => {
        const t = (Date.now() - 60_000) / 1000; // s: a file from a run a minute ago
        for (const f of readdirSync(dir)) utimesSync(join(dir, f), t, t);
      };
      const runStart = Date.now() - 10_000; // ms: this run started 10 s ago
      expect(seedEmbeddingCache(texts, seeded, 'model@q4', dir)).toBe(10_000);
      earlier();
      const again = await embedCached(texts, 'model@q4', dir, open, () => undefined, runStart);
      expect([again.embedded, calls]).toEqual([10_000, 10_000]);
      expect(again.vectors.subarray(0, 8)).toEqual(Float32Array.of(0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5));
      // Written in this run: served from the cache now.
      expect((await embedCached(texts, 'model@q4', dir, refuse, () => undefined, runStart)).embedded).toBe(0);
      // A stale file is overwritten by this run's seed, which is then served.
      earlier();
      expect(seedEmbeddingCache(texts, seeded, 'model@q4', dir, runStart)).toBe(10_000);
      const served = await embedCached(texts, 'model@q4', dir, refuse, () => undefined, runStart);
      expect(served.embedded).toBe(0);
      expect(served.vectors).toEqual(seeded);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
