/** A Map kept in recency order (insertion order: a read moves its key to the end) that holds at
 * most `capacity` entries, evicting the least recently used. Shared by the in-memory memos on the
 * hot path (exact entries, request keys, embeddings, text analyses). */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The value (marked most recently used), or undefined. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  /** The value without touching its recency. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  /** Holds the value as most recently used; returns the value evicted to make room, if any. */
  set(key: K, value: V): V | undefined {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size <= this.capacity) return undefined;
    const [oldestKey, oldest] = this.map.entries().next().value as [K, V];
    this.map.delete(oldestKey);
    return oldest;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }
}
