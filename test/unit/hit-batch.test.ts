import { describe, expect, it } from 'vitest';
import type { HitCount } from '../../src/core/ports.js';
import { HitBatch } from '../../src/core/hit-batch.js';
import { ExactMemo } from '../../src/core/exact-memo.js';
import type { StoredEntry } from '../../src/core/types.js';
import { FakeClock, storedEntry } from '../helpers.js';

function recorder(): { batches: HitCount[][]; write: (hits: readonly HitCount[]) => void; fail: boolean } {
  const r = {
    batches: [] as HitCount[][],
    fail: false,
    write: (hits: readonly HitCount[]) => {
      if (r.fail) throw new Error('disk I/O error');
      r.batches.push([...hits]);
    },
  };
  return r;
}

describe('HitBatch', () => {
  it('counts hits per entry in memory and writes them in one batch on flush()', () => {
    const clock = new FakeClock();
    const out = recorder();
    const batch = new HitBatch(out.write, clock, { maxAgeMs: 1000, maxEntries: 100 });
    expect(batch.record(1, 10)).toEqual({ label: 1, count: 1, lastHitAt: 10 });
    expect(batch.record(1, 20)).toEqual({ label: 1, count: 2, lastHitAt: 20 });
    expect(batch.record(2, 30)).toEqual({ label: 2, count: 1, lastHitAt: 30 });
    expect(out.batches).toEqual([]);
    expect(batch.size).toBe(2);
    expect(batch.flush()).toBe(2);
    expect(out.batches).toEqual([[{ label: 1, count: 2, lastHitAt: 20 }, { label: 2, count: 1, lastHitAt: 30 }]]);
    expect(batch.size).toBe(0);
    expect(batch.flush()).toBe(0); // nothing pending: no write at all
    expect(out.batches).toHaveLength(1);
  });

  it('a hit flushes once the oldest pending hit is maxAgeMs old (injected clock)', () => {
    const clock = new FakeClock();
    const out = recorder();
    const batch = new HitBatch(out.write, clock, { maxAgeMs: 1000, maxEntries: 100 });
    batch.record(1, clock.now());
    clock.advance(0.999);
    batch.record(2, clock.now());
    expect(out.batches).toEqual([]);
    clock.advance(0.001);
    const returned = batch.record(1, clock.now());
    // Totals as of before the flush, so they add up with a row read before the hit.
    expect(returned.count).toBe(2);
    expect(out.batches).toHaveLength(1);
    expect(out.batches[0]!.map((h) => [h.label, h.count])).toEqual([[1, 2], [2, 1]]);
    expect(batch.size).toBe(0);
  });

  it('a hit flushes when maxEntries entries are pending', () => {
    const out = recorder();
    const batch = new HitBatch(out.write, new FakeClock(), { maxAgeMs: 60_000, maxEntries: 3 });
    batch.record(1, 1);
    batch.record(2, 1);
    batch.record(2, 2);
    expect(out.batches).toEqual([]);
    batch.record(3, 3);
    expect(out.batches).toHaveLength(1);
    expect(out.batches[0]).toHaveLength(3);
  });

  it('keeps hits pending when the write fails, never fails the hit, and backs off on the hot path', () => {
    const clock = new FakeClock();
    const out = recorder();
    const batch = new HitBatch(out.write, clock, { maxAgeMs: 1000, maxEntries: 2 });
    out.fail = true;
    batch.record(1, 1);
    expect(() => batch.record(2, 2)).not.toThrow(); // automatic flush failed
    expect(batch.size).toBe(2);
    batch.record(3, 3); // still inside the back-off: no new attempt
    expect(() => batch.flush()).toThrow('disk I/O error'); // an explicit flush reports it
    expect(batch.size).toBe(3);
    out.fail = false;
    clock.advance(1);
    batch.record(1, 4); // back-off over: the hot path retries and succeeds
    expect(out.batches).toEqual([[{ label: 1, count: 2, lastHitAt: 4 }, { label: 2, count: 1, lastHitAt: 2 }, { label: 3, count: 1, lastHitAt: 3 }]]);
    expect(batch.size).toBe(0);
  });

  it('overlay adds the pending hits to an entry read from the store', () => {
    const batch = new HitBatch(() => {}, new FakeClock(), { maxAgeMs: 1000, maxEntries: 100 });
    const e = storedEntry(7, { hitCount: 4, lastHitAt: 5 });
    expect(batch.overlay(e)).toBe(e);
    batch.record(7, 50);
    batch.record(7, 60);
    expect(batch.overlay(e)).toEqual({ ...e, hitCount: 6, lastHitAt: 60 });
    expect(e.hitCount).toBe(4); // never mutated
  });
});

describe('ExactMemo', () => {
  const key = (e: StoredEntry) => ({ namespace: e.namespace, partitionKey: e.partitionKey, promptHash: e.promptHash, model: null, prompt: e.prompt, text: e.prompt });

  it('holds entries by namespace + partition + prompt hash and forgets them by key, label or all', () => {
    const memo = new ExactMemo(10);
    const [a, b, c] = [storedEntry(1), storedEntry(2), storedEntry(3, { namespace: 'other' })];
    for (const e of [a, b, c]) memo.set(e);
    expect(memo.get(key(a))).toBe(a);
    expect(memo.get({ ...key(a), namespace: 'other' })).toBeUndefined();
    expect(memo.get(key(c))).toBe(c);
    memo.dropKey(key(a));
    memo.drop(2);
    expect(memo.get(key(a))).toBeUndefined();
    expect(memo.get(key(b))).toBeUndefined();
    expect(memo.size).toBe(1);
    memo.clear();
    expect(memo.get(key(c))).toBeUndefined();
  });

  it('evicts the least recently used entry when full, and skips large entries', () => {
    const memo = new ExactMemo(2);
    const [a, b, c] = [storedEntry(1), storedEntry(2), storedEntry(3)];
    memo.set(a);
    memo.set(b);
    memo.get(key(a)); // a is now the most recently used
    memo.set(c);
    expect(memo.get(key(b))).toBeUndefined();
    expect(memo.get(key(a))).toBe(a);
    expect(memo.get(key(c))).toBe(c);
    memo.set(storedEntry(4, { response: 'x'.repeat(20_000) }));
    expect(memo.get(key(storedEntry(4)))).toBeUndefined();
    expect(memo.size).toBe(2);
    expect(new ExactMemo(0).size).toBe(0);
  });

  it('a re-read entry replaces the held one for the same key', () => {
    const memo = new ExactMemo(10);
    memo.set(storedEntry(1, { response: 'old' }));
    memo.set(storedEntry(1, { response: 'new' }));
    expect(memo.get(key(storedEntry(1)))?.response).toBe('new');
    expect(memo.size).toBe(1);
  });
});
