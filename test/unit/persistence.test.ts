import { existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Neighbor, ShardRef } from '../../src/core/ports.js';
import type { StoredEntry } from '../../src/core/types.js';
import { shardId, ShardedHnswIndex } from '../../src/index/hnsw-index.js';
import { loadIndex, saveIndex } from '../../src/index/persistence.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../helpers.js';
import { EMBEDDER, newEntry, unitVec } from './fixtures.js';

const DIMS = 16;
const K = 5;
const params = { dims: DIMS, m: 16, efConstruction: 200, ef: 100, initialCapacity: 8 };
const P1: ShardRef = { namespace: 'ns', partitionKey: 'p1' };
const P2: ShardRef = { namespace: 'ns', partitionKey: 'p2' };
const O1: ShardRef = { namespace: 'other', partitionKey: 'p1' };
const SHARDS = [P1, P2, O1];
/** Query vectors: seeds 1000.. are unrelated to the stored ones, plus a few stored ones. */
const QUERIES = [1001, 1002, 1003, 1004, 5, 17].map((s) => unitVec(s, DIMS));

let tmp: ReturnType<typeof tempDir>;
let store: SqliteStore;
let indexDir: string;
let index: ShardedHnswIndex;
let seed = 0;
const opts = () => ({ dir: indexDir, embedder: EMBEDDER });

function put(shard: ShardRef, target = index): StoredEntry {
  seed += 1;
  const e = store.upsert(newEntry({ prompt: `question ${seed}`, ...shard }, DIMS, seed)).entry;
  target.add(shard, e.label, unitVec(seed, DIMS), e.seq);
  return e;
}

/** Exact nearest neighbours computed from the embeddings in SQLite: the ground truth. */
function bruteForce(shard: ShardRef, q: Float32Array, k = K): number[] {
  const scored = [...store.shardVectors(shard, EMBEDDER)].map((v) => ({
    label: v.label,
    sim: v.embedding.reduce((acc, x, i) => acc + x * (q[i] as number), 0),
  }));
  return scored.sort((a, b) => b.sim - a.sim).slice(0, k).map((s) => s.label);
}

function results(idx: ShardedHnswIndex): Neighbor[][] {
  return SHARDS.flatMap((s) => QUERIES.map((q) => idx.search(s, q, K)));
}

function expectSameResults(actual: Neighbor[][], expected: Neighbor[][]): void {
  expect(actual.map((r) => r.map((n) => n.label))).toEqual(expected.map((r) => r.map((n) => n.label)));
  actual.forEach((r, i) => r.forEach((n, j) => expect(n.similarity).toBeCloseTo(expected[i]?.[j]?.similarity ?? NaN, 5)));
}

function expectMatchesStore(idx: ShardedHnswIndex): void {
  for (const s of SHARDS) for (const q of QUERIES) expect(idx.search(s, q, K).map((n) => n.label)).toEqual(bruteForce(s, q));
}

function fresh(): ShardedHnswIndex {
  return new ShardedHnswIndex(params);
}

function shardFile(ref: ShardRef): string {
  return join(indexDir, `${shardId(ref)}.hnsw`);
}

let original: Neighbor[][];

