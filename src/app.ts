import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import type { SemanticCache } from './core/semantic-cache.js';
import { UnauthorizedError } from './errors.js';
import { installErrorHandling } from './http/error-handler.js';
import { Metrics } from './http/metrics.js';
import { cacheRoutes } from './http/routes.js';
import { Ready } from './ready.js';
import { PriceBook } from './chat/pricing.js';
import { systemClock, type Clock } from './core/ports.js';
import { MAX_NAMESPACE_CHARS } from './core/request-key.js';
import { chatRoutes } from './http/chat-route.js';
import { adminRoutes } from './http/admin-routes.js';
import { proxyRoutes } from './http/proxy-route.js';
import { adminIndexRoutes } from './http/admin-index-routes.js';
import type { IndexJobs } from './index-jobs.js';
import type { AdminQueries } from './store/admin-queries.js';
import type { Upstream } from './upstream/types.js';

export interface AppDeps {
  config: Config;
  cache: Ready<SemanticCache>;
  /** Upstream providers for /v1/chat/completions and proxied /v1 paths; none = those answer 503. */
  upstream?: Upstream;
  /** Index rebuild / re-embed jobs (set once the service is open). */
  jobs?: Ready<IndexJobs>;
  /** Admin listing / purge queries over the store (set once the service is open). */
  adminQueries?: Ready<AdminQueries>;
  /** Shared with the service (embedding timings) and the upstream client; created when absent. */
  metrics?: Metrics;
  clock?: Clock;
  /** Extra readiness details shown by /readyz (e.g. how the index was loaded); `draining: true`
   * (set during shutdown) makes /readyz answer 503 so load balancers stop routing here. */
  readiness?: () => { draining?: boolean; [detail: string]: unknown };
  logger?: FastifyServerOptions['logger'];
}

const noUpstream: Upstream = {
  configured: false,
  send: () => Promise.reject(new Error('no upstream providers configured')),
  close: async () => {},
};

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time check of `Authorization: Bearer <key>` against the configured keys. */
function authorizer(keys: readonly string[]): (header: string | undefined) => boolean {
  const digests = keys.map(digest);
  return (header) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (m === null) return false;
    const given = digest(m[1] as string);
    return digests.some((d) => timingSafeEqual(d, given));
  };
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const { config, cache } = deps;
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: config.body_limit_bytes,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // The router matches path parameters before decoding them (default cap: 100 characters, and a
    // longer one is a 404). A namespace may be 256 UTF-16 units, and one unit percent-encodes to
    // at most 9 characters (3 UTF-8 bytes: %E2%82%AC), so that is the longest segment to accept.
    routerOptions: { maxParamLength: MAX_NAMESPACE_CHARS * 9 },
  });
  const metrics = deps.metrics ?? new Metrics(cache);
  const upstream = deps.upstream ?? noUpstream;
  installErrorHandling(app);

  // /v1/admin/* takes admin keys when configured, else the API keys; other /v1 routes the API keys.
  const apiAllowed = config.api_keys.length > 0 ? authorizer(config.api_keys) : null;
  const adminAllowed = config.admin_keys.length > 0 ? authorizer(config.admin_keys) : apiAllowed;
  if (apiAllowed !== null || adminAllowed !== null) {
    app.addHook('onRequest', async (request) => {
      if (!request.url.startsWith('/v1/')) return;
      const check = request.url.startsWith('/v1/admin/') ? adminAllowed : apiAllowed;
      if (check !== null && !check(request.headers.authorization)) throw new UnauthorizedError();
    });
  }

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const details = deps.readiness?.() ?? {};
    const ready = cache.isReady && details.draining !== true;
    return reply.status(ready ? 200 : 503).send({ ready, ...details });
  });
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  cacheRoutes(app, { config, cache, metrics });
  chatRoutes(app, { config, cache, metrics, upstream, prices: new PriceBook(config.pricing), clock: deps.clock ?? systemClock });
  adminRoutes(app, { config, cache, clock: deps.clock ?? systemClock, queries: deps.adminQueries ?? new Ready<AdminQueries>() });
  if (deps.jobs !== undefined) adminIndexRoutes(app, deps.jobs);
  proxyRoutes(app, upstream);
  return app;
}
