import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { SemanticCache } from '../../src/core/semantic-cache.js';
import { Ready } from '../../src/ready.js';
import { testConfig } from '../helpers.js';
import { startHarness, type Harness } from './harness.js';

describe('API keys', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ api_keys: ['key-one', 'key-two'] });
  });
  afterAll(async () => h.cleanup());

  it('rejects /v1 routes without a valid bearer key', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'key-one' }, { authorization: 'Basic a2V5LW9uZQ==' }]) {
      const res = await h.app.inject({ url: '/v1/cache/stats', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
    const lookup = await h.app.inject({ method: 'POST', url: '/v1/cache/lookup', payload: { prompt: 'hi' } });
    expect(lookup.statusCode).toBe(401);
  });

  it('accepts any configured key and leaves health checks open', async () => {
    expect((await h.app.inject({ url: '/v1/cache/stats', headers: { authorization: 'Bearer key-two' } })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/v1/cache/stats', headers: { authorization: 'bearer key-one' } })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });
});

describe('admin keys', () => {
  it('guard /v1/admin/* separately from the API keys', async () => {
    const app = buildApp({ config: testConfig('/nonexistent', { api_keys: ['api'], admin_keys: ['root'] }), cache: new Ready<SemanticCache>() });
    const get = (url: string, key?: string) => app.inject({ url, headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
    expect((await get('/v1/admin/entries', 'api')).statusCode).toBe(401);
    expect((await get('/v1/admin/entries')).statusCode).toBe(401);
    expect((await get('/v1/admin/entries', 'root')).statusCode).not.toBe(401);
    expect((await get('/v1/cache/stats', 'root')).statusCode).toBe(401);
    expect((await get('/v1/cache/stats', 'api')).statusCode).toBe(503); // authorised; cache still starting
    await app.close();
  });

  it('fall back to the API keys when no admin key is configured', async () => {
    const app = buildApp({ config: testConfig('/nonexistent', { api_keys: ['api'] }), cache: new Ready<SemanticCache>() });
    expect((await app.inject({ url: '/v1/admin/entries' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/admin/entries', headers: { authorization: 'Bearer api' } })).statusCode).not.toBe(401);
    await app.close();
  });
});

describe('readiness', () => {
  it('answers 503 until the cache is ready, with a JSON error on /v1 routes', async () => {
    const cache = new Ready<SemanticCache>();
    const app = buildApp({ config: testConfig('/nonexistent'), cache });
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().ready).toBe(false);
    const lookup = await app.inject({ method: 'POST', url: '/v1/cache/lookup', payload: { prompt: 'hi' } });
    expect(lookup.statusCode).toBe(503);
    expect(lookup.json().error.code).toBe('not_ready');
    expect(lookup.headers['retry-after']).toBe('1');
    await app.close();
  });
});
