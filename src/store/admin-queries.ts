import type Database from 'better-sqlite3';
import type { StoredEntry } from '../core/types.js';
import { SqliteStore, toEntry } from './sqlite-store.js';

/** The columns toEntry reads (everything but the embedding blob, which listing never needs). */
const COLUMNS = `id, uid, namespace, partition_key, model, prompt, prompt_hash, response, response_json,
  embedder, created_at, expires_at, hit_count, last_hit_at, metadata, seq`;

type Row = Parameters<typeof toEntry>[0];

/** Which entries an admin purge removes; the present fields combine with AND. */
export interface PurgeFilter {
  namespace?: string | undefined;
  /** Entries whose `metadata.tags` is an array holding this string. */
  tag?: string | undefined;
  /** Entries created strictly before this instant (ms since epoch). */
  createdBefore?: number | undefined;
}

/**
 * Read-side SQL for the admin API (listing, purge selection) over the store's connection.
 * Deleting is NOT done here: callers pass the selected labels to SemanticCache.deleteByLabels,
 * which removes the rows and their index vectors together.
 *
 * Query plans (EXPLAIN QUERY PLAN, schema of migrations.ts):
 * - list, no namespace: `SEARCH entries USING INTEGER PRIMARY KEY (rowid>?)` — a true keyset scan.
 * - list by namespace: the page's ids come from a subquery on the COVERING index entries_exact
 *   (namespace=?) with a top-N sort of ids only, then the rows are fetched by rowid. There is no
 *   (namespace, id) index, so each page reads the namespace's index entries (cheap: no row reads;
 *   ~1 ms per page at 200k entries). An index `entries(namespace, id)` would make it a pure range
 *   seek; it is not added here (no new migration for this feature).
 * - purge selection: the same shapes (rowid range scan, or entries_exact by namespace), with the
 *   tag test done per row by json_each and the age test on created_at.
 */
export class AdminQueries {
  private readonly pageAll: Database.Statement;
  private readonly pageNamespace: Database.Statement;
  private readonly maxId: Database.Statement;
  private readonly purgeSelect = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    this.pageAll = db.prepare(`SELECT ${COLUMNS} FROM entries WHERE id > ? ORDER BY id LIMIT ?`);
    // Ids first (index only), rows second: sorting whole rows would drag every response through the sorter.
    this.pageNamespace = db.prepare(`SELECT ${COLUMNS} FROM entries
      WHERE id IN (SELECT id FROM entries WHERE namespace = ? AND id > ? ORDER BY id LIMIT ?) ORDER BY id`);
    this.maxId = db.prepare(`SELECT coalesce(max(id), 0) FROM entries`).pluck();
  }

  /** Up to `limit` entries with an internal id above `afterId`, ascending by id. */
  page(opts: { namespace?: string | undefined; afterId: number; limit: number }): StoredEntry[] {
    const rows = (
      opts.namespace === undefined ? this.pageAll.all(opts.afterId, opts.limit) : this.pageNamespace.all(opts.namespace, opts.afterId, opts.limit)
    ) as Row[];
    return rows.map(toEntry);
  }

  /** The highest internal id in use (0 when empty); ids are never reused (AUTOINCREMENT). */
  maxLabel(): number {
    return this.maxId.get() as number;
  }

  /** Up to `limit` labels matching the filter with afterId < label <= upTo, ascending. */
  matchingLabels(filter: PurgeFilter, afterId: number, upTo: number, limit: number): number[] {
    const params: Record<string, string | number> = { after: afterId, upTo, limit };
    const where = ['id > @after', 'id <= @upTo'];
    if (filter.namespace !== undefined) {
      where.push('namespace = @namespace');
      params.namespace = filter.namespace;
    }
    if (filter.createdBefore !== undefined) {
      where.push('created_at < @createdBefore');
      params.createdBefore = filter.createdBefore;
    }
    if (filter.tag !== undefined) {
      // Only a real array counts (json_each of a scalar "tags": "a" would yield "a" too), and only
      // string elements: the tag 1 does not match the number 1. NULL metadata never matches.
      where.push(`json_type(metadata, '$.tags') = 'array'
        AND EXISTS (SELECT 1 FROM json_each(metadata, '$.tags') t WHERE t.type = 'text' AND t.value = @tag)`);
      params.tag = filter.tag;
    }
    const sql = `SELECT id FROM entries WHERE ${where.join(' AND ')} ORDER BY id LIMIT @limit`;
    let stmt = this.purgeSelect.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql).pluck();
      this.purgeSelect.set(sql, stmt); // at most 8 shapes (which filters are present)
    }
    return stmt.all(params) as number[];
  }
}
