import { describe, expect, it } from 'vitest';
import type { ShardRef } from '../../src/core/ports.js';
import { distanceToSimilarity, shardId, ShardedHnswIndex, type HnswParams } from '../../src/index/hnsw-index.js';
import { normalise, unitVec } from './fixtures.js';

const DIMS = 16;

/** A random unit vector, deterministic per seed. */
function vec(seed: number, dims = DIMS): Float32Array {
  return unitVec(seed, dims);
}

function axis(i: number, sign = 1): Float32Array {
  const v = new Float32Array(DIMS);
  v[i] = sign;
  return v;
}

function makeIndex(over: Partial<HnswParams> = {}): ShardedHnswIndex {
  return new ShardedHnswIndex({ dims: DIMS, m: 16, efConstruction: 200, ef: 100, initialCapacity: 16, ...over });
}

const A: ShardRef = { namespace: 'tenant-a', partitionKey: 'p1' };
const B: ShardRef = { namespace: 'tenant-b', partitionKey: 'p1' };
const A2: ShardRef = { namespace: 'tenant-a', partitionKey: 'p2' };

describe('distanceToSimilarity', () => {
  it('maps cosine distance to 1 - distance, clamped to 0..1', () => {
    expect(distanceToSimilarity(0)).toBe(1);
    expect(distanceToSimilarity(0.25)).toBe(0.75);
    expect(distanceToSimilarity(1)).toBe(0);
    expect(distanceToSimilarity(2)).toBe(0);
    expect(distanceToSimilarity(1.5)).toBe(0);
    expect(distanceToSimilarity(-1e-7)).toBe(1);
    expect(distanceToSimilarity(-3)).toBe(1);
  });
});

describe('shardId', () => {
  it('is a stable 32-hex-char id that separates namespace from partition', () => {
    expect(shardId(A)).toMatch(/^[0-9a-f]{32}$/);
    expect(shardId({ ...A })).toBe(shardId(A));
    expect(shardId(A)).not.toBe(shardId(B));
    expect(shardId(A)).not.toBe(shardId(A2));
    expect(shardId({ namespace: 'ab', partitionKey: 'c' })).not.toBe(shardId({ namespace: 'a', partitionKey: 'bc' }));
  });
});

