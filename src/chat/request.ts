import { z } from 'zod';
import type { Config } from '../config.js';
import { ValidationError } from '../errors.js';
import { MAX_NAMESPACE_CHARS } from '../core/request-key.js';

/** The OpenAI chat request: the fields dejavu reads are checked, everything else passes through. */
export const chatBodySchema = z.looseObject({
  model: z.string().min(1).max(256),
  messages: z
    .array(
      z.looseObject({
        role: z.string().min(1),
        content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
      }),
    )
    .min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().nullish(),
  n: z.number().int().min(1).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
});

export type ChatBody = z.infer<typeof chatBodySchema>;

/** Fields that do not change what the answer should be: left out of the partition key. */
const NOT_IN_PARTITION = new Set(['model', 'messages', 'stream', 'stream_options', 'user', 'metadata', 'store', 'service_tier']);

/** Every request parameter that shapes the answer (sampling, tools, tool_choice, response_format,
 * n, seed, stop, max tokens, and unknown fields): all must match for a hit. */
export function partitionParams(body: ChatBody): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!NOT_IN_PARTITION.has(k) && v !== undefined && v !== null) params[k] = v;
  return params;
}

/** Per-request cache directives from Cache-Control and X-Cache-* headers. */
export interface Directives {
  /** Cache-Control: no-cache — skip the lookup, call upstream, store (REFRESH). */
  noCache: boolean;
  /** Cache-Control: no-store — never store this answer. */
  noStore: boolean;
  /** Cache-Control: max-age=N — only entries younger than N seconds. */
  maxAgeSeconds: number | undefined;
  namespace: string;
  /** X-Cache-Threshold: a cosine threshold for this request (cosine-only decision). */
  threshold: number | undefined;
  /** X-Cache-Max-False-Hit-Rate: the verifier's operating point for this request. */
  maxFalseHitRate: number | undefined;
  ttlSeconds: number;
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function numberHeader(headers: Headers, name: string, check: (n: number) => boolean, what: string): number | undefined {
  const raw = header(headers, name);
  if (raw === undefined) return undefined;
  // Plain decimal only: Number() would also take '', '0x10' and '1e2'.
  const n = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isFinite(n) || !check(n)) throw new ValidationError(`header ${name} must be ${what}, got "${raw}"`, 'invalid_header');
  return n;
}

const inUnitInterval = (n: number): boolean => n > 0 && n <= 1;

export function parseDirectives(headers: Headers, config: Config): Directives {
  const cc = (header(headers, 'cache-control') ?? '').toLowerCase().split(',').map((d) => d.trim());
  const maxAge = cc.find((d) => d.startsWith('max-age'));
  let maxAgeSeconds: number | undefined;
  if (maxAge !== undefined) {
    const m = /^max-age=(\d{1,10})$/.exec(maxAge);
    if (m === null) throw new ValidationError(`Cache-Control max-age must be a non-negative integer, got "${maxAge}"`, 'invalid_header');
    maxAgeSeconds = Number(m[1]);
  }
  const namespace = header(headers, 'x-cache-namespace')?.trim();
  if (namespace !== undefined && (namespace === '' || namespace.length > MAX_NAMESPACE_CHARS)) throw new ValidationError(`header x-cache-namespace must be 1..${MAX_NAMESPACE_CHARS} characters`, 'invalid_header');
  return {
    noCache: cc.includes('no-cache'),
    noStore: cc.includes('no-store'),
    maxAgeSeconds,
    namespace: namespace ?? 'default',
    threshold: numberHeader(headers, 'x-cache-threshold', inUnitInterval, 'a number in (0, 1]'),
    maxFalseHitRate: numberHeader(headers, 'x-cache-max-false-hit-rate', inUnitInterval, 'a number in (0, 1]'),
    ttlSeconds: numberHeader(headers, 'x-cache-ttl', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer') ?? config.cache.default_ttl_seconds,
  };
}

/** Why a request must bypass the cache entirely (no lookup, no store), or null. */
export function bypassReason(body: ChatBody, config: Config): string | null {
  if ((body.n ?? 1) > 1) return 'n > 1';
  if ((body.temperature ?? 1) > config.chat.max_temperature) return `temperature above ${config.chat.max_temperature}`;
  return null;
}

/** Rough token estimate for rate limiting before the real usage is known: ~4 characters a token. */
export function estimateTokens(body: ChatBody): number {
  const prompt = Math.ceil(JSON.stringify(body.messages).length / 4);
  return prompt + (body.max_completion_tokens ?? body.max_tokens ?? 256);
}
