import { Pool } from 'undici';
import type { Config, ProviderConfig } from '../config.js';
import type { Clock } from '../core/ports.js';
import { NoProviderError } from '../errors.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { RateLimiter } from './token-bucket.js';

/** Everything dejavu keeps per configured provider for the life of the process. */
export interface ProviderRuntime {
  readonly name: string;
  /** Keep-alive connection pool to the provider's origin; bounds concurrency. */
  readonly pool: Pool;
  /** Path prefix of base_url without a trailing slash, e.g. '/v1' ('' for a bare origin). */
  readonly basePath: string;
  /** Provider key resolved at startup; undefined = forward the client's authorization. */
  readonly apiKey: string | undefined;
  readonly models: readonly string[] | undefined;
  /** Whole-attempt deadline for buffered calls, idle limit per read for streams, ms. */
  readonly timeoutMs: number;
  readonly breaker: CircuitBreaker;
  readonly limiter: RateLimiter;
}

type Env = Record<string, string | undefined>;

function resolveApiKey(config: ProviderConfig, env: Env): string | undefined {
  if (config.api_key !== undefined) return config.api_key;
  if (config.api_key_env === undefined) return undefined;
  const value = env[config.api_key_env]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function createProviderRuntime(
  config: ProviderConfig,
  options: Config['upstream'],
  clock: Clock,
  env: Env,
): ProviderRuntime {
  const url = new URL(config.base_url);
  const pool = new Pool(url.origin, {
    connections: config.max_concurrency,
    connectTimeout: config.connect_timeout_ms,
    headersTimeout: config.timeout_ms,
    bodyTimeout: config.timeout_ms,
  });
  return {
    name: config.name,
    pool,
    basePath: url.pathname.replace(/\/+$/, ''),
    apiKey: resolveApiKey(config, env),
    models: config.models,
    timeoutMs: config.timeout_ms,
    breaker: new CircuitBreaker(options.breaker_failures, options.breaker_cooldown_ms, clock),
    limiter: new RateLimiter({ rpm: config.rpm, tpm: config.tpm }, clock),
  };
}

/** Whether `model` matches one of `patterns`: an exact name, or a prefix when the pattern ends in
 * '*' ('*' alone matches everything). No patterns = the provider serves every model. */
export function modelAllowed(patterns: readonly string[] | undefined, model: string): boolean {
  if (patterns === undefined) return true;
  return patterns.some((p) => (p.endsWith('*') ? model.startsWith(p.slice(0, -1)) : p === model));
}

/** Providers to try, in configured order. Without a model (plain proxying) only the first one. */
export function selectProviders(providers: readonly ProviderRuntime[], model: string | undefined): ProviderRuntime[] {
  if (model === undefined) {
    const first = providers[0];
    if (first === undefined) throw new NoProviderError('no upstream provider is configured');
    return [first];
  }
  const allowed = providers.filter((p) => modelAllowed(p.models, model));
  if (allowed.length === 0) throw new NoProviderError(`no upstream provider serves model "${model}"`);
  return allowed;
}

/** Joins base path and call path, e.g. '/v1' + '/chat/completions?x=1'. */
export function requestPath(basePath: string, path: string): string {
  return basePath + (path.startsWith('/') ? path : `/${path}`);
}

/**
 * Headers sent upstream: the client's, with `authorization` replaced when the provider has its
 * own key. `accept-encoding` is dropped so the provider answers uncompressed: buffered bodies are
 * decoded as UTF-8 text and streamed SSE is parsed by the caller; neither would survive gzip.
 */
export function upstreamHeaders(clientHeaders: Record<string, string>, apiKey: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(clientHeaders)) {
    const lower = name.toLowerCase();
    if (lower === 'accept-encoding') continue;
    if (lower === 'authorization' && apiKey !== undefined) continue;
    out[name] = value;
  }
  if (apiKey !== undefined) out.authorization = `Bearer ${apiKey}`;
  return out;
}
