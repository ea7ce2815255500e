import { CoalescingBatch } from './coalescing-batch.js';
import type { Clock, Ledger, LedgerRow, SavingTotal } from './ports.js';

/**
 * The chat path's savings ledger with hits summed in memory per namespace and written in one
 * transaction (coalescing-batch.ts), instead of one synchronous SQLite upsert per cache hit on
 * the hot path (measured: the largest single cost of a chat exact hit, about a tenth of its
 * main-thread time).
 *
 * Pending savings are written when a hit finds the oldest one at least `maxAgeMs` old, on
 * flush() (the service's hit-statistics timer and close()), and before every ledger() read, so
 * readers always see every hit. Spend (one row per upstream call, off the hit path) is written
 * straight through. Savings recorded since the last flush are lost on SIGKILL / a crash; a hit
 * is never failed for its accounting.
 */
export class BatchedLedger implements Ledger {
  private readonly batch: CoalescingBatch<string, SavingTotal>;

  constructor(
    private readonly inner: Ledger,
    clock: Clock,
    maxAgeMs: number,
  ) {
    this.batch = new CoalescingBatch((totals) => inner.recordSavings(totals), clock, { maxAgeMs, maxEntries: Number.POSITIVE_INFINITY });
  }

  recordSpend(namespace: string, promptTokens: number, completionTokens: number, costUsd: number | null): void {
    this.inner.recordSpend(namespace, promptTokens, completionTokens, costUsd);
  }

  recordSaving(namespace: string, tokens: number, costUsd: number | null): void {
    this.add({ namespace, hits: 1, tokens, costUsd: costUsd ?? 0, unpriced: costUsd === null ? 1 : 0 });
  }

  recordSavings(totals: readonly SavingTotal[]): void {
    for (const t of totals) this.add(t);
  }

  /** Every namespace's totals, pending savings included (they are written first). */
  ledger(): LedgerRow[] {
    this.flush();
    return this.inner.ledger();
  }

  /** Namespaces with unwritten savings. */
  get size(): number {
    return this.batch.size;
  }

  /** Writes every pending saving in one transaction; returns how many namespaces it touched.
   * On failure nothing is written and the savings stay pending. */
  flush(): number {
    return this.batch.flush();
  }

  private add(t: SavingTotal): void {
    this.batch.add(t.namespace, (p) =>
      p === undefined ? { ...t } : { namespace: t.namespace, hits: p.hits + t.hits, tokens: p.tokens + t.tokens, costUsd: p.costUsd + t.costUsd, unpriced: p.unpriced + t.unpriced },
    );
  }
}
