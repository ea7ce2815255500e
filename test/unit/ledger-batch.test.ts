import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchedLedger } from '../../src/core/ledger-batch.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FakeClock, tempDir } from '../helpers.js';

let tmp: ReturnType<typeof tempDir>;
let store: SqliteStore;
beforeEach(() => {
  tmp = tempDir();
  store = new SqliteStore(join(tmp.dir, 'cache.db'));
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

const row = (ns: string) => store.ledger().find((r) => r.namespace === ns);

describe('BatchedLedger', () => {
  it('sums hits per namespace in memory and writes them in one go, readers always seeing them', () => {
    const clock = new FakeClock();
    const ledger = new BatchedLedger(store, clock, 1000);
    ledger.recordSaving('a', 100, 0.5);
    ledger.recordSaving('a', 50, null);
    ledger.recordSaving('b', 7, 0.01);
    expect(row('a')).toBeUndefined(); // nothing written on the hot path yet
    expect(ledger.size).toBe(2);
    const a = ledger.ledger().find((r) => r.namespace === 'a');
    expect(a).toMatchObject({ hits: 2, savedTokens: 150, savedCostUsd: 0.5, unpriced: 1 });
    expect(ledger.size).toBe(0);
    // The same totals as one write per hit would give.
    store.recordSaving('c', 100, 0.5);
    store.recordSaving('c', 50, null);
    expect({ ...row('c'), namespace: 'a' }).toEqual(row('a'));
  });

  it('writes when the oldest pending saving is maxAgeMs old, and on flush()', () => {
    const clock = new FakeClock();
    const ledger = new BatchedLedger(store, clock, 1000);
    ledger.recordSaving('a', 10, 0.1);
    clock.advance(0.999);
    ledger.recordSaving('a', 10, 0.1);
    expect(row('a')).toBeUndefined();
    clock.advance(0.001);
    ledger.recordSaving('a', 10, 0.1);
    expect(row('a')).toMatchObject({ hits: 3, savedTokens: 30 });
    ledger.recordSaving('a', 5, 0.1);
    expect(ledger.flush()).toBe(1);
    expect(row('a')).toMatchObject({ hits: 4, savedTokens: 35 });
    expect(ledger.flush()).toBe(0);
  });

  it('passes spend straight through and keeps savings pending when a write fails', () => {
    const clock = new FakeClock();
    const ledger = new BatchedLedger(store, clock, 1000);
    ledger.recordSpend('a', 10, 20, 0.3);
    expect(row('a')).toMatchObject({ upstreamRequests: 1, upstreamPromptTokens: 10, upstreamCompletionTokens: 20 });
    ledger.recordSaving('a', 10, 0.1);
    store.close();
    clock.advance(5);
    expect(() => ledger.recordSaving('a', 10, 0.1)).not.toThrow(); // a hit never fails for its accounting
    expect(() => ledger.flush()).toThrow();
    expect(ledger.size).toBe(1);
    store = new SqliteStore(join(tmp.dir, 'cache.db'));
    const again = new BatchedLedger(store, clock, 1000);
    again.recordSavings([{ namespace: 'a', hits: 2, tokens: 20, costUsd: 0.2, unpriced: 0 }]);
    expect(again.ledger().find((r) => r.namespace === 'a')).toMatchObject({ hits: 2, savedTokens: 20, upstreamRequests: 1 });
  });
});
