import { ExactMemo } from './exact-memo.js';
import { DEFAULT_HIT_BATCH, HitBatch, type HitBatchOptions } from './hit-batch.js';
import { BatchedLedger } from './ledger-batch.js';
import { decide, freshnessProblem, type PolicyContext } from './policy.js';
import type { Clock, Embedder, EntryStore, IndexStats, Ledger, NewEntry, UpsertResult, VectorIndex, Verifier } from './ports.js';
import { normalizePrompt } from './request-key.js';
import type { Candidate, LookupOptions, LookupOutcome, LookupStatus, RequestKey, StoredEntry, StoreOptions } from './types.js';

export interface CacheStats {
  entries: number;
  lookups: Record<LookupStatus, number>;
  /** (hit + semantic-hit) / lookups since start; null before the first lookup. */
  hitRate: number | null;
  index: IndexStats;
  model: { id: string; dims: number };
}

export interface SemanticCacheDeps {
  store: EntryStore;
  index: VectorIndex;
  embedder: Embedder;
  clock: Clock;
  /** Nearest neighbours examined per semantic lookup. */
  candidates: number;
  /** Money/token accounting for the chat path. */
  ledger?: Ledger;
  /** Called with the duration of every embedding, seconds. */
  onEmbed?: (seconds: number) => void;
  /** Hit verifier used by lookups that ask for it (`minScore`). */
  verifier?: Verifier;
  /** When batched hit statistics are written to the store (default DEFAULT_HIT_BATCH). */
  hitBatch?: HitBatchOptions;
  /** Exact-tier entries held in memory (default EXACT_MEMO_ENTRIES; 0 = off). */
  exactMemoEntries?: number;
}

/** Lookup / store / invalidate over the ports. No HTTP, no files. */
export class SemanticCache {
  private readonly counts: Record<LookupStatus, number> = { hit: 0, 'semantic-hit': 0, miss: 0 };
  /** Why semantic lookups are off, by cause ('model': entries embedded by another model;
   * 'verifier': unusable verifier weights); empty = on. */
  private readonly disabled = new Map<'model' | 'verifier', string>();
  /** hit_count / last_hit_at not yet written to the store (see hit-batch.ts). */
  private readonly hits: HitBatch;
  /** Recently found exact-tier rows (see exact-memo.ts); every write below keeps it equal to SQLite. */
  private readonly memo: ExactMemo;
  /** Savings of chat hits not yet written to the store (see ledger-batch.ts). */
  private readonly savings: BatchedLedger | undefined;

  constructor(private readonly deps: SemanticCacheDeps) {
    this.memo = new ExactMemo(deps.exactMemoEntries);
    this.hits = new HitBatch(
      (hits) => {
        this.deps.store.recordHits(hits);
        for (const h of hits) this.memo.drop(h.label); // their rows' hit counts changed
      },
      deps.clock,
      deps.hitBatch,
    );
    const maxAgeMs = (deps.hitBatch ?? DEFAULT_HIT_BATCH).maxAgeMs;
    this.savings = deps.ledger === undefined ? undefined : new BatchedLedger(deps.ledger, deps.clock, maxAgeMs);
  }

  get index(): VectorIndex {
    return this.deps.index;
  }

  get embedder(): Embedder {
    return this.deps.embedder;
  }

  get semanticDisabled(): string | null {
    return this.disabled.size === 0 ? null : [...this.disabled.values()].join('; ');
  }

  /** Turns the semantic tier off for a cause (reason) or clears that cause (null); the exact
   * tier always serves. */
  setSemanticDisabled(cause: 'model' | 'verifier', reason: string | null): void {
    if (reason === null) this.disabled.delete(cause);
    else this.disabled.set(cause, reason);
  }

  /** Replaces the vector index (after a rebuild); the caller makes sure it matches the store. */
  swapIndex(index: VectorIndex): void {
    this.deps.index = index;
    this.memo.clear(); // a re-embed changed rows (embedder) before this swap
  }

  get ledger(): Ledger | undefined {
    return this.savings;
  }

  private async embed(text: string): Promise<Float32Array> {
    const t0 = performance.now();
    const v = await this.deps.embedder.embed(text);
    this.deps.onEmbed?.((performance.now() - t0) / 1000);
    return v;
  }

  async lookup(key: RequestKey, options: LookupOptions): Promise<LookupOutcome> {
    const outcome = await this.resolve(key, options);
    this.counts[outcome.status] += 1;
    return outcome;
  }

