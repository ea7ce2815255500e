import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { EntryStore, HitCount, Ledger, LedgerRow, NewEntry, SavingTotal, ShardRef, ShardStamp, UpsertResult } from '../core/ports.js';
import type { StoredEntry } from '../core/types.js';
import { migrate } from './migrations.js';

interface Row {
  id: number;
  uid: string;
  namespace: string;
  partition_key: string;
  model: string | null;
  prompt: string;
  prompt_hash: string;
  response: string;
  response_json: number;
  embedder: string;
  created_at: number;
  expires_at: number | null;
  hit_count: number;
  last_hit_at: number | null;
  metadata: string | null;
  seq: number;
}

const COLUMNS = `id, uid, namespace, partition_key, model, prompt, prompt_hash, response, response_json,
  embedder, created_at, expires_at, hit_count, last_hit_at, metadata, seq`;

export function toEntry(r: Row): StoredEntry {
  return {
    id: r.uid,
    label: r.id,
    namespace: r.namespace,
    partitionKey: r.partition_key,
    model: r.model,
    prompt: r.prompt,
    promptHash: r.prompt_hash,
    response: r.response_json === 1 ? (JSON.parse(r.response) as Record<string, unknown>) : r.response,
    embedder: r.embedder,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    hitCount: r.hit_count,
    lastHitAt: r.last_hit_at,
    metadata: r.metadata === null ? null : (JSON.parse(r.metadata) as Record<string, unknown>),
    seq: r.seq,
  };
}

