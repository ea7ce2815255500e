import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';

/** Hop-by-hop and framing headers: meaningful for one connection only, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer',
  'host', 'content-length', 'proxy-authorization', 'proxy-authenticate',
]);

/** Client request headers to send upstream, minus hop-by-hop ones and those in `drop`. */
export function forwardRequestHeaders(headers: IncomingHttpHeaders, drop: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || drop.includes(name) || name.startsWith('x-cache-')) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Copies upstream response headers to the reply, minus hop-by-hop ones and those in `drop`. */
export function copyResponseHeaders(headers: Record<string, string | string[] | undefined>, reply: FastifyReply, drop: readonly string[] = []): void {
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || drop.includes(name)) continue;
    void reply.header(name, value);
  }
}
