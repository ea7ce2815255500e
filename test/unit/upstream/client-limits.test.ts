import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitedError, UpstreamUnavailableError } from '../../../src/errors.js';
import type { Upstream } from '../../../src/upstream/types.js';
import { Harness, chatCall } from './harness.js';
import { json, providerConfig } from './scripted-server.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.cleanup();
});

describe('createUpstream: circuit breaker', () => {
  it('opens after N failures, skips the provider until the cool-down, then a good trial closes it', async () => {
    const a = await h.server(json(500, {}));
    const b = await h.server(json(200, { from: 'b' }));
    const up = h.upstream([providerConfig('a', a.url), providerConfig('b', b.url)], {
      max_attempts: 3,
      breaker_failures: 2,
      breaker_cooldown_ms: 30_000,
    });
    expect((await up.send(chatCall())).provider).toBe('b');
    expect(a.requests).toHaveLength(2); // opened at the 2nd failure: no 3rd attempt
    expect(h.events).toContain('breakerOpen a');

    h.time += 29_999;
    expect((await up.send(chatCall())).provider).toBe('b');
    expect(a.requests).toHaveLength(2); // skipped while open

    h.time += 1;
    a.setDefault(json(200, { from: 'a' }));
    const trial = await up.send(chatCall());
    expect(trial.provider).toBe('a');
    expect(trial.attempts).toBe(1);
    expect(a.requests).toHaveLength(3);
  });

  it('a failed half-open trial re-opens it; with every circuit open the error says so', async () => {
    const a = await h.server(json(503, {}));
    const up = h.upstream([providerConfig('a', a.url)], { max_attempts: 5, breaker_failures: 1, breaker_cooldown_ms: 1_000 });
    expect((await up.send(chatCall())).statusCode).toBe(503);
    expect(a.requests).toHaveLength(1);

    const err = await up.send(chatCall()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect((err as Error).message).toContain('a: circuit open');

    h.time += 1_000;
    expect((await up.send(chatCall())).statusCode).toBe(503); // the one trial, failed
    expect(a.requests).toHaveLength(2);
    expect(h.events.filter((e) => e === 'breakerOpen a')).toHaveLength(2);
    await expect(up.send(chatCall())).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it('a non-retryable 4xx counts as alive and resets the failure count', async () => {
    const a = await h.server(json(500, {}));
    const up = h.upstream([providerConfig('a', a.url)], { max_attempts: 1, breaker_failures: 2 });
    await up.send(chatCall());
    a.script(json(400, {}));
    await up.send(chatCall());
    await up.send(chatCall()); // 500 again: only one consecutive failure
    expect(h.events).not.toContain('breakerOpen a');
    expect(a.requests).toHaveLength(3);
  });
});

describe('createUpstream: rate limits', () => {
  async function burst(up: Upstream, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await up.send(chatCall());
  }

  it('rpm 60: after a burst of 60, a request that would wait 1000 ms > max_queue_wait_ms is refused', async () => {
    const a = await h.server();
    const up = h.upstream([providerConfig('a', a.url, { rpm: 60 })], { max_queue_wait_ms: 500 });
    await burst(up, 60);
    expect(h.sleeps).toEqual([]);
    const err = await up.send(chatCall()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterSeconds).toBe(1);
    expect(a.requests).toHaveLength(60);
  });

  it('rpm 60: within max_queue_wait_ms the request waits ~1000 ms, then is sent', async () => {
    const a = await h.server();
    const up = h.upstream([providerConfig('a', a.url, { rpm: 60 })], { max_queue_wait_ms: 5_000 });
    await burst(up, 60);
    const res = await up.send(chatCall());
    expect(res.statusCode).toBe(200);
    expect(h.sleeps).toHaveLength(1);
    expect(h.sleeps[0]).toBeCloseTo(1_000);
    expect(h.events).toContain('wait a 1000');
    // The reservation is debt: the next caller queues behind it.
    await up.send(chatCall());
    expect(h.sleeps[1]).toBeCloseTo(2_000);
  });

  it('tpm: settle refunds unused estimated tokens, once', async () => {
    const a = await h.server();
    const up = h.upstream([providerConfig('a', a.url, { tpm: 1_000 })], { max_queue_wait_ms: 0 });
    const first = await up.send(chatCall({ estimatedTokens: 1_000 }));
    await expect(up.send(chatCall({ estimatedTokens: 500 }))).rejects.toBeInstanceOf(RateLimitedError);
    first.settle(300);
    first.settle(0); // ignored: settle is idempotent
    expect((await up.send(chatCall({ estimatedTokens: 700 }))).statusCode).toBe(200);
    await expect(up.send(chatCall({ estimatedTokens: 1 }))).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('tpm: error answers give the estimate back at once', async () => {
    const a = await h.server(json(400, {}));
    const up = h.upstream([providerConfig('a', a.url, { tpm: 1_000 })], { max_queue_wait_ms: 0 });
    expect((await up.send(chatCall({ estimatedTokens: 1_000 }))).statusCode).toBe(400);
    expect((await up.send(chatCall({ estimatedTokens: 1_000 }))).statusCode).toBe(400);
  });

  it('a provider over its limit is skipped for the next allowed one', async () => {
    const a = await h.server(json(200, { from: 'a' }));
    const b = await h.server(json(200, { from: 'b' }));
    const up = h.upstream([providerConfig('a', a.url, { rpm: 1 }), providerConfig('b', b.url)], { max_queue_wait_ms: 1_000 });
    expect((await up.send(chatCall())).provider).toBe('a');
    expect((await up.send(chatCall())).provider).toBe('b');
    expect(h.events).toContain('fallback a b');
    expect(h.sleeps).toEqual([]);
  });
});

describe('createUpstream: close', () => {
  it('closes every pool', async () => {
    const a = await h.server();
    const up = h.upstream([providerConfig('a', a.url), providerConfig('b', a.url)]);
    expect(up.configured).toBe(true);
    await up.send(chatCall());
    await up.close();
    await up.close(); // idempotent
    await expect(up.send(chatCall())).rejects.toThrow(UpstreamUnavailableError);
    expect(h.sleeps).toEqual([]); // not retried
    expect(a.requests).toHaveLength(1);
  });
});