function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function fromBlob(b: Buffer): Float32Array {
  // Copy: the Buffer may be unaligned for a Float32Array view.
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export interface SqliteStoreOptions {
  synchronous: 'normal' | 'full';
}

/** Durable entry store on better-sqlite3 (WAL). All statements are prepared once. */
export class SqliteStore implements EntryStore, Ledger {
  /** The connection, for query modules that extend the store (admin, eviction). */
  readonly db: Database.Database;
  private readonly stmt;

  constructor(path: string, options: SqliteStoreOptions = { synchronous: 'normal' }) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    const db = this.db;
    this.stmt = {
      exact: db.prepare(`SELECT ${COLUMNS} FROM entries WHERE namespace = ? AND partition_key = ? AND prompt_hash = ?`),
      byLabel: db.prepare(`SELECT ${COLUMNS} FROM entries WHERE id = ?`),
      byUid: db.prepare(`SELECT ${COLUMNS} FROM entries WHERE uid = ?`),
      nextSeq: db.prepare(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq' RETURNING CAST(value AS INTEGER) AS seq`),
      upsert: db.prepare(`INSERT INTO entries (uid, namespace, partition_key, model, prompt, prompt_hash, response,
          response_json, embedding, embedder, created_at, expires_at, metadata, seq)
        VALUES (@uid, @namespace, @partition_key, @model, @prompt, @prompt_hash, @response,
          @response_json, @embedding, @embedder, @created_at, @expires_at, @metadata, @seq)
        ON CONFLICT (namespace, partition_key, prompt_hash) DO UPDATE SET
          prompt = excluded.prompt, response = excluded.response, response_json = excluded.response_json,
          embedding = excluded.embedding, embedder = excluded.embedder, created_at = excluded.created_at,
          expires_at = excluded.expires_at, metadata = excluded.metadata, seq = excluded.seq
        RETURNING ${COLUMNS}`),
      hits: db.prepare(`UPDATE entries SET hit_count = hit_count + ?, last_hit_at = ? WHERE id = ?`),
      deleteByUid: db.prepare(`DELETE FROM entries WHERE uid = ? RETURNING ${COLUMNS}`),
      deleteNamespace: db.prepare(`DELETE FROM entries WHERE namespace = ?`),
      deleteByLabel: db.prepare(`DELETE FROM entries WHERE id = ? RETURNING id, namespace, partition_key`),
      count: db.prepare(`SELECT count(*) AS n FROM entries`),
      stamps: db.prepare(`SELECT namespace, partition_key, count(*) AS n, max(seq) AS max_seq FROM entries
        WHERE embedder = ? AND embedding IS NOT NULL GROUP BY namespace, partition_key`),
      shardLabels: db.prepare(`SELECT id FROM entries WHERE namespace = ? AND partition_key = ? AND embedder = ? AND embedding IS NOT NULL`).pluck(),
      shardVectors: db.prepare(`SELECT id, seq, embedding FROM entries WHERE namespace = ? AND partition_key = ? AND embedder = ? AND embedding IS NOT NULL`),
      spend: db.prepare(`INSERT INTO ledger (namespace, upstream_requests, upstream_prompt_tokens, upstream_completion_tokens, upstream_cost_usd, unpriced)
        VALUES (?, 1, ?, ?, ?, ?) ON CONFLICT(namespace) DO UPDATE SET
          upstream_requests = upstream_requests + 1,
          upstream_prompt_tokens = upstream_prompt_tokens + excluded.upstream_prompt_tokens,
          upstream_completion_tokens = upstream_completion_tokens + excluded.upstream_completion_tokens,
          upstream_cost_usd = upstream_cost_usd + excluded.upstream_cost_usd,
          unpriced = unpriced + excluded.unpriced`),
      saving: db.prepare(`INSERT INTO ledger (namespace, hits, saved_tokens, saved_cost_usd, unpriced) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(namespace) DO UPDATE SET hits = hits + excluded.hits, saved_tokens = saved_tokens + excluded.saved_tokens,
          saved_cost_usd = saved_cost_usd + excluded.saved_cost_usd, unpriced = unpriced + excluded.unpriced`),
      ledger: db.prepare(`SELECT * FROM ledger ORDER BY namespace`),
      getMeta: db.prepare(`SELECT value FROM meta WHERE key = ?`),
      setMeta: db.prepare(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
    };
  }

  findExact(namespace: string, partitionKey: string, promptHash: string): StoredEntry | undefined {
    const row = this.stmt.exact.get(namespace, partitionKey, promptHash) as Row | undefined;
    return row === undefined ? undefined : toEntry(row);
  }

  getByLabels(labels: readonly number[]): StoredEntry[] {
    return labels.flatMap((l) => {
      const row = this.stmt.byLabel.get(l) as Row | undefined;
      return row === undefined ? [] : [toEntry(row)];
    });
  }

  getById(id: string): StoredEntry | undefined {
    const row = this.stmt.byUid.get(id) as Row | undefined;
    return row === undefined ? undefined : toEntry(row);
  }

  upsert(e: NewEntry): UpsertResult {
    return this.db.transaction((): UpsertResult => {
      const previous = this.stmt.exact.get(e.namespace, e.partitionKey, e.promptHash) as Row | undefined;
      const { seq } = this.stmt.nextSeq.get() as { seq: number };
      const row = this.stmt.upsert.get({
        uid: randomUUID(),
        namespace: e.namespace,
        partition_key: e.partitionKey,
        model: e.model,
        prompt: e.prompt,
        prompt_hash: e.promptHash,
        response: typeof e.response === 'string' ? e.response : JSON.stringify(e.response),
        response_json: typeof e.response === 'string' ? 0 : 1,
        embedding: e.embedding === null ? null : toBlob(e.embedding),
        embedder: e.embedder,
        created_at: e.createdAt,
        expires_at: e.expiresAt,
        metadata: e.metadata === null ? null : JSON.stringify(e.metadata),
        seq,
      }) as Row;
      return { entry: toEntry(row), replaced: previous !== undefined, previousEmbedder: previous?.embedder ?? null };
    })();
  }

  recordHits(hits: readonly HitCount[]): void {
    if (hits.length === 0) return;
    this.db.transaction(() => {
      for (const h of hits) this.stmt.hits.run(h.count, h.lastHitAt, h.label);
    })();
  }

  deleteById(id: string): StoredEntry | undefined {
    const row = this.stmt.deleteByUid.get(id) as Row | undefined;
    return row === undefined ? undefined : toEntry(row);
  }

  deleteByLabels(labels: readonly number[]): Array<ShardRef & { label: number }> {
    return this.db.transaction(() =>
      labels.flatMap((l) => {
        const r = this.stmt.deleteByLabel.get(l) as { id: number; namespace: string; partition_key: string } | undefined;
        return r === undefined ? [] : [{ label: r.id, namespace: r.namespace, partitionKey: r.partition_key }];
      }),
    )();
  }

  deleteNamespace(namespace: string): number {
    return this.stmt.deleteNamespace.run(namespace).changes;
  }

  count(): number {
    return (this.stmt.count.get() as { n: number }).n;
  }

  shardStamps(embedder: string): ShardStamp[] {
    const rows = this.stmt.stamps.all(embedder) as Array<{ namespace: string; partition_key: string; n: number; max_seq: number }>;
    return rows.map((r) => ({ namespace: r.namespace, partitionKey: r.partition_key, count: r.n, maxSeq: r.max_seq }));
  }

  shardLabels(shard: ShardRef, embedder: string): number[] {
    return this.stmt.shardLabels.all(shard.namespace, shard.partitionKey, embedder) as number[];
  }

  *shardVectors(shard: ShardRef, embedder: string): Iterable<{ label: number; seq: number; embedding: Float32Array }> {
    const rows = this.stmt.shardVectors.iterate(shard.namespace, shard.partitionKey, embedder) as Iterable<{ id: number; seq: number; embedding: Buffer }>;
    for (const r of rows) yield { label: r.id, seq: r.seq, embedding: fromBlob(r.embedding) };
  }

  /** Sets an entry's hit statistics (import of an export keeps them). False when the label is unknown. */
  setHitStats(label: number, hitCount: number, lastHitAt: number | null): boolean {
    return this.db.prepare(`UPDATE entries SET hit_count = ?, last_hit_at = ? WHERE id = ?`).run(hitCount, lastHitAt, label).changes > 0;
  }

  /** Every entry (of one namespace when given) in insertion order, streamed row by row. The
   * connection is busy until the iteration ends or is abandoned (break / return()). */
  *iterateEntries(namespace?: string): IterableIterator<StoredEntry> {
    const rows = (
      namespace === undefined
        ? this.db.prepare(`SELECT ${COLUMNS} FROM entries ORDER BY id`).iterate()
        : this.db.prepare(`SELECT ${COLUMNS} FROM entries WHERE namespace = ? ORDER BY id`).iterate(namespace)
    ) as IterableIterator<Row>;
    for (const r of rows) yield toEntry(r);
  }

  recordSpend(namespace: string, promptTokens: number, completionTokens: number, costUsd: number | null): void {
    this.stmt.spend.run(namespace, promptTokens, completionTokens, costUsd ?? 0, costUsd === null ? 1 : 0);
  }

  recordSaving(namespace: string, tokens: number, costUsd: number | null): void {
    this.stmt.saving.run(namespace, 1, tokens, costUsd ?? 0, costUsd === null ? 1 : 0);
  }

  recordSavings(totals: readonly SavingTotal[]): void {
    if (totals.length === 0) return;
    this.db.transaction(() => {
      for (const t of totals) this.stmt.saving.run(t.namespace, t.hits, t.tokens, t.costUsd, t.unpriced);
    })();
  }

  ledger(): LedgerRow[] {
    return (this.stmt.ledger.all() as Array<Record<string, number | string>>).map((r) => ({
      namespace: r.namespace as string,
      upstreamRequests: r.upstream_requests as number,
      upstreamPromptTokens: r.upstream_prompt_tokens as number,
      upstreamCompletionTokens: r.upstream_completion_tokens as number,
      upstreamCostUsd: r.upstream_cost_usd as number,
      hits: r.hits as number,
      savedTokens: r.saved_tokens as number,
      savedCostUsd: r.saved_cost_usd as number,
      unpriced: r.unpriced as number,
    }));
  }

  getMeta(key: string): string | undefined {
    return (this.stmt.getMeta.get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt.setMeta.run(key, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