beforeEach(() => {
  tmp = tempDir('dejavu-persist-');
  store = new SqliteStore(join(tmp.dir, 'cache.db'));
  indexDir = join(tmp.dir, 'index');
  index = fresh();
  seed = 0;
  for (let i = 0; i < 20; i++) put(P1);
  for (let i = 0; i < 10; i++) put(P2);
  for (let i = 0; i < 5; i++) put(O1);
  original = results(index);
  expectMatchesStore(index);
  expect(saveIndex(index, opts())).toEqual({ written: 3 });
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

describe('saveIndex', () => {
  it('writes one .hnsw per shard plus the manifest, and no temp files', () => {
    const files = readdirSync(indexDir).sort();
    expect(files).toEqual([...SHARDS.map((s) => `${shardId(s)}.hnsw`), 'manifest.json'].sort());
    const manifest = JSON.parse(readFileSync(join(indexDir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 1, embedder: EMBEDDER, dims: DIMS, m: 16 });
    expect(manifest.shards[shardId(P1)]).toMatchObject({ namespace: 'ns', partition_key: 'p1', count: 20, bytes: statSync(shardFile(P1)).size });
  });

  it('only rewrites dirty shards', () => {
    expect(saveIndex(index, opts())).toEqual({ written: 0 });
    put(P2);
    expect(saveIndex(index, opts())).toEqual({ written: 1 });
  });

  it('removes files of dropped shards', () => {
    store.deleteNamespace('other');
    index.dropNamespace('other');
    saveIndex(index, opts());
    expect(existsSync(shardFile(O1))).toBe(false);
    expect(existsSync(shardFile(P1))).toBe(true);
  });
});

describe('loadIndex', () => {
  it('loads every shard from disk when it matches SQLite, with identical results', () => {
    const idx = fresh();
    const report = loadIndex(idx, store, opts());
    expect(report).toMatchObject({ loadedShards: 3, rebuiltShards: 0, rebuiltVectors: 0, reasons: [] });
    expectSameResults(results(idx), original);
    expect(idx.stats()).toMatchObject({ size: 35, shards: 3, deleted: 0 });
    // loaded shards are clean: nothing to write
    expect(saveIndex(idx, opts())).toEqual({ written: 0 });
  });

  it('a loaded shard keeps working: add, replace and remove after load', () => {
    const idx = fresh();
    loadIndex(idx, store, opts());
    const added = put(P1, idx);
    const victim = store.getByLabels([original[0]?.[0]?.label ?? -1])[0] as StoredEntry;
    store.deleteById(victim.id);
    expect(idx.remove(victim, victim.label)).toBe(true);
    expect(idx.search(P1, unitVec(seed, DIMS), 1)[0]?.label).toBe(added.label);
    expectMatchesStore(idx);
  });

  it('(a) missing index dir: rebuilds everything from SQLite', () => {
    rmSync(indexDir, { recursive: true });
    const idx = fresh();
    const report = loadIndex(idx, store, opts());
    expect(report).toMatchObject({ loadedShards: 0, rebuiltShards: 3, rebuiltVectors: 35 });
    expect(report.reasons).toContain('no saved index');
    expectSameResults(results(idx), original);
  });

  it('(b) a .hnsw file truncated to half: rebuilds that shard only', () => {
    const file = shardFile(P1);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const idx = fresh();
    const report = loadIndex(idx, store, opts());
    expect(report).toMatchObject({ loadedShards: 2, rebuiltShards: 1, rebuiltVectors: 20 });
    expect(report.reasons).toContain('shard file truncated or resized');
    expectSameResults(results(idx), original);
  });

  it('(c) garbage manifest: rebuilds everything', () => {
    writeFileSync(join(indexDir, 'manifest.json'), '\u0000\u0001garbage{{{');
    const idx = fresh();
    const report = loadIndex(idx, store, opts());
    expect(report).toMatchObject({ loadedShards: 0, rebuiltShards: 3 });
    expect(report.reasons.some((r) => r.startsWith('unreadable manifest'))).toBe(true);
    expectSameResults(results(idx), original);
  });

  it('(d) an entry added to SQLite after the save: the stale shard is rebuilt and finds it', () => {
    const scratch = fresh();
    const added = put(P1, scratch);
    const idx = fresh();
    const report = loadIndex(idx, store, opts());
    expect(report).toMatchObject({ loadedShards: 2, rebuiltShards: 1, rebuiltVectors: 21 });
    expect(report.reasons).toContain('saved shard is older than the database');
    expect(idx.search(P1, unitVec(seed, DIMS), 1)[0]).toMatchObject({ label: added.label });
    expectMatchesStore(idx);
    // shards that did not change answer exactly as before
    expectSameResults(results(idx).slice(QUERIES.length), original.slice(QUERIES.length));
  });

  it('(e) an entry deleted after the save: the shard is rebuilt without it', () => {
    const victimLabel = original[0]?.[0]?.label as number;
    const victim = store.getByLabels([victimLabel])[0] as StoredEntry;
    store.deleteById(victim.id);
    const idx = fresh();
    const report = loadIndex(idx, store, opts());
    expect(report).toMatchObject({ loadedShards: 2, rebuiltShards: 1, rebuiltVectors: 19 });
    expect(report.reasons).toContain('saved shard is older than the database');
    const after = results(idx);
    expect(after.flat().map((n) => n.label)).not.toContain(victimLabel);
    expectMatchesStore(idx);
    expect(after[0]?.map((n) => n.label)).toEqual(original[0]?.slice(1).map((n) => n.label).concat(after[0]?.[K - 1]?.label ?? -1));
  });

  it('a replaced entry (same count, newer seq) makes the shard stale', () => {
    store.upsert(newEntry({ prompt: 'question 21', ...P2, response: 'new' }, DIMS, 999));
    const report = loadIndex(fresh(), store, opts());
    expect(report).toMatchObject({ loadedShards: 2, rebuiltShards: 1, rebuiltVectors: 10 });
  });

  it('a same-size corrupted shard file fails the checksum and is rebuilt', () => {
    const file = shardFile(P2);
    const bytes = readFileSync(file);
    const at = bytes.length - 10;
    bytes[at] = (bytes[at] as number) ^ 0xff;
    writeFileSync(file, bytes);
    const idx = fresh();
    const report = loadIndex(idx, store, opts());
    expect(report).toMatchObject({ loadedShards: 2, rebuiltShards: 1 });
    expect(report.reasons).toContain('shard file checksum mismatch');
    expectSameResults(results(idx), original);
  });

  it('a missing shard file, or a shard absent from the manifest, is rebuilt', () => {
    rmSync(shardFile(O1));
    put({ namespace: 'new', partitionKey: 'p' }, fresh());
    const idx = fresh();
    const report = loadIndex(idx, store, opts());
    expect(report).toMatchObject({ loadedShards: 2, rebuiltShards: 2 });
    expect(report.reasons).toEqual(expect.arrayContaining(['shard file missing', 'shard missing from manifest']));
    expectSameResults(results(idx), original);
  });

  it('a manifest from another embedder or other parameters is ignored', () => {
    const r1 = loadIndex(fresh(), store, { dir: indexDir, embedder: EMBEDDER }); // sanity
    expect(r1.loadedShards).toBe(3);
    const path = join(indexDir, 'manifest.json');
    const m = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...m, embedder: 'another-model' }));
    const idx = fresh();
    const report = loadIndex(idx, store, opts());
    expect(report).toMatchObject({ loadedShards: 0, rebuiltShards: 3 });
    expect(report.reasons).toContain('saved index was built with another model or parameters');
    expectSameResults(results(idx), original);
    const otherM = new ShardedHnswIndex({ ...params, m: 8 });
    writeFileSync(path, JSON.stringify(m));
    expect(loadIndex(otherM, store, opts())).toMatchObject({ loadedShards: 0, rebuiltShards: 3 });
  });

  it('a manifest of the wrong format is ignored', () => {
    writeFileSync(join(indexDir, 'manifest.json'), JSON.stringify({ format: 2, shards: {} }));
    expect(loadIndex(fresh(), store, opts()).reasons).toContain('unknown manifest format');
    writeFileSync(join(indexDir, 'manifest.json'), 'null');
    expect(loadIndex(fresh(), store, opts())).toMatchObject({ loadedShards: 0, rebuiltShards: 3 });
  });

  it('a structurally corrupt manifest entry does not make loadIndex throw', () => {
    const path = join(indexDir, 'manifest.json');
    const m = JSON.parse(readFileSync(path, 'utf8'));
    m.shards[shardId(P1)] = null;
    writeFileSync(path, JSON.stringify(m));
    const idx = fresh();
    const report = loadIndex(idx, store, opts());
    expect(report).toMatchObject({ loadedShards: 2, rebuiltShards: 1 });
    expectSameResults(results(idx), original);
  });

  it('after a rebuild, the next save makes the following load clean', () => {
    rmSync(indexDir, { recursive: true });
    const idx = fresh();
    loadIndex(idx, store, opts());
    expect(saveIndex(idx, opts())).toEqual({ written: 3 });
    expect(loadIndex(fresh(), store, opts())).toMatchObject({ loadedShards: 3, rebuiltShards: 0 });
  });

  it('deleted slots survive save/load: excluded from results and reusable', () => {
    const idx0 = fresh();
    loadIndex(idx0, store, opts());
    const victim = store.getByLabels([original[0]?.[0]?.label as number])[0] as StoredEntry;
    store.deleteById(victim.id);
    idx0.remove(victim, victim.label);
    saveIndex(idx0, opts());
    const idx = fresh();
    expect(loadIndex(idx, store, opts())).toMatchObject({ loadedShards: 3, rebuiltShards: 0 });
    expect(idx.stats()).toMatchObject({ size: 34, deleted: 1 });
    expectMatchesStore(idx);
    const cap = idx.stats().capacity;
    put(P1, idx);
    expect(idx.stats()).toMatchObject({ size: 35, deleted: 0, capacity: cap });
    expectMatchesStore(idx);
  });

  it('an empty store loads nothing even if files exist', () => {
    for (const s of SHARDS) store.deleteNamespace(s.namespace);
    const idx = fresh();
    expect(loadIndex(idx, store, opts())).toMatchObject({ loadedShards: 0, rebuiltShards: 0 });
    expect(idx.stats().shards).toBe(0);
  });
});
