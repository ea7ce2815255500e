import type { Clock } from './ports.js';

export interface BatchLimits {
  /** Oldest pending value's age that makes the next add() flush, ms. */
  maxAgeMs: number;
  /** Distinct keys pending that make the next add() flush. */
  maxEntries: number;
}

/**
 * Values merged per key in memory and written together by `write` (one transaction), instead of
 * one synchronous write per event on the hot path: hit statistics (hit-batch.ts) and chat
 * savings (ledger-batch.ts).
 *
 * add() flushes when it finds the oldest pending value at least `maxAgeMs` old or `maxEntries`
 * keys pending; callers also flush() on their timers and on close. A failed automatic flush
 * keeps everything pending and is not retried by add() for `maxAgeMs` (the event itself never
 * fails); a failed flush() throws, with everything still pending.
 */
export class CoalescingBatch<K, V> {
  private readonly pending = new Map<K, V>();
  /** Clock time when the oldest pending value was added; null when nothing is pending. */
  private oldest: number | null = null;
  /** After a failed automatic flush, add() does not retry before this time. */
  private retryAt = 0;

  constructor(
    private readonly write: (values: readonly V[]) => void,
    private readonly clock: Clock,
    private readonly limits: BatchLimits,
  ) {}

  /** Distinct keys with unwritten values. */
  get size(): number {
    return this.pending.size;
  }

  get(key: K): V | undefined {
    return this.pending.get(key);
  }

  /** Sets key's pending value to merge(its current one); returns it (before any flush this triggers). */
  add(key: K, merge: (prev: V | undefined) => V): V {
    const value = merge(this.pending.get(key));
    this.pending.set(key, value);
    const now = this.clock.now();
    this.oldest ??= now;
    if (now >= this.retryAt && (this.pending.size >= this.limits.maxEntries || now - this.oldest >= this.limits.maxAgeMs)) {
      try {
        this.flush();
      } catch {
        // Kept pending; the next periodic flush() (which throws, so the caller logs it) or an
        // add() after the back-off retries.
        this.retryAt = now + this.limits.maxAgeMs;
      }
    }
    return value;
  }

  /** Writes every pending value at once; returns how many keys it wrote. On failure nothing is
   * written and the values stay pending. */
  flush(): number {
    if (this.pending.size === 0) return 0;
    const values = [...this.pending.values()];
    this.write(values);
    this.pending.clear();
    this.oldest = null;
    this.retryAt = 0;
    return values.length;
  }
}