describe('ShardedHnswIndex', () => {
  it('search returns similarity 1 for the identical vector, closest first, all within 0..1', () => {
    const idx = makeIndex();
    for (let i = 1; i <= 10; i++) idx.add(A, i, vec(i), i);
    const res = idx.search(A, vec(3), 10);
    expect(res).toHaveLength(10);
    expect(res[0]?.label).toBe(3);
    expect(res[0]?.similarity).toBeCloseTo(1, 5);
    for (const n of res) {
      expect(n.similarity).toBeGreaterThanOrEqual(0);
      expect(n.similarity).toBeLessThanOrEqual(1);
    }
    const sims = res.map((n) => n.similarity);
    expect(sims).toEqual([...sims].sort((x, y) => y - x));
  });

  it('similarity equals the cosine of the two vectors; orthogonal is 0 and opposite clamps to 0', () => {
    const idx = makeIndex();
    const mid = normalise(Float32Array.from({ length: DIMS }, (_, i) => (i < 2 ? 1 : 0)));
    idx.add(A, 1, axis(0), 1);
    idx.add(A, 2, axis(1), 2);
    idx.add(A, 3, axis(0, -1), 3);
    const res = idx.search(A, mid, 3);
    expect(res.map((n) => n.label).slice(0, 2).sort()).toEqual([1, 2]);
    expect(res[0]?.similarity).toBeCloseTo(Math.SQRT1_2, 5);
    const byLabel = new Map(idx.search(A, axis(1), 3).map((n) => [n.label, n.similarity]));
    expect(byLabel.get(1)).toBeCloseTo(0, 6);
    expect(byLabel.get(3)).toBeCloseTo(0, 6);
    expect(idx.search(A, axis(0), 3).find((n) => n.label === 3)?.similarity).toBe(0);
  });

  it('search on an unknown shard or an empty shard returns []', () => {
    const idx = makeIndex();
    expect(idx.search(A, vec(1), 5)).toEqual([]);
    idx.add(A, 1, vec(1), 1);
    idx.remove(A, 1);
    expect(idx.search(A, vec(1), 5)).toEqual([]);
  });

  it('k larger than the shard returns every live vector; k smaller is respected', () => {
    const idx = makeIndex({ ef: 1 });
    for (let i = 1; i <= 5; i++) idx.add(A, i, vec(i), i);
    expect(idx.search(A, vec(1), 50)).toHaveLength(5);
    expect(idx.search(A, vec(1), 2)).toHaveLength(2);
  });

  it('capacity grows automatically past initialCapacity (100 into a shard of 4)', () => {
    const idx = makeIndex({ initialCapacity: 4 });
    expect(() => {
      for (let i = 1; i <= 100; i++) idx.add(A, i, vec(i), i);
    }).not.toThrow();
    const s = idx.stats();
    expect(s.size).toBe(100);
    expect(s.capacity).toBeGreaterThanOrEqual(100);
    expect(s.capacity).toBe(128); // doubling 4 -> 8 -> ... -> 128
    expect(s.deleted).toBe(0);
    for (let i = 1; i <= 100; i++) {
      const [top] = idx.search(A, vec(i), 1);
      expect(top?.label).toBe(i);
      expect(top?.similarity).toBeCloseTo(1, 5);
    }
  });

  it('remove marks the label deleted: gone from results, counted in stats.deleted', () => {
    const idx = makeIndex();
    for (let i = 1; i <= 5; i++) idx.add(A, i, vec(i), i);
    expect(idx.remove(A, 3)).toBe(true);
    const labels = idx.search(A, vec(3), 10).map((n) => n.label);
    expect(labels).not.toContain(3);
    expect(labels.sort()).toEqual([1, 2, 4, 5]);
    expect(idx.stats()).toMatchObject({ size: 4, deleted: 1, shards: 1 });
    // markDelete, not a physical removal: the slot is still allocated in the graph
    const shard = [...idx.allShards()][0];
    expect(shard?.hnsw.getCurrentCount()).toBe(5);
    expect(shard?.live.has(3)).toBe(false);
  });

  it('remove returns false for an unknown label, an already removed label or an unknown shard', () => {
    const idx = makeIndex();
    idx.add(A, 1, vec(1), 1);
    expect(idx.remove(A, 99)).toBe(false);
    expect(idx.remove(B, 1)).toBe(false);
    expect(idx.remove(A, 1)).toBe(true);
    expect(idx.remove(A, 1)).toBe(false);
    expect(idx.stats()).toMatchObject({ size: 0, deleted: 1 });
  });

  it('adding into a shard with deleted slots reuses them instead of growing', () => {
    const idx = makeIndex({ initialCapacity: 4 });
    for (let i = 1; i <= 4; i++) idx.add(A, i, vec(i), i);
    expect(idx.stats()).toMatchObject({ size: 4, capacity: 4, deleted: 0 });
    idx.remove(A, 1);
    idx.remove(A, 2);
    expect(idx.stats()).toMatchObject({ size: 2, capacity: 4, deleted: 2 });
    idx.add(A, 10, vec(10), 10);
    idx.add(A, 11, vec(11), 11);
    expect(idx.stats()).toMatchObject({ size: 4, capacity: 4, deleted: 0 });
    expect(idx.search(A, vec(10), 1)[0]).toMatchObject({ label: 10 });
    expect(idx.search(A, vec(11), 1)[0]).toMatchObject({ label: 11 });
    expect(idx.search(A, vec(1), 4).map((n) => n.label).sort((x, y) => x - y)).toEqual([3, 4, 10, 11]);
    // only now, with no deleted slot left, does the shard grow
    idx.add(A, 12, vec(12), 12);
    expect(idx.stats()).toMatchObject({ size: 5, capacity: 8, deleted: 0 });
  });

  it('re-adding a live label replaces its vector in place', () => {
    const idx = makeIndex({ initialCapacity: 2 });
    idx.add(A, 1, vec(1), 1);
    idx.add(A, 2, vec(2), 2);
    idx.add(A, 1, vec(50), 3);
    expect(idx.stats()).toMatchObject({ size: 2, capacity: 2, deleted: 0 });
    const [top] = idx.search(A, vec(50), 1);
    expect(top?.label).toBe(1);
    expect(top?.similarity).toBeCloseTo(1, 5);
    const old = idx.search(A, vec(1), 2).find((n) => n.label === 1);
    expect(old?.similarity).toBeLessThan(0.99);
  });

  it('re-adding a previously removed label makes it live again and keeps the shard consistent', () => {
    // VectorIndex.add promises "adds or replaces"; a removed label is just not there any more.
    const idx = makeIndex({ initialCapacity: 4 });
    idx.add(A, 1, axis(0), 1);
    idx.add(A, 2, axis(1), 2);
    idx.add(A, 3, axis(2), 3);
    idx.remove(A, 1);
    idx.remove(A, 2);
    idx.add(A, 1, axis(0), 4);
    idx.add(A, 9, axis(3), 5);
    expect(idx.stats()).toMatchObject({ size: 3, deleted: 0 });
    const labels = idx.search(A, axis(0), 10).map((n) => n.label);
    expect(labels.sort()).toEqual([1, 3, 9]);
    // label 1 must still be removable and replaceable
    expect(() => idx.remove(A, 1)).not.toThrow();
    expect(idx.search(A, axis(0), 10).map((n) => n.label)).not.toContain(1);
    expect(idx.stats()).toMatchObject({ size: 2, deleted: 1 });
  });

  it('tracks maxSeq and the dirty flag per shard', () => {
    const idx = makeIndex();
    idx.add(A, 1, vec(1), 7);
    idx.add(A, 2, vec(2), 3);
    const shard = [...idx.allShards()][0];
    expect(shard?.maxSeq).toBe(7);
    expect(shard?.dirty).toBe(true);
    expect(shard?.ref).toEqual(A);
    expect(shard?.id).toBe(shardId(A));
  });

  it('shards are isolated: identical vectors in another shard are never returned', () => {
    const idx = makeIndex();
    for (let i = 1; i <= 5; i++) idx.add(A, i, vec(i), i);
    for (let i = 101; i <= 110; i++) idx.add(B, i, vec(i - 100), i);
    for (let i = 201; i <= 205; i++) idx.add(A2, i, vec(1), i);
    const query = vec(1);
    const inA = idx.search(A, query, 100).map((n) => n.label);
    expect(inA.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5]);
    const inB = idx.search(B, query, 100).map((n) => n.label);
    expect(inB.every((l) => l > 100 && l <= 110)).toBe(true);
    expect(inB).toHaveLength(10);
    const inA2 = idx.search(A2, query, 100).map((n) => n.label);
    expect(inA2.every((l) => l > 200)).toBe(true);
    expect(idx.stats()).toMatchObject({ size: 20, shards: 3 });
  });

  it('the same label may live in two shards independently', () => {
    const idx = makeIndex();
    idx.add(A, 1, vec(1), 1);
    idx.add(B, 1, vec(2), 2);
    expect(idx.remove(A, 1)).toBe(true);
    expect(idx.search(A, vec(1), 5)).toEqual([]);
    expect(idx.search(B, vec(2), 5)[0]).toMatchObject({ label: 1 });
  });

  it('dropNamespace removes every shard of that namespace only', () => {
    const idx = makeIndex();
    idx.add(A, 1, vec(1), 1);
    idx.add(A2, 2, vec(2), 2);
    idx.add(B, 3, vec(3), 3);
    expect(idx.stats().shards).toBe(3);
    idx.dropNamespace('tenant-a');
    expect(idx.stats()).toMatchObject({ size: 1, shards: 1 });
    expect(idx.search(A, vec(1), 5)).toEqual([]);
    expect(idx.search(A2, vec(2), 5)).toEqual([]);
    expect(idx.search(B, vec(3), 5)[0]).toMatchObject({ label: 3 });
    expect(idx.remove(A, 1)).toBe(false);
    idx.dropNamespace('unknown');
    expect(idx.stats().shards).toBe(1);
    // the namespace can be used again afterwards
    idx.add(A, 1, vec(1), 4);
    expect(idx.search(A, vec(1), 5)).toHaveLength(1);
  });

  it('stats of an empty index are all zero', () => {
    expect(makeIndex().stats()).toEqual({ size: 0, capacity: 0, deleted: 0, shards: 0 });
  });

  it('the default initial capacity is 16', () => {
    const idx = new ShardedHnswIndex({ dims: DIMS, m: 8, efConstruction: 50, ef: 10 });
    idx.add(A, 1, vec(1), 1);
    expect(idx.stats().capacity).toBe(16);
  });

  it('a wrong-length vector throws and leaves the shard unchanged', () => {
    const idx = makeIndex();
    idx.add(A, 1, vec(1), 1);
    expect(() => idx.add(A, 2, vec(2, DIMS + 1), 2)).toThrow();
    expect(() => idx.search(A, vec(2, DIMS - 1), 1)).toThrow();
    expect(idx.stats().size).toBe(1);
  });
});
