import { setTimeout as delay } from 'node:timers/promises';
import { buildApp } from './app.js';
import { loadConfig, type Config } from './config.js';
import type { SemanticCache } from './core/semantic-cache.js';
import { systemClock } from './core/ports.js';
import { Metrics } from './http/metrics.js';
import { Ready } from './ready.js';
import type { IndexJobs } from './index-jobs.js';
import type { AdminQueries } from './store/admin-queries.js';
import { createUpstream } from './upstream/client.js';
import { openService, type Service } from './service.js';

/** The only place that reads the environment, listens and handles signals. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    console.error(`dejavu: ${(err as Error).message}`);
    process.exit(2);
  }

  const cache = new Ready<SemanticCache>();
  const jobs = new Ready<IndexJobs>();
  const adminQueries = new Ready<AdminQueries>();
  let service: Service | undefined;
  const metrics = new Metrics(cache);
  const upstream = createUpstream(config.providers, config.upstream, { clock: systemClock, observer: metrics });
  const app = buildApp({
    config,
    cache,
    upstream,
    metrics,
    jobs,
    adminQueries,
    readiness: () => ({
      draining: stopping,
      ...(service === undefined
        ? {}
        : { index: service.indexLoad, entries: service.store.count(), semantic: { enabled: service.semanticDisabled === null, reason: service.semanticDisabled } }),
    }),
    logger: { level: config.log_level },
  });
  let stopping = false;
  // While draining, answers close their connections: an idle keep-alive socket would otherwise
  // hold app.close() open for the whole keep-alive timeout.
  app.addHook('onSend', async (_request, reply) => {
    if (stopping) void reply.header('connection', 'close');
  });
  await app.listen({ port: config.port, host: config.host });

  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      app.log.warn({ signal }, 'second signal: exiting without a clean shutdown');
      process.exit(1);
    }
    stopping = true;
    app.log.info({ signal, delay_s: config.shutdown_delay_seconds }, 'shutting down: draining requests');
    try {
      if (config.shutdown_delay_seconds > 0) await delay(config.shutdown_delay_seconds * 1000);
      await app.close(); // stops accepting, waits for in-flight requests
      await upstream.close();
      await service?.close(); // saves the index, closes the database
      app.log.info('shutdown complete');
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    service = await openService(config, { log: app.log, onEmbed: (s) => metrics.observeEmbedding(s) });
  } catch (err) {
    app.log.fatal({ err }, `startup failed: ${(err as Error).message}`);
    process.exit(1);
  }
  service.startTimers();
  cache.set(service.cache);
  jobs.set(service.jobs);
  adminQueries.set(service.admin);
  app.log.info({ entries: service.store.count(), model: service.embedder.modelId }, 'ready');
}

void main();
