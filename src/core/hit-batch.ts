import type { Clock, HitCount } from './ports.js';
import type { StoredEntry } from './types.js';

export interface HitBatchOptions {
  /** Oldest unflushed hit age that makes the next hit flush, ms (also the service timer period). */
  maxAgeMs: number;
  /** Distinct entries pending that make the next hit flush. */
  maxEntries: number;
}

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
  private readonly pending = new Map<number, HitCount>();
  /** Clock time when the oldest pending hit was recorded; null when nothing is pending. */
  private oldest: number | null = null;
  /** After a failed automatic flush, the hot path does not retry before this time. */
  private retryAt = 0;

  constructor(
    private readonly write: (hits: readonly HitCount[]) => void,
    private readonly clock: Clock,
    private readonly options: HitBatchOptions = DEFAULT_HIT_BATCH,
  ) {}

  /** Distinct entries with unflushed hits. */
  get size(): number {
    return this.pending.size;
  }

  /** Counts one hit at `at`; returns the entry's pending totals including it (before any flush
   * this call triggers, so they add up with a row read before the call). */
  record(label: number, at: number): HitCount {
    const prev = this.pending.get(label);
    const hit: HitCount = { label, count: (prev?.count ?? 0) + 1, lastHitAt: at };
    this.pending.set(label, hit);
    const now = this.clock.now();
    this.oldest ??= now;
    if (now >= this.retryAt && (this.pending.size >= this.options.maxEntries || now - this.oldest >= this.options.maxAgeMs)) {
      try {
        this.flush();
      } catch {
        // Kept pending; the next periodic flush() (which throws, so the service logs it) or a
        // hit after the back-off retries. A hit is never failed for its statistics.
        this.retryAt = now + this.options.maxAgeMs;
      }
    }
    return hit;
  }

  /** The entry with its unflushed hits added (as a SQLite read after a flush would return it). */
  overlay(entry: StoredEntry): StoredEntry {
    const hit = this.pending.get(entry.label);
    return hit === undefined ? entry : { ...entry, hitCount: entry.hitCount + hit.count, lastHitAt: hit.lastHitAt };
  }

  /** Writes every pending hit in one transaction; returns how many entries it updated. On
   * failure nothing is written and the hits stay pending. */
  flush(): number {
    if (this.pending.size === 0) return 0;
    const hits = [...this.pending.values()];
    this.write(hits);
    this.pending.clear();
    this.oldest = null;
    this.retryAt = 0;
    return hits.length;
  }
}
