import type { RequestKey, StoredEntry, StoreOptions, VerifierVeto } from './types.js';

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface Embedder {
  /** Identifies the model and dtype; vectors from different ids are never compared. */
  readonly modelId: string;
  readonly dims: number;
  /** True when the whole text fits the model's input window. A longer text would be silently
   * truncated, and two long prompts differing only after the cut would look identical. */
  fits(text: string): boolean;
  /** Returns an L2-normalised float32 vector of length `dims`. */
  embed(text: string): Promise<Float32Array>;
}

/** The two sentence vectors of a pair (the verifier's adapter compares them through a learned
 * projection). Without them the verifier falls back to the plain cosine for that feature. */
export interface PairVectors {
  query: Float32Array;
  candidate: Float32Array;
}

/** Scores whether a cached prompt asks the same thing as a new one, from signals the sentence
 * embedding misses (swapped directions, changed numbers, negation, antonyms, other entities). */
export interface Verifier {
  readonly id: string;
  /** Calibrated probability (0..1) that `query` and `candidate` (normalised prompts) ask the same thing. */
  score(query: string, candidate: string, similarity: number, vectors?: PairVectors): number;
  /** The score plus a hard veto: a pair rule that rejects at any threshold (e.g. 'direction_swap'
   * for "convert X to Y" vs "convert Y to X", 'unit_change' for "10 lb" vs "10 kg"); vetoed pairs score 0. */
  assess(query: string, candidate: string, similarity: number, vectors?: PairVectors): { score: number; veto: VerifierVeto | null };
  /** The score threshold that kept the false-hit rate at or below `maxFalseHitRate` on the
   * development data (shipped with the weights). */
  thresholdFor(maxFalseHitRate: number): number;
}

/** Identifies one isolated search space: a namespace + partition pair. */
export interface ShardRef {
  namespace: string;
  partitionKey: string;
}

export interface Neighbor {
  label: number;
  /** Cosine similarity, 0..1, higher = closer. */
  similarity: number;
}

export interface IndexStats {
  /** Live vectors. */
  size: number;
  /** Allocated slots over all shards. */
  capacity: number;
  /** Slots holding deleted (markDelete) vectors not yet reused. */
  deleted: number;
  shards: number;
}

export interface VectorIndex {
  /** Adds or replaces the vector of `label` inside the shard. `seq` is the entry's write sequence. */
  add(shard: ShardRef, label: number, vector: Float32Array, seq: number): void;
  /** Removes `label` from the shard; false when it was not there. */
  remove(shard: ShardRef, label: number): boolean;
  /** Drops every shard of a namespace. */
  dropNamespace(namespace: string): void;
  /** Up to `k` nearest live vectors inside the shard, closest first. */
  search(shard: ShardRef, vector: Float32Array, k: number): Neighbor[];
  /** The stored (normalised) vector of a live label, or null. */
  vector(shard: ShardRef, label: number): Float32Array | null;
  stats(): IndexStats;
}

export type NewEntry = RequestKey &
  Omit<StoreOptions, 'ttlSeconds'> & {
    /** null when the prompt does not fit the embedder: such entries are served by the exact tier only. */
    embedding: Float32Array | null;
    embedder: string; createdAt: number; expiresAt: number | null };

export interface UpsertResult {
  entry: StoredEntry;
  /** True when an entry with the same normalised prompt existed and was replaced (id kept). */
  replaced: boolean;
  /** The embedder of the replaced row, when replaced. */
  previousEmbedder: string | null;
}

/** Per-shard fingerprint of the stored rows: equal stamps mean equal index content. */
export interface ShardStamp extends ShardRef {
  count: number;
  maxSeq: number;
}

/** One namespace's money and token totals. Costs in US dollars. */
export interface LedgerRow {
  namespace: string;
  upstreamRequests: number;
  upstreamPromptTokens: number;
  upstreamCompletionTokens: number;
  upstreamCostUsd: number;
  hits: number;
  savedTokens: number;
  savedCostUsd: number;
  unpriced: number;
}

export interface Ledger {
  /** An answer paid for upstream. `costUsd` null = model without a price. */
  recordSpend(namespace: string, promptTokens: number, completionTokens: number, costUsd: number | null): void;
  /** A hit that avoided paying `tokens` again. */
  recordSaving(namespace: string, tokens: number, costUsd: number | null): void;
  /** Many hits' savings at once, summed per namespace (one transaction). */
  recordSavings(totals: readonly SavingTotal[]): void;
  ledger(): LedgerRow[];
}

/** Savings of `hits` hits of one namespace; `unpriced` of them had no price (cost counted 0). */
export interface SavingTotal {
  namespace: string;
  hits: number;
  tokens: number;
  costUsd: number;
  unpriced: number;
}

/** Hits of one entry since the last flush of hit statistics. */
export interface HitCount {
  label: number;
  count: number;
  /** Time of the latest of those hits, ms since epoch. */
  lastHitAt: number;
}

export interface EntryStore {
  findExact(namespace: string, partitionKey: string, promptHash: string): StoredEntry | undefined;
  getByLabels(labels: readonly number[]): StoredEntry[];
  getById(id: string): StoredEntry | undefined;
  upsert(entry: NewEntry): UpsertResult;
  /** Adds batched hits (hit_count += count, last_hit_at = lastHitAt) in one transaction; unknown
   * labels are skipped. All or nothing. */
  recordHits(hits: readonly HitCount[]): void;
  /** Deletes one entry and returns it, or undefined when unknown. */
  deleteById(id: string): StoredEntry | undefined;
  deleteNamespace(namespace: string): number;
  /** Deletes the given entries (unknown labels are skipped) in one transaction; returns what was deleted. */
  deleteByLabels(labels: readonly number[]): Array<ShardRef & { label: number }>;
  count(): number;
  /** Stamps of every shard's rows embedded with `embedder`. */
  shardStamps(embedder: string): ShardStamp[];
  /** Labels of a shard's rows embedded with `embedder`. */
  shardLabels(shard: ShardRef, embedder: string): number[];
  /** Labels and embeddings of a shard's rows embedded with `embedder`. */
  shardVectors(shard: ShardRef, embedder: string): Iterable<{ label: number; seq: number; embedding: Float32Array }>;
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  close(): void;
}
