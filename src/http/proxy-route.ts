import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../errors.js';
import { copyResponseHeaders, forwardRequestHeaders } from '../upstream/headers.js';
import type { Upstream } from '../upstream/types.js';

/** Largest body proxied to paths dejavu does not own (file and audio uploads), bytes. */
const PROXY_BODY_LIMIT = 64 * 1024 * 1024;

/** `/v1/*` paths dejavu does not own (models, embeddings, files...) go to the first provider
 * unchanged — method, body bytes, query and headers — so an app's other calls keep working. */
export function proxyRoutes(app: FastifyInstance, upstream: Upstream): void {
  // Our own namespace stays ours: unknown /v1/cache/* paths are 404, never proxied.
  app.all('/v1/cache/*', async (request) => {
    throw new NotFoundError(`route ${request.method} ${request.url} not found`);
  });

  void app.register(async (scoped) => {
    // Raw bytes of any content type: the body is passed through, never parsed.
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: PROXY_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scoped.all('/v1/*', async (request: FastifyRequest, reply: FastifyReply) => {
      // Without providers there is nothing to proxy to: an unknown path is simply not found.
      if (!upstream.configured) throw new NotFoundError(`route ${request.method} ${request.url} not found`);
      const ac = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) ac.abort();
      });
      const res = await upstream.send({
        method: request.method,
        path: request.url.slice('/v1'.length),
        headers: forwardRequestHeaders(request.headers),
        body: request.body as Buffer | undefined,
        buffered: false,
        signal: ac.signal,
      });
      copyResponseHeaders(res.headers, reply);
      void reply.header('x-cache-status', 'BYPASS');
      res.settle(undefined);
      return reply.code(res.statusCode).send(res.kind === 'stream' ? res.body : res.text);
    });
  });
}
