import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../helpers.js';
import { EMBEDDER, newEntry, unitVec } from './fixtures.js';
import { MIGRATIONS } from '../../src/store/migrations.js';

let tmp: ReturnType<typeof tempDir>;
let dbPath: string;
let store: SqliteStore;

beforeEach(() => {
  tmp = tempDir('dejavu-store-');
  dbPath = join(tmp.dir, 'nested', 'dir', 'cache.db');
  store = new SqliteStore(dbPath);
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

describe('SqliteStore', () => {
  it('creates its parent directories and starts empty', () => {
    expect(store.count()).toBe(0);
    expect(store.shardStamps(EMBEDDER)).toEqual([]);
  });

  it('upsert inserts and returns the stored entry with every field', () => {
    const e = newEntry({ prompt: 'What is 2+2?', createdAt: 1000, expiresAt: 5000, metadata: { user: 'u1' } });
    const { entry, replaced, previousEmbedder } = store.upsert(e);
    expect(replaced).toBe(false);
    expect(previousEmbedder).toBeNull();
    expect(entry).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      label: expect.any(Number),
      namespace: 'ns',
      partitionKey: 'partition-1',
      model: 'gpt-test',
      prompt: 'What is 2+2?',
      promptHash: e.promptHash,
      response: 'answer to What is 2+2?',
      embedder: EMBEDDER,
      createdAt: 1000,
      expiresAt: 5000,
      hitCount: 0,
      lastHitAt: null,
      metadata: { user: 'u1' },
      seq: 1,
    });
    expect(store.getById(entry.id)).toEqual(entry);
    expect(store.findExact('ns', 'partition-1', e.promptHash)).toEqual(entry);
    expect(store.getByLabels([entry.label])).toEqual([entry]);
    expect(store.count()).toBe(1);
  });

  it('upsert on the same (namespace, partitionKey, promptHash) replaces the answer and keeps id and label', () => {
    const first = store.upsert(newEntry({ prompt: 'q', response: 'old', metadata: { v: 1 } })).entry;
    const second = store.upsert(newEntry({ prompt: '  q ', text: 'q', response: 'new', metadata: { v: 2 }, createdAt: 9999, embedder: 'other-model' }));
    expect(second.replaced).toBe(true);
    expect(second.previousEmbedder).toBe(EMBEDDER);
    expect(second.entry.id).toBe(first.id);
    expect(second.entry.label).toBe(first.label);
    expect(second.entry.seq).toBeGreaterThan(first.seq);
    expect(second.entry).toMatchObject({ response: 'new', metadata: { v: 2 }, prompt: '  q ', createdAt: 9999, embedder: 'other-model' });
    expect(store.count()).toBe(1);
    expect(store.getById(first.id)?.response).toBe('new');
  });

  it('the same prompt hash in another namespace or partition is a separate entry', () => {
    const a = store.upsert(newEntry({ prompt: 'q' })).entry;
    const b = store.upsert(newEntry({ prompt: 'q', namespace: 'other' })).entry;
    const c = store.upsert(newEntry({ prompt: 'q', partitionKey: 'partition-2' })).entry;
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    expect(new Set([a.label, b.label, c.label]).size).toBe(3);
    expect(store.count()).toBe(3);
    expect(store.findExact('other', 'partition-1', a.promptHash)?.id).toBe(b.id);
    expect(store.findExact('ns', 'partition-3', a.promptHash)).toBeUndefined();
  });

  it('seq increases strictly with every insert and replace', () => {
    const seqs = [
      store.upsert(newEntry({ prompt: 'a' })).entry.seq,
      store.upsert(newEntry({ prompt: 'b' })).entry.seq,
      store.upsert(newEntry({ prompt: 'a' })).entry.seq,
      store.upsert(newEntry({ prompt: 'c', namespace: 'x' })).entry.seq,
    ];
    expect(seqs).toEqual([1, 2, 3, 4]);
  });

  it('string and JSON object responses round-trip with their type', () => {
    const json = { id: 'chatcmpl-1', choices: [{ message: { role: 'assistant', content: 'Paris' } }], usage: { total_tokens: 3 }, n: null };
    const jsonLike = '{"looks":"like json"}';
    const a = store.upsert(newEntry({ prompt: 'json', response: json })).entry;
    const b = store.upsert(newEntry({ prompt: 'text', response: jsonLike })).entry;
    const c = store.upsert(newEntry({ prompt: 'unicode', response: 'Ünïcødé ✓ 😀\n\ttabs' })).entry;
    expect(store.getById(a.id)?.response).toEqual(json);
    expect(store.getById(b.id)?.response).toBe(jsonLike);
    expect(store.getById(c.id)?.response).toBe('Ünïcødé ✓ 😀\n\ttabs');
    // replacing a JSON response by a string flips the stored type
    store.upsert(newEntry({ prompt: 'json', response: 'now text' }));
    expect(store.getById(a.id)?.response).toBe('now text');
  });

  it('metadata round-trips; null stays null; replace can clear it', () => {
    const meta = { tags: ['a', 'b'], nested: { n: 1.5, ok: true, nil: null } };
    const e = store.upsert(newEntry({ prompt: 'm', metadata: meta })).entry;
    expect(store.getById(e.id)?.metadata).toEqual(meta);
    const f = store.upsert(newEntry({ prompt: 'n' })).entry;
    expect(store.getById(f.id)?.metadata).toBeNull();
    store.upsert(newEntry({ prompt: 'm', metadata: null }));
    expect(store.getById(e.id)?.metadata).toBeNull();
  });

  it('recordHits increments hit_count and sets last_hit_at', () => {
    const e = store.upsert(newEntry({ prompt: 'h' })).entry;
    store.recordHits([{ label: e.label, count: 1, lastHitAt: 111 }]);
    store.recordHits([{ label: e.label, count: 1, lastHitAt: 222 }]);
    expect(store.getById(e.id)).toMatchObject({ hitCount: 2, lastHitAt: 222 });
    store.recordHits([{ label: 999_999, count: 1, lastHitAt: 333 }]); // unknown label: no-op
    expect(store.getById(e.id)?.hitCount).toBe(2);
  });

  it('deleteById returns the deleted entry; then it is gone everywhere', () => {
    const e = store.upsert(newEntry({ prompt: 'd', metadata: { k: 1 } })).entry;
    const keep = store.upsert(newEntry({ prompt: 'keep' })).entry;
    expect(store.deleteById(e.id)).toEqual(e);
    expect(store.getById(e.id)).toBeUndefined();
    expect(store.findExact(e.namespace, e.partitionKey, e.promptHash)).toBeUndefined();
    expect(store.getByLabels([e.label, keep.label])).toEqual([keep]);
    expect(store.deleteById(e.id)).toBeUndefined();
    expect(store.deleteById('no-such-id')).toBeUndefined();
    expect(store.count()).toBe(1);
  });

  it('labels are never reused after a delete', () => {
    const a = store.upsert(newEntry({ prompt: 'a' })).entry;
    store.deleteById(a.id);
    const b = store.upsert(newEntry({ prompt: 'a' })).entry;
    expect(b.label).toBeGreaterThan(a.label);
    expect(b.id).not.toBe(a.id);
  });

  it('getByLabels skips unknown labels and keeps the requested order', () => {
    const a = store.upsert(newEntry({ prompt: 'a' })).entry;
    const b = store.upsert(newEntry({ prompt: 'b' })).entry;
    expect(store.getByLabels([b.label, 424242, a.label]).map((e) => e.id)).toEqual([b.id, a.id]);
    expect(store.getByLabels([])).toEqual([]);
  });

  it('deleteNamespace deletes only that namespace and returns the count', () => {
    for (const p of ['a', 'b', 'c']) store.upsert(newEntry({ prompt: p, namespace: 'gone' }));
    store.upsert(newEntry({ prompt: 'a', namespace: 'gone', partitionKey: 'partition-2' }));
    store.upsert(newEntry({ prompt: 'a', namespace: 'kept' }));
    expect(store.deleteNamespace('gone')).toBe(4);
    expect(store.count()).toBe(1);
    expect(store.deleteNamespace('gone')).toBe(0);
    expect(store.deleteNamespace('never')).toBe(0);
  });

  it('shardStamps groups by (namespace, partition) and filters by embedder', () => {
    const s1 = [store.upsert(newEntry({ prompt: 'a' })).entry, store.upsert(newEntry({ prompt: 'b' })).entry];
    const s2 = store.upsert(newEntry({ prompt: 'a', partitionKey: 'partition-2' })).entry;
    store.upsert(newEntry({ prompt: 'c', embedder: 'other-model' }));
    const stamps = store.shardStamps(EMBEDDER).sort((x, y) => x.partitionKey.localeCompare(y.partitionKey));
    expect(stamps).toEqual([
      { namespace: 'ns', partitionKey: 'partition-1', count: 2, maxSeq: Math.max(...s1.map((e) => e.seq)) },
      { namespace: 'ns', partitionKey: 'partition-2', count: 1, maxSeq: s2.seq },
    ]);
    expect(store.shardStamps('other-model')).toEqual([{ namespace: 'ns', partitionKey: 'partition-1', count: 1, maxSeq: 4 }]);
    expect(store.shardStamps('unknown')).toEqual([]);
  });

  it('a replace changes the stamp (maxSeq) but not the count', () => {
    store.upsert(newEntry({ prompt: 'a' }));
    const before = store.shardStamps(EMBEDDER)[0];
    store.upsert(newEntry({ prompt: 'a', response: 'changed' }));
    const after = store.shardStamps(EMBEDDER)[0];
    expect(after?.count).toBe(before?.count);
    expect(after?.maxSeq).toBeGreaterThan(before?.maxSeq ?? Infinity);
  });

  it('shardLabels and shardVectors list one shard, filtered by embedder', () => {
    const a = store.upsert(newEntry({ prompt: 'a' })).entry;
    const b = store.upsert(newEntry({ prompt: 'b' })).entry;
    store.upsert(newEntry({ prompt: 'c', embedder: 'other-model' }));
    store.upsert(newEntry({ prompt: 'd', partitionKey: 'partition-2' }));
    const shard = { namespace: 'ns', partitionKey: 'partition-1' };
    expect(store.shardLabels(shard, EMBEDDER).sort()).toEqual([a.label, b.label].sort());
    const vectors = [...store.shardVectors(shard, EMBEDDER)];
    expect(vectors.map((v) => [v.label, v.seq])).toEqual(expect.arrayContaining([[a.label, a.seq], [b.label, b.seq]]));
    expect(vectors).toHaveLength(2);
  });

  it('the embedding blob round-trips bit-exactly, including subarray views and special values', () => {
    const dims = 384;
    const v = unitVec(42, dims);
    const e = store.upsert(newEntry({ prompt: 'v', embedding: v })).entry;
    const [got] = [...store.shardVectors(e, EMBEDDER)];
    expect(got?.embedding).toBeInstanceOf(Float32Array);
    expect(got?.embedding.length).toBe(dims);
    expect(Buffer.from(got!.embedding.buffer)).toEqual(Buffer.from(v.buffer));
    // a view into a larger buffer at an odd float offset must store only its own bytes
    const big = new Float32Array(20).map((_, i) => i + 0.5);
    big[5] = -0;
    big[6] = 1e-40; // subnormal
    big[7] = 3.4e38; // near float32 max
    const view = big.subarray(3, 11);
    const w = store.upsert(newEntry({ prompt: 'w', partitionKey: 'view', embedding: view })).entry;
    const [back] = [...store.shardVectors(w, EMBEDDER)];
    expect(Array.from(back!.embedding)).toEqual(Array.from(view));
    expect(Object.is(back!.embedding[2], -0)).toBe(true);
  });

  it('meta get/set round-trips and overwrites', () => {
    expect(store.getMeta('model')).toBeUndefined();
    store.setMeta('model', 'a');
    store.setMeta('model', 'b');
    expect(store.getMeta('model')).toBe('b');
    expect(store.getMeta('seq')).toBe('0');
  });

  it('close is idempotent', () => {
    store.close();
    expect(() => store.close()).not.toThrow();
  });
});

