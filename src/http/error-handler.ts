import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { AppError, RateLimitedError } from '../errors.js';

interface ErrorBody {
  error: { code: string; message: string };
}

function zodMessage(err: ZodError): string {
  return err.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** Maps every error to `{"error":{"code","message"}}`; 5xx internals are logged, never sent. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof AppError) return { status: err.statusCode, body: { error: { code: err.code, message: err.message } } };
  if (err instanceof ZodError) {
    const missingPrompt = err.issues.some((i) => i.path[0] === 'prompt' && i.code === 'custom');
    return { status: 400, body: { error: { code: missingPrompt ? 'missing_prompt' : 'invalid_request', message: zodMessage(err) } } };
  }
  const fe = err as Partial<FastifyError>;
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code =
      status === 413 ? 'body_too_large'
      : status === 415 ? 'unsupported_media_type'
      : fe.code?.startsWith('FST_ERR_CTP') === true ? 'invalid_json'
      : 'bad_request';
    return { status, body: { error: { code, message: fe.message ?? 'bad request' } } };
  }
  return { status: 500, body: { error: { code: 'internal_error', message: 'internal server error' } } };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    if (status === 503) void reply.header('retry-after', '1');
    if (err instanceof RateLimitedError) void reply.header('retry-after', String(err.retryAfterSeconds));
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `route ${request.method} ${request.url} not found` } }),
  );
}