  private async resolve(key: RequestKey, options: LookupOptions): Promise<LookupOutcome> {
    const { embedder, clock } = this.deps;
    const ctx: PolicyContext = { ...options, now: clock.now() };
    // Exact tier: same normalised text in the same namespace + partition; no embedding needed.
    const exact = this.findExact(key);
    if (exact !== undefined && freshnessProblem(exact, ctx) === null) {
      return { status: 'hit', entry: this.markHit(exact, ctx.now), similarity: 1, candidate: null };
    }
    const skip = this.disabled.size > 0 ? 'semantic_disabled' : !embedder.fits(key.text) ? 'prompt_exceeds_model_window' : null;
    if (skip !== null) {
      const candidate = exact === undefined ? null : { entry: exact, similarity: 1, reason: freshnessProblem(exact, ctx) ?? 'expired' };
      return { status: 'miss', entry: null, similarity: null, candidate, skipped: skip };
    }
    const candidates = await this.candidatesFor(key, options);
    // An exact match that is not in the index (e.g. embedded by another model) still informs the miss.
    if (exact !== undefined && !candidates.some((c) => c.entry.label === exact.label)) candidates.push({ entry: exact, similarity: 1 });
    const decision = decide(candidates, ctx);
    if (decision.kind === 'hit') {
      const { entry, similarity, score } = decision;
      // The same normalised prompt, stored while this lookup embedded (the exact tier ran first):
      // an exact match, so it is counted and labelled as one.
      if (entry.promptHash === key.promptHash) return { status: 'hit', entry: this.markHit(entry, ctx.now), similarity: 1, candidate: null };
      return { status: 'semantic-hit', entry: this.markHit(entry, ctx.now), similarity, ...(score === undefined ? {} : { score }), candidate: null };
    }
    return { status: 'miss', entry: null, similarity: null, candidate: decision.best };
  }

  /** The entry stored under the key's normalised prompt, from the memo or SQLite. */
  private findExact(key: RequestKey): StoredEntry | undefined {
    const held = this.memo.get(key);
    if (held !== undefined) return held;
    const entry = this.deps.store.findExact(key.namespace, key.partitionKey, key.promptHash);
    if (entry !== undefined) this.memo.set(entry);
    return entry;
  }

  /** Nearest entries inside the key's shard; in verifier mode those at or above the cosine floor
   * are scored by the verifier. */
  private async candidatesFor(key: RequestKey, options: LookupOptions): Promise<Candidate[]> {
    const vector = await this.embed(key.text);
    // Read after the await: an index rebuild may have swapped in a new index meanwhile.
    const { store, index, verifier } = this.deps;
    const neighbors = index.search(key, vector, this.deps.candidates);
    const byLabel = new Map(store.getByLabels(neighbors.map((n) => n.label)).map((e) => [e.label, e]));
    const verify = options.minScore !== undefined && verifier !== undefined;
    return neighbors.flatMap((n) => {
      const entry = byLabel.get(n.label);
      if (entry === undefined) return [];
      if (!verify || n.similarity < options.threshold) return [{ entry, similarity: n.similarity }];
      const stored = index.vector(key, n.label);
      const vectors = stored === null ? undefined : { query: vector, candidate: stored };
      const { score, veto } = verifier.assess(key.text, normalizePrompt(entry.prompt), n.similarity, vectors);
      return [veto === null ? { entry, similarity: n.similarity, score } : { entry, similarity: n.similarity, score, veto }];
    });
  }

  /** Every candidate a lookup would consider, with similarity and verifier score, without any
   * side effect (no hit counts, no stats): for evaluation and diagnostics. Empty when the
   * semantic tier is off or the prompt does not fit the model. */
  async explain(key: RequestKey, options: LookupOptions): Promise<Candidate[]> {
    if (this.disabled.size > 0 || !this.deps.embedder.fits(key.text)) return [];
    return this.candidatesFor(key, options);
  }

  get verifier(): Verifier | undefined {
    return this.deps.verifier;
  }

  /** Counts a hit in memory (written by flushHits(), see hit-batch.ts); `entry` is as read from the store. */
  private markHit(entry: StoredEntry, now: number): StoredEntry {
    const pending = this.hits.record(entry.label, now);
    return { ...entry, hitCount: entry.hitCount + pending.count, lastHitAt: pending.lastHitAt };
  }

