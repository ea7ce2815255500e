import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { requestKey } from '../core/request-key.js';
import type { LedgerRow } from '../core/ports.js';
import type { SemanticCache } from '../core/semantic-cache.js';
import type { RequestKey } from '../core/types.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { Ready } from '../ready.js';
import { lookupOptions } from './lookup-options.js';
import type { Metrics } from './metrics.js';
import { entryJson, idParams, makeSchemas, namespaceParams, type LookupBody } from './schemas.js';
import { Lru } from '../util/lru.js';

export interface RouteDeps {
  config: Config;
  cache: Ready<SemanticCache>;
  metrics: Metrics;
}

type KeyFields = Pick<LookupBody, 'namespace' | 'model' | 'prompt' | 'messages'>;

function keyOf(body: KeyFields, maxChars: number): RequestKey {
  const key = requestKey({ namespace: body.namespace, model: body.model, prompt: body.prompt, messages: body.messages });
  if (key.prompt.length > maxChars) throw new ValidationError(`prompt is longer than ${maxChars} characters`);
  return key;
}

/** Keys of recent `{prompt}` lookups. requestKey() (NFKC, two SHA-256) is a pure function of
 * namespace, model and prompt, and exact hits repeat those; held keys are frozen (shared). */
class KeyMemo {
  private readonly keys: Lru<string, RequestKey>;
  constructor(
    private readonly maxChars: number,
    maxEntries = 2048,
    private readonly maxPromptChars = 1024,
  ) {
    this.keys = new Lru(maxEntries);
  }

  keyOf(body: KeyFields): RequestKey {
    const { prompt, model, namespace } = body;
    if (prompt === undefined || body.messages !== undefined || prompt.length > this.maxPromptChars) return keyOf(body, this.maxChars);
    // Length prefixes keep the concatenation unambiguous (model absent = -1).
    const id = `${namespace.length}:${model === undefined ? -1 : model.length}:${namespace}${model ?? ''}${prompt}`;
    const held = this.keys.get(id);
    if (held !== undefined) return held;
    const key = Object.freeze(keyOf(body, this.maxChars));
    this.keys.set(id, key);
    return key;
  }
}

const round6 = (usd: number): number => Math.round(usd * 1e6) / 1e6;

/** Chat-path spend and savings since the store was created, in total and per namespace (USD). */
function moneyJson(rows: LedgerRow[]) {
  const one = (r: Omit<LedgerRow, 'namespace'>) => ({
    upstream_requests: r.upstreamRequests,
    upstream_prompt_tokens: r.upstreamPromptTokens,
    upstream_completion_tokens: r.upstreamCompletionTokens,
    upstream_cost_usd: round6(r.upstreamCostUsd),
    hits: r.hits,
    tokens_saved: r.savedTokens,
    dollars_saved: round6(r.savedCostUsd),
    unpriced_answers: r.unpriced,
  });
  const total = rows.reduce(
    (t, r) => {
      for (const k of Object.keys(t) as Array<keyof typeof t>) t[k] += r[k];
      return t;
    },
    { upstreamRequests: 0, upstreamPromptTokens: 0, upstreamCompletionTokens: 0, upstreamCostUsd: 0, hits: 0, savedTokens: 0, savedCostUsd: 0, unpriced: 0 },
  );
  return { total: one(total), by_namespace: Object.fromEntries(rows.map((r) => [r.namespace, one(r)])) };
}

export function cacheRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { config, cache, metrics } = deps;
  const maxChars = config.cache.max_prompt_chars;
  const schemas = makeSchemas(maxChars);
  const lookupKeys = new KeyMemo(maxChars);

  app.post('/v1/cache/lookup', async (request) => {
    const t0 = performance.now();
    const body = schemas.lookup.parse(request.body);
    const c = cache.get();
    const out = await c.lookup(lookupKeys.keyOf(body), lookupOptions(config, c.verifier, { threshold: body.threshold, maxFalseHitRate: body.max_false_hit_rate }, body.max_age_seconds));
    const tookMs = performance.now() - t0;
    metrics.observeLookup(out, tookMs / 1000);
    return {
      hit: out.status !== 'miss',
      status: out.status,
      similarity: out.similarity,
      verifier_score: (out.status === 'semantic-hit' ? out.score : out.candidate?.score) ?? null,
      entry: out.entry === null ? null : entryJson(out.entry),
      candidate:
        out.candidate === null
          ? null
          : { id: out.candidate.entry.id, similarity: out.candidate.similarity, verifier_score: out.candidate.score ?? null, reason: out.candidate.reason },
      took_ms: Math.round(tookMs * 1000) / 1000,
      ...(out.status === 'miss' && out.skipped !== undefined ? { semantic_skipped: out.skipped } : {}),
    };
  });

  app.post('/v1/cache/store', async (request, reply) => {
    const body = schemas.store.parse(request.body);
    const c = cache.get();
    const entry = await c.store(keyOf(body, maxChars), {
      response: body.response,
      ttlSeconds: body.ttl_seconds ?? config.cache.default_ttl_seconds,
      metadata: body.metadata ?? null,
    });
    metrics.stores.inc();
    return reply.status(201).send({ id: entry.id });
  });

  app.get('/v1/cache/entries/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    const entry = cache.get().get(id);
    if (entry === undefined) throw new NotFoundError(`entry ${id} not found`);
    return entryJson(entry);
  });

  app.delete('/v1/cache/entries/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    if (!cache.get().delete(id)) throw new NotFoundError(`entry ${id} not found`);
    return reply.status(204).send();
  });

  app.delete('/v1/cache/namespaces/:namespace', async (request) => {
    const { namespace } = namespaceParams.parse(request.params);
    return { deleted: cache.get().deleteNamespace(namespace) };
  });

  app.get('/v1/cache/stats', async () => {
    const c = cache.get();
    const s = c.stats();
    return {
      entries: s.entries,
      lookups: s.lookups,
      hit_rate: s.hitRate,
      index: s.index,
      model: s.model,
      money: moneyJson(c.ledger?.ledger() ?? []),
    };
  });
}
