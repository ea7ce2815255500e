import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { Ready } from '../../src/ready.js';
import type { Embedder } from '../../src/core/ports.js';
import { Metrics } from '../../src/http/metrics.js';
import { openService, type Service } from '../../src/service.js';
import { createUpstream, type UpstreamDeps } from '../../src/upstream/client.js';
import { CountingEmbedder, FakeClock, realEmbedder, tempDir, testConfig } from '../helpers.js';

export interface Harness {
  app: FastifyInstance;
  service: Service;
  clock: FakeClock;
  embedder: CountingEmbedder;
  dataDir: string;
  /** Base URL for OpenAI SDKs when listening, e.g. http://127.0.0.1:1234/v1 */
  baseUrl: string;
  /** Closes app and service (saving the index); the data dir stays until cleanup(). */
  close(): Promise<void>;
  cleanup(): Promise<void>;
  /** Reopens the service on the same data dir. `crash` skips the clean shutdown (no index save),
   * like a kill -9: only what SQLite committed survives. */
  restart(opts?: { crash?: boolean }): Promise<Harness>;
}

/** A real service (real model, real SQLite in a temp dir) behind app.inject. */
export interface HarnessOptions {
  /** Wraps the real embedder (e.g. to make it fail). */
  embedder?: (real: Embedder) => Embedder;
  /** Upstream client deps (sleep, random...); providers come from the config overrides. */
  upstream?: Partial<UpstreamDeps>;
  /** Listen on 127.0.0.1 (random port) so real HTTP clients can connect. */
  listen?: boolean;
}

/** A real service (real model, real SQLite in a temp dir) behind app.inject, and optionally a port. */
export async function startHarness(overrides: Record<string, unknown> = {}, existingDir?: { dir: string; cleanup: () => void }, opts: HarnessOptions = {}): Promise<Harness> {
  const tmp = existingDir ?? tempDir();
  const config = testConfig(tmp.dir, overrides);
  const clock = new FakeClock();
  const real = await realEmbedder();
  const embedder = new CountingEmbedder(opts.embedder?.(real) ?? real);
  const service = await openService(config, { clock, embedder });
  const cache = Ready.of(service.cache);
  const metrics = new Metrics(cache);
  const upstream = createUpstream(config.providers, config.upstream, { clock, observer: metrics, ...opts.upstream });
  const app = buildApp({ config, cache, upstream, metrics, clock, jobs: Ready.of(service.jobs), adminQueries: Ready.of(service.admin), readiness: () => ({ index: service.indexLoad }) });
  if (opts.listen === true) await app.listen({ port: 0, host: '127.0.0.1' });
  else await app.ready();
  const close = async (): Promise<void> => {
    await app.close();
    await upstream.close();
    await service.close();
  };
  return {
    app,
    service,
    clock,
    embedder,
    dataDir: tmp.dir,
    baseUrl: opts.listen === true ? `http://127.0.0.1:${(app.server.address() as { port: number }).port}/v1` : '',
    close,
    cleanup: async () => {
      await close();
      tmp.cleanup();
    },
    restart: async (how = {}) => {
      if (how.crash === true) {
        await app.close();
        await upstream.close();
        service.store.close();
      } else await close();
      return startHarness(overrides, tmp, opts);
    },
  };
}

export async function post(app: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'POST', url, payload: payload as object, headers });
  return { status: res.statusCode, body: res.body === '' ? undefined : (res.json() as Record<string, any>), headers: res.headers };
}