describe('schema and reopening', () => {
  it('sets user_version, uses WAL, and reopening the same file keeps data (migrations idempotent)', () => {
    const e = store.upsert(newEntry({ prompt: 'persist', response: { a: 1 }, metadata: { m: true } })).entry;
    store.recordHits([{ label: e.label, count: 1, lastHitAt: 77 }]);
    store.setMeta('k', 'v');
    store.close();

    const raw = new Database(dbPath, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['entries', 'meta']));
    raw.close();

    for (let i = 0; i < 2; i++) {
      store = new SqliteStore(dbPath, { synchronous: 'full' });
      expect(store.count()).toBe(1);
      expect(store.getById(e.id)).toEqual({ ...e, hitCount: 1, lastHitAt: 77 });
      expect(store.getMeta('k')).toBe('v');
      store.close();
    }
    store = new SqliteStore(dbPath);
    // the seq counter survives the reopen: the next write is still newer
    expect(store.upsert(newEntry({ prompt: 'next' })).entry.seq).toBeGreaterThan(e.seq);
  });

  it('reads shard stamps and labels at startup from the covering index, not by scanning entries', () => {
    store.upsert(newEntry({ prompt: 'indexed' }));
    const stmt = (store as unknown as { stmt: Record<'stamps' | 'shardLabels', Database.Statement> }).stmt;
    const raw = new Database(dbPath, { readonly: true });
    try {
      for (const q of [stmt.stamps, stmt.shardLabels]) {
        const plan = raw.prepare(`EXPLAIN QUERY PLAN ${q.source}`).all(...q.source.split('?').slice(1).map(() => 'x')) as Array<{ detail: string }>;
        expect(plan.map((p) => p.detail).join('; ')).toMatch(/USING (COVERING )?INDEX entries_shard/);
      }
    } finally {
      raw.close();
    }
  });

  it('adds the shard index to a database made before it, keeping its entries', () => {
    const e = store.upsert(newEntry({ prompt: 'old schema' })).entry;
    store.close();
    const raw = new Database(dbPath);
    raw.exec('DROP INDEX entries_shard');
    raw.pragma(`user_version = ${MIGRATIONS.length - 1}`);
    raw.close();
    store = new SqliteStore(dbPath);
    expect(store.getById(e.id)?.prompt).toBe('old schema');
    expect(store.shardLabels(e, EMBEDDER)).toEqual([e.label]);
    const check = new Database(dbPath, { readonly: true });
    expect(check.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'entries_shard'`).pluck().get()).toBe(1);
    check.close();
  });

  it('refuses a database from a newer schema version', () => {
    store.close();
    const raw = new Database(dbPath);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => new SqliteStore(dbPath)).toThrow(/newer/);
    store = new SqliteStore(join(tmp.dir, 'fresh.db'));
  });

  it('works in memory', () => {
    const mem = new SqliteStore(':memory:');
    mem.upsert(newEntry({ prompt: 'x' }));
    expect(mem.count()).toBe(1);
    mem.close();
  });
});
