import { performance } from 'node:perf_hooks';
import type { Config } from '../config.js';
import type { Clock } from '../core/ports.js';
import { performAttempt, type AttemptResult } from './attempt.js';
import { fullJitterDelay, isRetryableStatus, parseRetryAfter } from './backoff.js';
import type { ProviderRuntime } from './provider.js';
import type { SendState } from './send-state.js';
import type { UpstreamCall, UpstreamObserver, UpstreamResponse } from './types.js';

/** Shared, per-Upstream collaborators of the retry loop. */
export interface RetryContext {
  options: Config['upstream'];
  clock: Clock;
  /** Resolves after `ms` milliseconds; rejects early when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
  observer: UpstreamObserver | undefined;
}

/** Sleeps `ms` (ms) unless the client went away, in which case it throws the abort reason. */
async function pause(ctx: RetryContext, ms: number, signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted();
  try {
    await ctx.sleep(ms, signal);
  } catch (err) {
    signal?.throwIfAborted();
    throw err;
  }
  signal?.throwIfAborted();
}

/** Reserves rate-limit tokens and waits for them. False = the wait exceeds max_queue_wait_ms. */
async function waitForRateLimit(p: ProviderRuntime, call: UpstreamCall, ctx: RetryContext, state: SendState): Promise<boolean> {
  const tokens = call.estimatedTokens ?? 0;
  const wait = p.limiter.waitMs(tokens);
  if (wait > ctx.options.max_queue_wait_ms) {
    state.noteRateLimited(p.name, wait);
    return false;
  }
  p.limiter.reserve(tokens);
  if (wait <= 0) return true;
  ctx.observer?.rateLimitWait?.(p.name, wait);
  try {
    await pause(ctx, wait, call.signal);
  } catch (err) {
    p.limiter.release(tokens);
    throw err;
  }
  return true;
}

/** Breaker then rate limit. False = skip this provider. */
async function passGates(p: ProviderRuntime, call: UpstreamCall, ctx: RetryContext, state: SendState): Promise<boolean> {
  if (!p.breaker.tryAcquire()) {
    state.noteProblem(p.name, 'circuit open');
    return false;
  }
  try {
    const admitted = await waitForRateLimit(p, call, ctx, state);
    if (!admitted) p.breaker.release();
    return admitted;
  } catch (err) {
    p.breaker.release();
    throw err;
  }
}

/** Runs one attempt, reports it, and refunds the token estimate when the provider answered with
 * an error status (it generated nothing). */
async function timedAttempt(p: ProviderRuntime, call: UpstreamCall, ctx: RetryContext, state: SendState): Promise<AttemptResult> {
  state.attempts += 1;
  const started = performance.now(); // wall-clock latency for metrics, not logic: no injected clock
  let result: AttemptResult;
  try {
    result = await performAttempt(p, call);
  } catch (err) {
    p.breaker.release();
    throw err;
  }
  const outcome = result.type === 'error' ? result.kind : result.statusCode;
  ctx.observer?.attempt?.(p.name, outcome, performance.now() - started);
  if (result.type === 'response' && (result.statusCode < 200 || result.statusCode >= 300)) {
    p.limiter.adjustTokens(call.estimatedTokens ?? 0);
  }
  return result;
}

function successResponse(p: ProviderRuntime, result: Exclude<AttemptResult, { type: 'error' }>, call: UpstreamCall, attempts: number): UpstreamResponse {
  const estimated = call.estimatedTokens ?? 0;
  const is2xx = result.statusCode >= 200 && result.statusCode < 300;
  let settled = !is2xx; // error answers were refunded on arrival
  const settle = (used: number | undefined): void => {
    if (settled) return;
    settled = true;
    if (used !== undefined && Number.isFinite(used)) p.limiter.adjustTokens(estimated - used);
  };
  const base = { provider: p.name, statusCode: result.statusCode, headers: result.headers, attempts, settle };
  return result.type === 'stream' ? { ...base, kind: 'stream', body: result.body } : { ...base, kind: 'buffered', text: result.text };
}

/** Records a failed attempt; returns the delay before the next one (ms), or undefined to give up
 * on this provider. */
function nextDelay(p: ProviderRuntime, result: AttemptResult, attempt: number, ctx: RetryContext, state: SendState): number | undefined {
  if (p.breaker.onFailure()) ctx.observer?.breakerOpen?.(p.name);
  if (result.type === 'error') state.noteProblem(p.name, `${result.kind} (${result.message})`);
  else if (result.type === 'response') state.noteAnswer({ provider: p.name, ...result });
  if (p.breaker.state === 'open' || attempt >= ctx.options.max_attempts) return undefined;
  const { backoff_base_ms: base, backoff_max_ms: max, max_retry_after_ms: maxHint } = ctx.options;
  const hinted = result.type === 'response' ? parseRetryAfter(result.headers, ctx.clock.now()) : undefined;
  if (hinted === undefined) return fullJitterDelay(attempt, base, max, ctx.random);
  if (hinted <= maxHint) return hinted;
  state.noteProblem(p.name, `HTTP ${result.type === 'response' ? result.statusCode : '?'} with Retry-After ${hinted} ms > max_retry_after_ms`);
  return undefined;
}

/**
 * Up to max_attempts attempts on one provider. Resolves with the answer to return (2xx or a
 * non-retryable status), or undefined when the caller should fall back to the next provider.
 */
export async function tryProvider(p: ProviderRuntime, call: UpstreamCall, ctx: RetryContext, state: SendState): Promise<UpstreamResponse | undefined> {
  for (let attempt = 1; attempt <= ctx.options.max_attempts; attempt++) {
    if (!(await passGates(p, call, ctx, state))) return undefined;
    const result = await timedAttempt(p, call, ctx, state);
    if (result.type !== 'error' && !isRetryableStatus(result.statusCode)) {
      p.breaker.onSuccess();
      return successResponse(p, result, call, state.attempts);
    }
    const delay = nextDelay(p, result, attempt, ctx, state);
    if (delay === undefined) return undefined;
    const reason = result.type === 'error' ? result.kind : String(result.statusCode);
    ctx.observer?.retry?.(p.name, reason, delay);
    if (delay > 0) await pause(ctx, delay, call.signal);
  }
  return undefined;
}
