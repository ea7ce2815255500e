import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isChatCompletion, replayCompletion, replayStream, unstorableReason, type ChatCompletion } from '../chat/completion.js';
import { relayBuffered, relayStream, sendUpstream, withStreamUsage, type Forwarded } from '../chat/forward.js';
import type { PriceBook } from '../chat/pricing.js';
import { bypassReason, chatBodySchema, parseDirectives, partitionParams, type ChatBody, type Directives } from '../chat/request.js';
import type { Clock } from '../core/ports.js';
import { requestKey } from '../core/request-key.js';
import type { SemanticCache } from '../core/semantic-cache.js';
import { ABANDONED, SingleFlight, type Flight } from '../core/single-flight.js';
import type { LookupOutcome, RequestKey } from '../core/types.js';
import type { Config } from '../config.js';
import { AppError, ValidationError } from '../errors.js';
import type { Ready } from '../ready.js';
import type { Upstream } from '../upstream/types.js';
import { lookupOptions } from './lookup-options.js';
import type { ChatStatus, Metrics } from './metrics.js';

export interface ChatDeps {
  config: Config;
  cache: Ready<SemanticCache>;
  upstream: Upstream;
  metrics: Metrics;
  prices: PriceBook;
  clock: Clock;
}

/** Everything one request carries through the handler. */
interface Ctx {
  body: ChatBody;
  dir: Directives;
  stream: boolean;
  /** Set when the request may be looked up and stored. */
  cache: SemanticCache | null;
  key: RequestKey | null;
}

class NoUpstreamError extends AppError {
  constructor() {
    super('no_upstream', 'no upstream providers are configured (config "providers")', 503);
  }
}

/** A stored answer as a chat.completion: chat answers are stored whole; plain text stored through
 * the REST API (e.g. to warm the cache) is wrapped so chat clients can be served it too. */
function asCompletion(response: unknown, model: string, createdAt: number): ChatCompletion | null {
  if (isChatCompletion(response)) return response;
  if (typeof response !== 'string') return null;
  return {
    id: 'chatcmpl-stored',
    object: 'chat.completion',
    created: Math.floor(createdAt / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: response }, finish_reason: 'stop' }],
    usage: null,
  };
}

