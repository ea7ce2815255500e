import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import type { IndexJobs } from '../index-jobs.js';
import type { Ready } from '../ready.js';

const startBody = z.strictObject({ reembed: z.boolean().default(false), batch: z.number().int().min(1).max(10_000).default(64) });

/** Index maintenance on the running service: `npm run rebuild-index` drives these when the
 * service holds the data dir (the service stays the only writer of its index and SQLite rows). */
export function adminIndexRoutes(app: FastifyInstance, jobs: Ready<IndexJobs>): void {
  app.post('/v1/admin/index/rebuild', async (request, reply) => {
    const body = startBody.parse(request.body ?? {});
    const { status } = jobs.get().start(body.reembed, body.batch);
    return reply.status(202).send(status);
  });

  app.get('/v1/admin/index/rebuild', async () => {
    const status = jobs.get().current();
    if (status === null) throw new NotFoundError('no index job has run since the service started');
    return status;
  });
}
