import type { Clock } from './core/ports.js';
import type { SemanticCache } from './core/semantic-cache.js';
import type { ShardedHnswIndex } from './index/hnsw-index.js';
import { rebuildShard } from './index/persistence.js';
import { expiredLabels, leastRecentlyUsedLabels } from './store/eviction-queries.js';
import type { SqliteStore } from './store/sqlite-store.js';

export interface SweepParts {
  cache: SemanticCache;
  store: SqliteStore;
  index: ShardedHnswIndex;
  embedderId: string;
  clock: Clock;
  /** 0 = no cap. */
  maxEntries: number;
  /** Deleted slots / capacity above which a shard is rebuilt. */
  compactDeletedFraction: number;
}

export interface SweepReport {
  expired: number;
  evicted: number;
  compactedShards: number;
  droppedShards: number;
  ms: number;
}

/** Deletions run in batches so one sweep never holds SQLite or the event loop for long. */
const BATCH = 1000;

function deleteAll(cache: SemanticCache, next: () => number[]): number {
  let total = 0;
  for (let labels = next(); labels.length > 0; labels = next()) {
    const n = cache.deleteByLabels(labels);
    total += n;
    if (n === 0) break; // rows vanished under us: do not spin
  }
  return total;
}

/** Removes expired entries, enforces max_entries (least recently used first) and compacts
 * shards whose deleted slots pile up. Rows and index vectors go together. */
export function sweep(p: SweepParts): SweepReport {
  const t0 = performance.now();
  const now = p.clock.now();
  const expired = deleteAll(p.cache, () => expiredLabels(p.store.db, now, BATCH));
  let evicted = 0;
  if (p.maxEntries > 0) {
    p.cache.flushHits(); // LRU order reads last_hit_at from SQLite; hits are batched in memory
    evicted = deleteAll(p.cache, () => {
      const excess = p.store.count() - p.maxEntries;
      return excess > 0 ? leastRecentlyUsedLabels(p.store.db, Math.min(excess, BATCH)) : [];
    });
  }
  let compactedShards = 0;
  let droppedShards = 0;
  for (const shard of [...p.index.allShards()]) {
    if (shard.live.size === 0) {
      p.index.dropShard(shard.id);
      droppedShards += 1;
    } else if (shard.deleted > p.compactDeletedFraction * shard.hnsw.getMaxElements()) {
      rebuildShard(p.index, p.store, { ...shard.ref, count: shard.live.size, maxSeq: shard.maxSeq }, p.embedderId);
      compactedShards += 1;
    }
  }
  return { expired, evicted, compactedShards, droppedShards, ms: performance.now() - t0 };
}
