// SemanticCache over a real SqliteStore and HNSW index with a synthetic embedder (no model):
// batched hit statistics and the exact-tier memo must never show a stale count or a stale answer.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/core/ports.js';
import { requestKey, sha256Hex } from '../../src/core/request-key.js';
import { SemanticCache } from '../../src/core/semantic-cache.js';
import { ShardedHnswIndex } from '../../src/index/hnsw-index.js';
import { sweep } from '../../src/maintenance.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FakeClock, tempDir } from '../helpers.js';
import { unitVec } from './fixtures.js';

const DIMS = 16;
/** Texts the synthetic embedder maps to another text's vector (a paraphrase). */
const ALIAS: Record<string, string> = { 'Everest height?': 'How tall is Everest?' };
const embedder: Embedder = {
  modelId: 'synthetic/test-embedder:fp32',
  dims: DIMS,
  fits: () => true,
  embed: async (text) => unitVec(Number.parseInt(sha256Hex(ALIAS[text] ?? text).slice(0, 8), 16), DIMS),
};
const OPTIONS = { threshold: 0.999 };
const key = (prompt: string, namespace = 'ns') => requestKey({ namespace, prompt });

let tmp: ReturnType<typeof tempDir>;
let store: SqliteStore;
let index: ShardedHnswIndex;
let clock: FakeClock;
let cache: SemanticCache;

/** hit_count / last_hit_at as SQLite holds them (what the admin listing and LRU eviction read). */
const row = (id: string) => store.db.prepare('SELECT hit_count, last_hit_at FROM entries WHERE uid = ?').get(id);
const put = (prompt: string, response = `answer to ${prompt}`, namespace = 'ns') => cache.store(key(prompt, namespace), { response, ttlSeconds: 0, metadata: null });