  /** Writes the batched hit statistics (and the chat hits' pending savings) to the store;
   * returns how many entries it updated. Call before reading hit_count / last_hit_at straight
   * from SQLite (LRU eviction) and before closing the store. */
  flushHits(): number {
    let savingsError: unknown = null;
    try {
      this.savings?.flush();
    } catch (err) {
      savingsError = err; // still flush the hit counts; report after
    }
    const n = this.hits.flush();
    if (savingsError !== null) throw savingsError;
    return n;
  }

  /** Stores (or replaces, keeping the id) the answer for the key's normalised prompt. */
  async store(key: RequestKey, options: StoreOptions): Promise<StoredEntry> {
    const { embedder } = this.deps;
    // A prompt longer than the model window is never embedded: its truncated vector would
    // match any prompt sharing the prefix. It is still stored and served by the exact tier.
    const embedding = embedder.fits(key.text) ? await this.embed(key.text) : null;
    // Read after the await: an index rebuild may have swapped in a new index meanwhile, built
    // from SQLite before this upsert, so the vector must go into that one.
    const { store, index, clock } = this.deps;
    const createdAt = clock.now();
    const expiresAt = options.ttlSeconds > 0 ? createdAt + options.ttlSeconds * 1000 : null;
    // SQLite first: once it commits the entry is durable; the index can always be rebuilt from it.
    this.memo.dropKey(key);
    const { entry } = store.upsert({
      ...key,
      response: options.response,
      metadata: options.metadata,
      embedding,
      embedder: embedder.modelId,
      createdAt,
      expiresAt,
    });
    if (embedding === null) index.remove(key, entry.label);
    else index.add(key, entry.label, embedding, entry.seq);
    return entry;
  }

  /** The vector store() would write for the key, or null when the prompt exceeds the model window
   * (such entries are served by the exact tier only). With put(), lets a bulk writer keep several
   * embeddings in flight and still write in order. */
  async embedKey(key: RequestKey): Promise<Float32Array | null> {
    return this.deps.embedder.fits(key.text) ? this.embed(key.text) : null;
  }

  /** Stores (or replaces, keeping the id) an entry with explicit times and a vector from embedKey():
   * the import path, which must keep created_at / expires_at. Synchronous, so a caller can group
   * many puts in one SQLite transaction. */
  put(
    key: RequestKey,
    entry: Pick<NewEntry, 'response' | 'metadata' | 'createdAt' | 'expiresAt'>,
    embedding: Float32Array | null,
  ): UpsertResult {
    const { store, index, embedder } = this.deps;
    if (embedding !== null && embedding.length !== embedder.dims) {
      throw new Error(`embedding has ${embedding.length} dimensions, the embedder ${embedder.dims}`);
    }
    this.memo.dropKey(key);
    const result = store.upsert({
      ...key,
      response: entry.response,
      metadata: entry.metadata,
      embedding,
      embedder: embedder.modelId,
      createdAt: entry.createdAt,
      expiresAt: entry.expiresAt,
    });
    if (embedding === null) index.remove(key, result.entry.label);
    else index.add(key, result.entry.label, embedding, result.entry.seq);
    return result;
  }

  get(id: string): StoredEntry | undefined {
    const entry = this.deps.store.getById(id);
    return entry === undefined ? undefined : this.hits.overlay(entry);
  }

  delete(id: string): boolean {
    const removed = this.deps.store.deleteById(id);
    if (removed === undefined) return false;
    this.memo.drop(removed.label);
    this.deps.index.remove(removed, removed.label);
    return true;
  }

  /** Deletes entries by internal label (sweeper, LRU cap, admin purges); returns how many. */
  deleteByLabels(labels: readonly number[]): number {
    const removed = this.deps.store.deleteByLabels(labels);
    for (const l of labels) this.memo.drop(l);
    for (const r of removed) this.deps.index.remove(r, r.label);
    return removed.length;
  }

  deleteNamespace(namespace: string): number {
    const deleted = this.deps.store.deleteNamespace(namespace);
    this.memo.clear();
    this.deps.index.dropNamespace(namespace);
    return deleted;
  }

  stats(): CacheStats {
    const total = this.counts.hit + this.counts['semantic-hit'] + this.counts.miss;
    return {
      entries: this.deps.store.count(),
      lookups: { ...this.counts },
      hitRate: total === 0 ? null : (this.counts.hit + this.counts['semantic-hit']) / total,
      index: this.deps.index.stats(),
      model: { id: this.deps.embedder.modelId, dims: this.deps.embedder.dims },
    };
  }
}
