import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { Ready } from '../../src/ready.js';
import { openService, type Service } from '../../src/service.js';
import { CountingEmbedder, FakeClock, realEmbedder, tempDir, testConfig } from '../helpers.js';

export interface Harness {
  app: FastifyInstance;
  service: Service;
  clock: FakeClock;
  embedder: CountingEmbedder;
  dataDir: string;
  /** Closes app and service (saving the index); the data dir stays until cleanup(). */
  close(): Promise<void>;
  cleanup(): Promise<void>;
  /** Reopens the service on the same data dir. `crash` skips the clean shutdown (no index save),
   * like a kill -9: only what SQLite committed survives. */
  restart(opts?: { crash?: boolean }): Promise<Harness>;
}

/** A real service (real model, real SQLite in a temp dir) behind app.inject. */
export async function startHarness(overrides: Record<string, unknown> = {}, existingDir?: { dir: string; cleanup: () => void }): Promise<Harness> {
  const tmp = existingDir ?? tempDir();
  const config = testConfig(tmp.dir, overrides);
  const clock = new FakeClock();
  const embedder = new CountingEmbedder(await realEmbedder());
  const service = await openService(config, { clock, embedder });
  const app = buildApp({ config, cache: Ready.of(service.cache), readiness: () => ({ index: service.indexLoad }) });
  await app.ready();
  const close = async (): Promise<void> => {
    await app.close();
    await service.close();
  };
  return {
    app,
    service,
    clock,
    embedder,
    dataDir: tmp.dir,
    close,
    cleanup: async () => {
      await close();
      tmp.cleanup();
    },
    restart: async (opts = {}) => {
      if (opts.crash === true) {
        await app.close();
        service.store.close();
      } else await close();
      return startHarness(overrides, tmp);
    },
  };
}

export async function post(app: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'POST', url, payload: payload as object, headers });
  return { status: res.statusCode, body: res.body === '' ? undefined : (res.json() as Record<string, any>), headers: res.headers };
}
