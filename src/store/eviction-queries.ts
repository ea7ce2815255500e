import type Database from 'better-sqlite3';

/** Labels of entries expired at `now` (ms), oldest expiry first, at most `limit`. */
export function expiredLabels(db: Database.Database, now: number, limit: number): number[] {
  return db
    .prepare(`SELECT id FROM entries WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?`)
    .pluck()
    .all(now, limit) as number[];
}

/** Labels of the `limit` least recently used entries (last hit, or creation when never hit). */
export function leastRecentlyUsedLabels(db: Database.Database, limit: number): number[] {
  return db
    .prepare(`SELECT id FROM entries ORDER BY coalesce(last_hit_at, created_at), id LIMIT ?`)
    .pluck()
    .all(limit) as number[];
}
