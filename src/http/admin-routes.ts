import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Clock } from '../core/ports.js';
import type { SemanticCache } from '../core/semantic-cache.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { Ready } from '../ready.js';
import type { AdminQueries, PurgeFilter } from '../store/admin-queries.js';
import { entryJson, namespaceParams } from './schemas.js';

export interface AdminRouteDeps {
  config: Config;
  cache: Ready<SemanticCache>;
  /** "Now" for `older_than` (the service's clock, fake in tests). */
  clock: Clock;
  /** SQL over the service's store (set once the service is open). */
  queries: Ready<AdminQueries>;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** Labels deleted per transaction; the event loop gets a turn between batches. */
const PURGE_BATCH = 500;

/**
 * Cursors are opaque to clients: base64url of the decimal internal id of the last entry of the
 * previous page. Only the canonical encoding of a positive safe integer is accepted, anything
 * else is a 400. A cursor is just a position, so it stays valid across deletes and may be
 * combined with any namespace filter.
 */
const encodeCursor = (id: number): string => Buffer.from(String(id), 'utf8').toString('base64url');

function decodeCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,24}$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) && encodeCursor(id) === cursor ? id : undefined;
}

/** A decimal integer in a query string ("10"; not "1e1", " 10", "10.0", ""). */
const decimal = (name: string) =>
  z
    .string()
    .regex(/^[0-9]{1,12}$/, `${name} must be a non-negative integer`)
    .transform(Number);

const namespace = namespaceParams.shape.namespace;

// Unknown parameters are rejected (strict): a typo such as `tags=` on a DELETE must not silently
// widen the purge to the other filters. A repeated parameter (an array) is rejected too.
const listQuery = z.strictObject({
  namespace: namespace.optional(),
  limit: decimal('limit')
    .pipe(z.number().min(1, `limit must be between 1 and ${MAX_LIMIT}`).max(MAX_LIMIT, `limit must be between 1 and ${MAX_LIMIT}`))
    .optional(),
  cursor: z
    .string()
    .transform((s, ctx) => {
      const id = decodeCursor(s);
      if (id === undefined) {
        ctx.addIssue({ code: 'custom', message: 'invalid cursor' });
        return z.NEVER;
      }
      return id;
    })
    .optional(),
});

const purgeQuery = z.strictObject({
  namespace: namespace.optional(),
  tag: z.string().min(1).max(256).optional(),
  older_than: decimal('older_than').optional(),
  all: z.enum(['true', 'false']).optional(),
});

/**
 * Invalidation and listing, under /v1/admin/ (app.ts guards it with DEJAVU_ADMIN_KEYS when set,
 * else with the API keys). Both read the SQLite store directly; while the service is starting
 * `cache.get()` throws NotReadyError (503).
 *
 * GET /v1/admin/entries?namespace=&limit=&cursor=
 *   Every stored entry (expired ones too, until swept) ordered by internal id ascending, i.e.
 *   insertion order (a replaced answer keeps its id and place). limit: 1..1000, default 100.
 *   -> 200 { entries: Entry[], next_cursor: string | null }; next_cursor is null on the last
 *   page (one extra row is read to know, so a final full page already says null).
 *
 * DELETE /v1/admin/entries?namespace=&tag=&older_than=&all=
 *   Deletes the entries matching ALL given filters: namespace; tag (metadata.tags is an array
 *   containing that string); older_than=N (created_at < now - N s, by the injected clock;
 *   created_at is reset when an answer is replaced). Without any filter it is refused (400
 *   missing_filter) unless all=true; all=true only lifts that refusal, given filters still apply.
 *   Matching labels are selected in SQL and deleted through SemanticCache.deleteByLabels in
 *   batches of 500 (rows and index vectors together). Only entries existing when the request
 *   starts are candidates (ids <= the max id then), so concurrent stores cannot prolong it.
 *   -> 200 { deleted: number }
 */
export function adminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  const { cache, clock } = deps;

  app.get('/v1/admin/entries', async (request) => {
    const q = listQuery.parse(request.query);
    const limit = q.limit ?? DEFAULT_LIMIT;
    // Hit counts are batched in memory (hit-batch.ts): write them first so the listing is exact.
    cache.get().flushHits();
    const rows = deps.queries.get().page({ namespace: q.namespace, afterId: q.cursor ?? 0, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      entries: page.map(entryJson),
      next_cursor: rows.length > limit && last !== undefined ? encodeCursor(last.label) : null,
    };
  });

  app.delete('/v1/admin/entries', async (request) => {
    const q = purgeQuery.parse(request.query);
    const filter: PurgeFilter = {
      namespace: q.namespace,
      tag: q.tag,
      createdBefore: q.older_than === undefined ? undefined : clock.now() - q.older_than * 1000,
    };
    if (q.namespace === undefined && q.tag === undefined && q.older_than === undefined && q.all !== 'true') {
      throw new ValidationError('refusing to delete every entry: give namespace, tag or older_than, or all=true', 'missing_filter');
    }
    const c = cache.get();
    const queries = deps.queries.get();
    const upTo = queries.maxLabel();
    let after = 0;
    let deleted = 0;
    for (;;) {
      // Select and delete in the same turn of the event loop, so nothing changes in between.
      const labels = queries.matchingLabels(filter, after, upTo, PURGE_BATCH);
      if (labels.length === 0) break;
      deleted += c.deleteByLabels(labels);
      after = labels[labels.length - 1] as number;
      if (labels.length < PURGE_BATCH) break;
      // Let lookups and stores run between batches of a large purge.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { deleted };
  });

  // Our own namespace stays ours: other /v1/admin/* paths are 404, never reach the /v1 proxy
  // (which would forward the admin key upstream). Static routes above take precedence.
  app.all('/v1/admin/*', async (request) => {
    throw new NotFoundError(`route ${request.method} ${request.url} not found`);
  });
}
