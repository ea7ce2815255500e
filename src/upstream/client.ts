import { setTimeout as delay } from 'node:timers/promises';
import type { Config, ProviderConfig } from '../config.js';
import type { Clock } from '../core/ports.js';
import { UpstreamUnavailableError } from '../errors.js';
import { createProviderRuntime, selectProviders, type ProviderRuntime } from './provider.js';
import { tryProvider, type RetryContext } from './retry-loop.js';
import { SendState } from './send-state.js';
import type { Upstream, UpstreamCall, UpstreamObserver, UpstreamResponse } from './types.js';

export interface UpstreamDeps {
  clock: Clock;
  /** Waits `ms` milliseconds; should reject when `signal` aborts. Default: timers/promises. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform in [0, 1), for backoff jitter. Default: Math.random. */
  random?: () => number;
  observer?: UpstreamObserver;
  /** Where api_key_env is looked up, once, at creation. Default: process.env. */
  env?: Record<string, string | undefined>;
}

const defaultSleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
  await delay(ms, undefined, signal === undefined ? undefined : { signal });
};

/** Tries each allowed provider in order, falling back when one is exhausted or skipped. */
async function sendWithFallback(providers: readonly ProviderRuntime[], call: UpstreamCall, ctx: RetryContext): Promise<UpstreamResponse> {
  const candidates = selectProviders(providers, call.model);
  const state = new SendState();
  let previous: ProviderRuntime | undefined;
  for (const provider of candidates) {
    call.signal?.throwIfAborted();
    if (previous !== undefined) ctx.observer?.fallback?.(previous.name, provider.name);
    const response = await tryProvider(provider, call, ctx, state);
    if (response !== undefined) return response;
    previous = provider;
  }
  return state.finish(ctx.options.max_queue_wait_ms);
}

/**
 * The resilient client for the configured providers: per-provider keep-alive pools, retries with
 * full-jitter backoff (or the server's Retry-After), circuit breakers, rpm/tpm token buckets and
 * ordered fallback. A provider whose rate limit would need more than max_queue_wait_ms is skipped
 * in favour of the next allowed one; only when no provider answers does that become a
 * RateLimitedError.
 */
export function createUpstream(providers: ProviderConfig[], options: Config['upstream'], deps: UpstreamDeps): Upstream {
  const env = deps.env ?? process.env;
  const runtimes = providers.map((p) => createProviderRuntime(p, options, deps.clock, env));
  const ctx: RetryContext = {
    options,
    clock: deps.clock,
    sleep: deps.sleep ?? defaultSleep,
    random: deps.random ?? Math.random,
    observer: deps.observer,
  };
  let closing: Promise<void> | undefined;
  return {
    configured: runtimes.length > 0,
    send: async (call) => {
      if (closing !== undefined) throw new UpstreamUnavailableError('the upstream client is closed (shutting down)');
      return sendWithFallback(runtimes, call, ctx);
    },
    // Idempotent: undici rejects a second close. Waits for in-flight requests to finish.
    close: () => {
      closing ??= Promise.all(runtimes.map((r) => r.pool.close())).then(() => undefined);
      return closing;
    },
  };
}
