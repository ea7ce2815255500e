import { CoalescingBatch, type BatchLimits } from './coalescing-batch.js';
import type { Clock, HitCount } from './ports.js';
import type { StoredEntry } from './types.js';

/** maxAgeMs is also the service's flush timer period. */
export type HitBatchOptions = BatchLimits;

export const DEFAULT_HIT_BATCH: HitBatchOptions = { maxAgeMs: 1000, maxEntries: 4096 };

/**
 * Hit statistics (hit_count, last_hit_at) collected in memory and written in one transaction,
 * instead of one synchronous SQLite UPDATE per hit on the hot path.
 *
 * A flush happens when a hit finds the oldest pending hit at least `maxAgeMs` old or
 * `maxEntries` entries pending, whenever flush() is called (the service timer, the sweep before
 * LRU eviction, close()). So SQLite's hit_count / last_hit_at lag by at most about `maxAgeMs`
 * while the service runs; readers through SemanticCache see the pending hits added (overlay()).
 * A graceful shutdown flushes; hits recorded since the last flush are lost on SIGKILL / a crash
 * (only statistics: LRU order and counts, never entries).
 */
export class HitBatch {
  private readonly batch: CoalescingBatch<number, HitCount>;

  constructor(write: (hits: readonly HitCount[]) => void, clock: Clock, options: HitBatchOptions = DEFAULT_HIT_BATCH) {
    this.batch = new CoalescingBatch(write, clock, options);
  }

  /** Distinct entries with unflushed hits. */
  get size(): number {
    return this.batch.size;
  }

  /** Counts one hit at `at`; returns the entry's pending totals including it (before any flush
   * this call triggers, so they add up with a row read before the call). A hit is never failed
   * for its statistics. */
  record(label: number, at: number): HitCount {
    return this.batch.add(label, (prev) => ({ label, count: (prev?.count ?? 0) + 1, lastHitAt: at }));
  }

  /** The entry with its unflushed hits added (as a SQLite read after a flush would return it). */
  overlay(entry: StoredEntry): StoredEntry {
    const hit = this.batch.get(entry.label);
    return hit === undefined ? entry : { ...entry, hitCount: entry.hitCount + hit.count, lastHitAt: hit.lastHitAt };
  }

  /** Writes every pending hit in one transaction; returns how many entries it updated. On
   * failure nothing is written and the hits stay pending. */
  flush(): number {
    return this.batch.flush();
  }
}