export function chatRoutes(app: FastifyInstance, deps: ChatDeps): void {
  const { config, metrics, clock } = deps;
  const flights = new SingleFlight<ChatCompletion>();

  /** Cache trouble never fails a request: it is logged, counted and the request bypasses. */
  function cacheFailed(request: FastifyRequest, op: string, err: unknown): undefined {
    metrics.cacheErrors.inc({ op });
    request.log.warn({ err, op }, 'cache failure: bypassing the cache for this request');
    return undefined;
  }

  function failOpen<T>(request: FastifyRequest, op: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      return cacheFailed(request, op, err);
    }
  }

  async function failOpenAsync<T>(request: FastifyRequest, op: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      return cacheFailed(request, op, err);
    }
  }

  function prepare(request: FastifyRequest): Ctx {
    const body = chatBodySchema.parse(request.body);
    const dir = parseDirectives(request.headers, config);
    const ctx: Ctx = { body, dir, stream: body.stream === true, cache: null, key: null };
    if (bypassReason(body, config) !== null || !deps.cache.isReady) return ctx;
    ctx.key = failOpen(request, 'key', () => {
      try {
        return requestKey({ namespace: dir.namespace, model: body.model, messages: body.messages, params: partitionParams(body) });
      } catch (err) {
        if (err instanceof ValidationError) return null; // no user text to match on: not cacheable, not a failure
        throw err;
      }
    }) ?? null;
    ctx.cache = ctx.key === null ? null : deps.cache.get();
    return ctx;
  }

  function serveCached(request: FastifyRequest, ctx: Ctx, reply: FastifyReply, completion: ChatCompletion, status: ChatStatus, storedAt: number | null): FastifyReply {
    const now = clock.now();
    void reply.header('x-cache-status', status.toUpperCase());
    if (storedAt !== null) void reply.header('age', String(Math.max(0, Math.floor((now - storedAt) / 1000))));
    const usage = completion.usage;
    if (usage) {
      const cost = deps.prices.cost(completion.model || ctx.body.model, usage);
      metrics.tokensSaved.inc({ namespace: ctx.dir.namespace }, usage.total_tokens);
      if (cost !== null) metrics.dollarsSaved.inc({ namespace: ctx.dir.namespace }, cost);
      failOpen(request, 'ledger', () => ctx.cache?.ledger?.recordSaving(ctx.dir.namespace, usage.total_tokens, cost));
    }
    if (!ctx.stream) return reply.header('content-type', 'application/json').send(replayCompletion(completion, now));
    const includeUsage = ctx.body.stream_options?.include_usage === true;
    return reply.header('content-type', 'text/event-stream').header('cache-control', 'no-cache').send(replayStream(completion, now, includeUsage));
  }

  async function lookup(request: FastifyRequest, ctx: Ctx): Promise<LookupOutcome | undefined> {
    if (ctx.cache === null || ctx.key === null || ctx.dir.noCache) return undefined;
    const { cache, key } = ctx;
    const t0 = performance.now();
    // Outside the fail-open: a decision the service cannot honour is the client's 400, not a bypass.
    const options = lookupOptions(config, cache.verifier, ctx.dir, ctx.dir.maxAgeSeconds, config.chat.max_false_hit_rate);
    const out = await failOpenAsync(request, 'lookup', () => cache.lookup(key, options));
    if (out !== undefined) metrics.observeLookup(out, (performance.now() - t0) / 1000);
    else ctx.cache = null; // the cache failed: do not try to store either
    return out;
  }

  /** Books a complete answer's cost and stores it; runs before the client sees the answer's end. */
  async function persist(request: FastifyRequest, ctx: Ctx, c: ChatCompletion, provider: string): Promise<void> {
    if (c.usage) {
      const cost = deps.prices.cost(c.model || ctx.body.model, c.usage);
      if (cost !== null) metrics.dollarsSpent.inc({ namespace: ctx.dir.namespace }, cost);
      failOpen(request, 'ledger', () => deps.cache.isReady && deps.cache.get().ledger?.recordSpend(ctx.dir.namespace, c.usage!.prompt_tokens, c.usage!.completion_tokens, cost));
    }
    const why = unstorableReason(c, config.chat.store_tool_calls);
    if (ctx.cache === null || ctx.key === null || ctx.dir.noStore || why !== null) return;
    const { cache, key } = ctx;
    await failOpenAsync(request, 'store', async () => {
      await cache.store(key, { response: c as unknown as Record<string, unknown>, ttlSeconds: ctx.dir.ttlSeconds, metadata: { source: 'chat', provider } });
      metrics.stores.inc();
    });
  }

  async function forward(request: FastifyRequest, reply: FastifyReply, ctx: Ctx): Promise<Forwarded> {
    if (!deps.upstream.configured) throw new NoUpstreamError();
    const { body, hideUsage } = withStreamUsage(ctx.body, config.chat.stream_usage);
    const res = await sendUpstream(deps.upstream, request, reply, body, ctx.stream);
    const beforeEnd = (c: ChatCompletion): Promise<void> => persist(request, ctx, c, res.provider);
    return res.kind === 'buffered' ? relayBuffered(res, reply, beforeEnd) : relayStream(res, reply, beforeEnd, hideUsage);
  }

  app.post('/v1/chat/completions', async (request, reply) => {
    const ctx = prepare(request);
    const out = await lookup(request, ctx);
    const cached = out === undefined || out.status === 'miss' ? null : asCompletion(out.entry.response, ctx.body.model, out.entry.createdAt);
    if (out !== undefined && out.status !== 'miss' && cached !== null) {
      if (out.status === 'semantic-hit') void reply.header('x-cache-similarity', out.similarity.toFixed(4));
      void reply.header('x-cache-entry', out.entry.id);
      metrics.chat.inc({ status: out.status });
      return serveCached(request, ctx, reply, cached, out.status, out.entry.createdAt);
    }
    const status: ChatStatus = ctx.cache === null ? 'bypass' : ctx.dir.noCache ? 'refresh' : 'miss';
    void reply.header('x-cache-status', status.toUpperCase());
    metrics.chat.inc({ status });
    if (status !== 'miss' || ctx.key === null) {
      await forward(request, reply, ctx);
      return reply;
    }
    const flightKey = `${ctx.key.namespace}\u0000${ctx.key.partitionKey}\u0000${ctx.key.promptHash}`;
    let flight = flights.join(flightKey, config.chat.coalesce_wait_ms);
    while (flight.role === 'follower') {
      const shared = await flight.result;
      // The leader's client left mid-answer: join again, so one waiter leads and the rest follow
      // (each join waits up to coalesce_wait_ms).
      if (shared === ABANDONED) {
        flight = flights.join(flightKey, config.chat.coalesce_wait_ms);
        continue;
      }
      if (shared !== null) {
        metrics.coalesced.inc();
        void reply.header('x-cache-coalesced', 'true');
        return serveCached(request, ctx, reply, shared, 'miss', null);
      }
      await forward(request, reply, ctx);
      return reply;
    }
    await lead(request, reply, ctx, flight);
    return reply;
  });

  /** The flight's leader asks upstream and shares a storable answer with its followers. */
  async function lead(request: FastifyRequest, reply: FastifyReply, ctx: Ctx, flight: Extract<Flight<ChatCompletion>, { role: 'leader' }>): Promise<void> {
    let shared: ChatCompletion | null = null;
    try {
      const fwd = await forward(request, reply, ctx);
      if (fwd.completion !== null && unstorableReason(fwd.completion, config.chat.store_tool_calls) === null) shared = fwd.completion;
    } finally {
      // No answer because this client hung up (its upstream call was aborted): that says nothing
      // about the request, so the followers elect a new leader instead of all calling upstream.
      if (shared === null && reply.raw.destroyed && !reply.raw.writableFinished) flight.abandon();
      else flight.finish(shared);
    }
  }
}