beforeEach(() => {
  tmp = tempDir('dejavu-hits-');
  store = new SqliteStore(join(tmp.dir, 'db.sqlite'));
  index = new ShardedHnswIndex({ dims: DIMS, m: 8, efConstruction: 50, ef: 20 });
  clock = new FakeClock();
  cache = new SemanticCache({ store, index, embedder, clock, candidates: 4, hitBatch: { maxAgeMs: 1000, maxEntries: 100 } });
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

describe('batched hit statistics', () => {
  it('exact hits count in memory, show through lookups and get(), and reach SQLite in one flush', async () => {
    const e = await put('What is 2+2?');
    for (let i = 1; i <= 3; i++) {
      clock.advance(1 / 1000);
      const out = await cache.lookup(key('What is 2+2?'), OPTIONS);
      expect(out).toMatchObject({ status: 'hit', entry: { id: e.id, hitCount: i, lastHitAt: clock.now() } });
    }
    expect(row(e.id)).toEqual({ hit_count: 0, last_hit_at: null }); // not written yet
    expect(cache.get(e.id)).toMatchObject({ hitCount: 3, lastHitAt: clock.now() });
    expect(cache.flushHits()).toBe(1);
    expect(row(e.id)).toEqual({ hit_count: 3, last_hit_at: clock.now() });
    // After the flush the counts continue from SQLite's, never counted twice.
    expect(cache.get(e.id)).toMatchObject({ hitCount: 3 });
    expect((await cache.lookup(key('What is 2+2?'), OPTIONS)).entry).toMatchObject({ hitCount: 4 });
    expect(cache.flushHits()).toBe(1);
    expect(row(e.id)).toMatchObject({ hit_count: 4 });
  });

  it('semantic hits are batched the same way', async () => {
    const e = await put('How tall is Everest?');
    const out = await cache.lookup(key('Everest height?'), OPTIONS); // same synthetic vector
    expect(out).toMatchObject({ status: 'semantic-hit', entry: { id: e.id, hitCount: 1 } });
    expect((await cache.lookup(key('Everest height?'), OPTIONS)).entry).toMatchObject({ hitCount: 2 });
    expect(row(e.id)).toMatchObject({ hit_count: 0 });
    cache.flushHits();
    expect(row(e.id)).toEqual({ hit_count: 2, last_hit_at: clock.now() });
  });

  it('a lookup flushes once the oldest pending hit is older than maxAgeMs', async () => {
    const e = await put('q1');
    await cache.lookup(key('q1'), OPTIONS);
    clock.advance(0.5);
    await cache.lookup(key('q1'), OPTIONS);
    expect(row(e.id)).toMatchObject({ hit_count: 0 });
    clock.advance(0.5);
    const out = await cache.lookup(key('q1'), OPTIONS);
    expect(out.entry).toMatchObject({ hitCount: 3 });
    expect(row(e.id)).toEqual({ hit_count: 3, last_hit_at: clock.now() });
  });

  it('the sweep flushes before LRU eviction, so a recent unflushed hit protects its entry', async () => {
    const old = await put('old but just hit');
    clock.advance(1);
    const newer = await put('newer, never hit');
    clock.advance(1);
    await cache.lookup(key('old but just hit'), OPTIONS);
    const report = sweep({ cache, store, index, embedderId: embedder.modelId, clock, maxEntries: 1, compactDeletedFraction: 0.5 });
    expect(report.evicted).toBe(1);
    expect(cache.get(old.id)).toMatchObject({ hitCount: 1 });
    expect(cache.get(newer.id)).toBeUndefined();
  });
});

describe('exact-tier memo', () => {
  it('a replaced answer is served at once (the store drops the held entry)', async () => {
    const first = await put('Capital of France?', 'Paris');
    expect((await cache.lookup(key('Capital of France?'), OPTIONS)).entry?.response).toBe('Paris');
    clock.advance(5);
    await put('Capital of France?', 'Paris, France');
    const out = await cache.lookup(key('Capital of France?'), OPTIONS);
    expect(out.entry).toMatchObject({ id: first.id, response: 'Paris, France', createdAt: clock.now(), hitCount: 2 });
  });

  it('put() (the import path) also drops the held entry', async () => {
    await put('imported?', 'v1');
    await cache.lookup(key('imported?'), OPTIONS);
    cache.put(key('imported?'), { response: 'v2', metadata: null, createdAt: clock.now(), expiresAt: null }, await cache.embedKey(key('imported?')));
    expect((await cache.lookup(key('imported?'), OPTIONS)).entry?.response).toBe('v2');
  });

  it('deleted entries are never served from memory (by id, by label, by namespace)', async () => {
    const a = await put('a?');
    const b = await put('b?');
    await put('c?', 'c', 'other');
    for (const p of ['a?', 'b?']) expect((await cache.lookup(key(p), OPTIONS)).status).toBe('hit');
    expect((await cache.lookup(key('c?', 'other'), OPTIONS)).status).toBe('hit');
    expect(cache.delete(a.id)).toBe(true);
    expect(cache.deleteByLabels([b.label])).toBe(1);
    expect(cache.deleteNamespace('other')).toBe(1);
    for (const k of [key('a?'), key('b?'), key('c?', 'other')]) expect((await cache.lookup(k, OPTIONS)).status).toBe('miss');
    cache.flushHits(); // hits of deleted rows are skipped, not an error
  });

  it('an entry that expires while held is not served', async () => {
    await cache.store(key('short-lived?'), { response: 'x', ttlSeconds: 10, metadata: null });
    expect((await cache.lookup(key('short-lived?'), OPTIONS)).status).toBe('hit');
    clock.advance(10);
    expect((await cache.lookup(key('short-lived?'), OPTIONS)).status).toBe('miss');
  });

  it('memo off (exactMemoEntries 0) behaves the same', async () => {
    cache = new SemanticCache({ store, index, embedder, clock, candidates: 4, exactMemoEntries: 0 });
    await put('q?', 'one');
    await cache.lookup(key('q?'), OPTIONS);
    await put('q?', 'two');
    expect((await cache.lookup(key('q?'), OPTIONS)).entry).toMatchObject({ response: 'two', hitCount: 2 });
  });
});
