import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamUnavailableError } from '../../../src/errors.js';
import { Harness, chatCall, textOf } from './harness.js';
import { closedPortUrl, halfBodyThenDestroy, hang, json, providerConfig } from './scripted-server.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.cleanup();
});

describe('createUpstream: retries and fallback', () => {
  it('honours Retry-After on a 429, then returns the 200', async () => {
    const a = await h.server(json(200, { id: 'ok' }));
    a.script(json(429, { error: 'slow down' }, { 'retry-after': '2' }));
    const up = h.upstream([providerConfig('a', a.url)]);
    const res = await up.send(chatCall());
    expect(res.statusCode).toBe(200);
    expect(res.attempts).toBe(2);
    expect(JSON.parse(textOf(res))).toEqual({ id: 'ok' });
    expect(h.sleeps).toEqual([2_000]);
    expect(h.events).toEqual(['attempt a 429', 'retry a 429 2000', 'attempt a 200']);
    expect(a.requests).toHaveLength(2);
  });

  it('honours retry-after-ms over Retry-After', async () => {
    const a = await h.server();
    a.script(json(503, {}, { 'retry-after-ms': '750', 'retry-after': '9' }));
    const res = await h.upstream([providerConfig('a', a.url)]).send(chatCall());
    expect(res.statusCode).toBe(200);
    expect(h.sleeps).toEqual([750]);
  });

  it('gives up on a provider whose Retry-After exceeds max_retry_after_ms', async () => {
    const a = await h.server(json(429, { error: 'quota' }, { 'retry-after': '60' }));
    const res = await h.upstream([providerConfig('a', a.url)], { max_retry_after_ms: 30_000 }).send(chatCall());
    expect(res.statusCode).toBe(429);
    expect(res.attempts).toBe(1);
    expect(res.headers['retry-after']).toBe('60');
    expect(JSON.parse(textOf(res))).toEqual({ error: 'quota' });
    expect(h.sleeps).toEqual([]);
  });

  it('retries 500 max_attempts times with full-jitter backoff, then falls back', async () => {
    const a = await h.server(json(500, { error: 'boom' }));
    const b = await h.server(json(200, { from: 'b' }));
    const res = await h.upstream([providerConfig('a', a.url), providerConfig('b', b.url)]).send(chatCall());
    expect(res.provider).toBe('b');
    expect(res.attempts).toBe(4);
    expect(a.requests).toHaveLength(3);
    // random() = 0.5: 0.5 * 200 * 2^0, 0.5 * 200 * 2^1
    expect(h.sleeps).toEqual([100, 200]);
    expect(h.events).toContain('fallback a b');
    expect(JSON.parse(textOf(res))).toEqual({ from: 'b' });
  });

  it('falls back when the first provider refuses connections', async () => {
    const b = await h.server(json(200, { from: 'b' }));
    const up = h.upstream([providerConfig('a', await closedPortUrl()), providerConfig('b', b.url)], { max_attempts: 2 });
    const res = await up.send(chatCall());
    expect(res.provider).toBe('b');
    expect(res.attempts).toBe(3);
    expect(h.events.filter((e) => e.startsWith('attempt a'))).toEqual(['attempt a network_error', 'attempt a network_error']);
  });

  it('retries a hang past timeout_ms as a timeout, then falls back', async () => {
    const a = await h.server(hang);
    const b = await h.server(json(200, { from: 'b' }));
    const up = h.upstream([providerConfig('a', a.url, { timeout_ms: 150 }), providerConfig('b', b.url)], { max_attempts: 2 });
    const started = Date.now();
    const res = await up.send(chatCall());
    expect(res.provider).toBe('b');
    expect(h.events.slice(0, 4)).toEqual(['attempt a timeout', 'retry a timeout 100', 'attempt a timeout', 'fallback a b']);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('returns a non-retryable 400 at once, without fallback', async () => {
    const a = await h.server(json(400, { error: { message: 'bad' } }, { 'x-request-id': 'r1' }));
    const b = await h.server();
    const res = await h.upstream([providerConfig('a', a.url), providerConfig('b', b.url)]).send(chatCall());
    expect(res.statusCode).toBe(400);
    expect(res.provider).toBe('a');
    expect(res.attempts).toBe(1);
    expect(res.headers['x-request-id']).toBe('r1');
    expect(JSON.parse(textOf(res))).toEqual({ error: { message: 'bad' } });
    expect(b.requests).toHaveLength(0);
    expect(h.sleeps).toEqual([]);
  });

  it('buffered mode retries a body cut off mid-way', async () => {
    const a = await h.server(json(200, { choices: [{ message: { content: 'whole' } }] }));
    a.script(halfBodyThenDestroy);
    const res = await h.upstream([providerConfig('a', a.url)]).send(chatCall());
    expect(res.statusCode).toBe(200);
    expect(res.attempts).toBe(2);
    expect(JSON.parse(textOf(res))).toEqual({ choices: [{ message: { content: 'whole' } }] });
    expect(h.events[0]).toBe('attempt a network_error');
  });

  it('passes the last HTTP failure through when every provider is exhausted', async () => {
    const a = await h.server(json(502, { error: 'a down' }));
    const b = await h.server(json(503, { error: 'b down' }, { 'x-b': '1' }));
    const res = await h.upstream([providerConfig('a', a.url), providerConfig('b', b.url)], { max_attempts: 2 }).send(chatCall());
    expect(res.provider).toBe('b');
    expect(res.statusCode).toBe(503);
    expect(res.attempts).toBe(4);
    expect(res.headers['x-b']).toBe('1');
    expect(JSON.parse(textOf(res))).toEqual({ error: 'b down' });
  });

  it('throws UpstreamUnavailableError when every provider fails at the network level', async () => {
    const up = h.upstream([providerConfig('a', await closedPortUrl()), providerConfig('b', await closedPortUrl())], { max_attempts: 1 });
    const err = await up.send(chatCall()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect((err as Error).message).toMatch(/a: network_error.*ECONNREFUSED.*b: network_error/);
  });

  it('stops at once when the client aborts, aborting the in-flight request', async () => {
    const controller = new AbortController();
    const a = await h.server((req) => {
      req.socket.on('close', () => a.requests.push({ method: 'CLOSED', url: '', headers: {}, body: '' }));
      controller.abort(new Error('client went away'));
    });
    const b = await h.server();
    const up = h.upstream([providerConfig('a', a.url), providerConfig('b', b.url)]);
    await expect(up.send(chatCall({ signal: controller.signal }))).rejects.toThrow('client went away');
    expect(b.requests).toHaveLength(0);
    expect(h.sleeps).toEqual([]);
    await expect.poll(() => a.requests.map((r) => r.method)).toEqual(['POST', 'CLOSED']);
  });

  it('does not start when the signal is already aborted', async () => {
    const a = await h.server();
    const up = h.upstream([providerConfig('a', a.url)]);
    await expect(up.send(chatCall({ signal: AbortSignal.abort(new Error('gone')) }))).rejects.toThrow('gone');
    expect(a.requests).toHaveLength(0);
  });
});
