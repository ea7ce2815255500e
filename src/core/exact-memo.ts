import { Lru } from '../util/lru.js';
import type { RequestKey, StoredEntry } from './types.js';

/** Entries held at most, and the longest prompt + string response (chars) worth holding. */
export const EXACT_MEMO_ENTRIES = 2048;
const MAX_CHARS = 16_384;

/**
 * The exact tier's recently found entries by (namespace, partition, prompt hash), so a repeated
 * exact hit skips the SQLite row read (the largest cost of an exact hit after HTTP itself).
 *
 * Invariant: a held entry equals its SQLite row (hits still in the HitBatch are overlaid by the
 * caller, as for a row). SemanticCache keeps it so by dropping what every write it makes touches:
 * store/put (the key), delete / deleteByLabels / hit flushes (the labels), deleteNamespace and
 * index swaps (everything). Writers that bypass SemanticCache on a running service would have
 * to do the same; there are none (the data dir lock keeps other processes out).
 * Held entries (and their response / metadata objects) are shared by every lookup that returns
 * them: treat a looked-up entry as read-only.
 */
export class ExactMemo {
  private readonly byKey: Lru<string, StoredEntry>;
  private readonly keyByLabel = new Map<number, string>();

  constructor(private readonly maxEntries = EXACT_MEMO_ENTRIES) {
    this.byKey = new Lru(maxEntries);
  }

  /** Partition key and prompt hash are fixed-length hex, so this concatenation is unambiguous. */
  private static id(key: Pick<RequestKey, 'namespace' | 'partitionKey' | 'promptHash'>): string {
    return key.partitionKey + key.promptHash + key.namespace;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The held entry for the key (marked most recently used), or undefined. */
  get(key: RequestKey): StoredEntry | undefined {
    return this.byKey.get(ExactMemo.id(key));
  }

  /** Holds an entry just read from the store (skipped when its text is large). */
  set(entry: StoredEntry): void {
    const chars = entry.prompt.length + (typeof entry.response === 'string' ? entry.response.length : 0);
    if (chars > MAX_CHARS || this.maxEntries <= 0) return;
    const id = ExactMemo.id(entry);
    this.drop(entry.label);
    this.dropKey(entry);
    const evicted = this.byKey.set(id, entry);
    if (evicted !== undefined) this.keyByLabel.delete(evicted.label);
    this.keyByLabel.set(entry.label, id);
  }

  /** Forgets the entry stored under this key (it is being replaced). */
  dropKey(key: Pick<RequestKey, 'namespace' | 'partitionKey' | 'promptHash'>): void {
    const entry = this.byKey.peek(ExactMemo.id(key));
    if (entry !== undefined) this.drop(entry.label);
  }

  /** Forgets the entry with this label (deleted, or its row changed). */
  drop(label: number): void {
    const id = this.keyByLabel.get(label);
    if (id === undefined) return;
    this.keyByLabel.delete(label);
    this.byKey.delete(id);
  }

  clear(): void {
    this.byKey.clear();
    this.keyByLabel.clear();
  }
}
