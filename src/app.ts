import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import type { SemanticCache } from './core/semantic-cache.js';
import { UnauthorizedError } from './errors.js';
import { installErrorHandling } from './http/error-handler.js';
import { Metrics } from './http/metrics.js';
import { cacheRoutes } from './http/routes.js';
import type { Ready } from './ready.js';

export interface AppDeps {
  config: Config;
  cache: Ready<SemanticCache>;
  /** Extra readiness details shown by /readyz (e.g. how the index was loaded); `draining: true`
   * (set during shutdown) makes /readyz answer 503 so load balancers stop routing here. */
  readiness?: () => { draining?: boolean; [detail: string]: unknown };
  logger?: FastifyServerOptions['logger'];
}

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
  });
  const metrics = new Metrics(cache);
  installErrorHandling(app);

  if (config.api_keys.length > 0) {
    const allowed = authorizer(config.api_keys);
    app.addHook('onRequest', async (request) => {
      if (request.url.startsWith('/v1/') && !allowed(request.headers.authorization)) throw new UnauthorizedError();
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
  return app;
}
