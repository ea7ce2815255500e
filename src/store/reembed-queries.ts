import type Database from 'better-sqlite3';

export interface PendingRow {
  id: number;
  seq: number;
  prompt: string;
}

/** Entries not yet embedded with `target` (nor checkpointed for their current version), by id. */
export function pendingBatch(db: Database.Database, target: string, afterId: number, limit: number): PendingRow[] {
  return db
    .prepare(
      `SELECT e.id, e.seq, e.prompt FROM entries e
       WHERE e.id > ? AND e.embedder <> ?
         AND NOT EXISTS (SELECT 1 FROM reembed r WHERE r.entry_id = e.id AND r.embedder = ? AND r.seq = e.seq)
       ORDER BY e.id LIMIT ?`,
    )
    .all(afterId, target, target, limit) as PendingRow[];
}

export function countPending(db: Database.Database, target: string): number {
  return (
    db
      .prepare(
        `SELECT count(*) FROM entries e WHERE e.embedder <> ?
           AND NOT EXISTS (SELECT 1 FROM reembed r WHERE r.entry_id = e.id AND r.embedder = ? AND r.seq = e.seq)`,
      )
      .pluck()
      .get(target, target) as number
  );
}

export function countCheckpointed(db: Database.Database, target: string): number {
  return db.prepare(`SELECT count(*) FROM reembed WHERE embedder = ?`).pluck().get(target) as number;
}

/** One batch's new embeddings, committed together: the checkpoint a rerun resumes from. */
export function saveBatch(db: Database.Database, target: string, rows: Array<{ id: number; seq: number; embedding: Buffer | null }>): void {
  const put = db.prepare(`INSERT OR REPLACE INTO reembed (entry_id, embedder, seq, embedding) VALUES (?, ?, ?, ?)`);
  db.transaction(() => {
    for (const r of rows) put.run(r.id, target, r.seq, r.embedding);
  })();
}

/** Moves every checkpointed embedding whose entry is unchanged into `entries` and records the
 * model in meta, in one transaction. Returns how many entries still lack a `target` embedding. */
export function applyCheckpoints(db: Database.Database, target: string, dims: number): number {
  return db.transaction(() => {
    db.prepare(
      `UPDATE entries SET embedding = r.embedding, embedder = r.embedder
       FROM reembed r WHERE r.entry_id = entries.id AND r.embedder = ? AND r.seq = entries.seq`,
    ).run(target);
    db.prepare(`DELETE FROM reembed`).run();
    const left = db.prepare(`SELECT count(*) FROM entries WHERE embedder <> ?`).pluck().get(target) as number;
    if (left === 0) {
      const set = db.prepare(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
      set.run('embedder', target);
      set.run('dims', String(dims));
      set.run('dtype', target.split('@').at(-1) ?? ''); // model ids end in @<dtype>
    }
    return left;
  })();
}
