import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NoProviderError } from '../../../src/errors.js';
import { Harness, chatCall } from './harness.js';
import { json, providerConfig } from './scripted-server.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.cleanup();
});

const withClientAuth = { headers: { 'content-type': 'application/json', authorization: 'Bearer client-key' } };

describe('createUpstream: requests, auth and routing', () => {
  it('sends method, base path + path (with query) and body', async () => {
    const a = await h.server();
    await h.upstream([providerConfig('a', a.url)]).send(chatCall({ path: '/chat/completions?x=1', body: '{"q":1}' }));
    expect(a.requests[0]).toMatchObject({ method: 'POST', url: '/v1/chat/completions?x=1', body: '{"q":1}' });
    expect(a.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('a provider api_key replaces the client authorization', async () => {
    const a = await h.server();
    await h.upstream([providerConfig('a', a.url, { api_key: 'sk-provider' })]).send(chatCall(withClientAuth));
    expect(a.requests[0]?.headers.authorization).toBe('Bearer sk-provider');
  });

  it('api_key_env is read from the injected env', async () => {
    const a = await h.server();
    const up = h.upstream([providerConfig('a', a.url, { api_key_env: 'A_KEY' })], {}, { env: { A_KEY: 'sk-env' } });
    await up.send(chatCall(withClientAuth));
    expect(a.requests[0]?.headers.authorization).toBe('Bearer sk-env');
  });

  it('without a key (or an empty api_key_env) the client authorization is forwarded', async () => {
    const a = await h.server();
    const up = h.upstream([providerConfig('a', a.url, { api_key_env: 'A_KEY' })], {}, { env: { A_KEY: '' } });
    await up.send(chatCall(withClientAuth));
    expect(a.requests[0]?.headers.authorization).toBe('Bearer client-key');
  });

  it('routes by the models filter, exact or prefix*', async () => {
    const a = await h.server(json(200, { from: 'a' }));
    const b = await h.server(json(200, { from: 'b' }));
    const up = h.upstream([providerConfig('a', a.url, { models: ['llama-*'] }), providerConfig('b', b.url, { models: ['gpt-4o', 'o1*'] })]);
    expect((await up.send(chatCall({ model: 'llama-3.1-8b' }))).provider).toBe('a');
    expect((await up.send(chatCall({ model: 'gpt-4o' }))).provider).toBe('b');
    expect((await up.send(chatCall({ model: 'o1-mini' }))).provider).toBe('b');
    await expect(up.send(chatCall({ model: 'gpt-4o-mini' }))).rejects.toBeInstanceOf(NoProviderError);
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(2);
  });

  it('falls back only to providers that allow the model', async () => {
    const a = await h.server(json(500, {}));
    const b = await h.server();
    const c = await h.server(json(200, { from: 'c' }));
    const up = h.upstream([providerConfig('a', a.url), providerConfig('b', b.url, { models: ['other'] }), providerConfig('c', c.url)], { max_attempts: 1 });
    const res = await up.send(chatCall());
    expect(res.provider).toBe('c');
    expect(b.requests).toHaveLength(0);
    expect(h.events).toContain('fallback a c');
  });

  it('without a model only the first provider is used (proxying)', async () => {
    const a = await h.server(json(404, { error: 'nope' }));
    const b = await h.server();
    const up = h.upstream([providerConfig('a', a.url, { models: ['x'] }), providerConfig('b', b.url)]);
    const res = await up.send({ method: 'GET', path: '/models', headers: {}, buffered: true });
    expect(res.statusCode).toBe(404);
    expect(a.requests[0]).toMatchObject({ method: 'GET', url: '/v1/models' });
    expect(b.requests).toHaveLength(0);
  });

  it('bounds concurrency per provider at max_concurrency (the rest queue in the pool)', async () => {
    let inflight = 0;
    let peak = 0;
    const a = await h.server((_req, res) => {
      inflight += 1;
      peak = Math.max(peak, inflight);
      setTimeout(() => {
        inflight -= 1;
        res.end('{}');
      }, 5);
    });
    const up = h.upstream([providerConfig('a', a.url, { max_concurrency: 2 })]);
    const results = await Promise.all(Array.from({ length: 6 }, () => up.send(chatCall())));
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    expect(peak).toBe(2);
  });

  it('configured is false without providers, and send throws NoProviderError', async () => {
    const up = h.upstream([]);
    expect(up.configured).toBe(false);
    await expect(up.send(chatCall())).rejects.toBeInstanceOf(NoProviderError);
    await expect(up.send(chatCall({ model: undefined }))).rejects.toBeInstanceOf(NoProviderError);
  });
});
