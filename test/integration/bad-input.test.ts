import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startHarness, type Harness } from './harness.js';

/** Every bad request gets a 4xx `{"error":{"code","message"}}` and leaves stored data intact. */
describe('bad input', () => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    h = await startHarness({ body_limit_bytes: 64 * 1024 });
    id = (await post(h.app, '/v1/cache/store', { prompt: 'How do I reverse a list in Python?', response: 'reversed()' })).body?.id as string;
  });
  afterAll(async () => h.cleanup());

  async function expectError(res: { statusCode: number; json(): any }, status: number, code?: string): Promise<void> {
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(typeof body.error.code).toBe('string');
    expect(typeof body.error.message).toBe('string');
    expect(body.error.message.length).toBeGreaterThan(0);
    if (code !== undefined) expect(body.error.code).toBe(code);
  }

  const raw = (url: string, payload: string, contentType = 'application/json') =>
    h.app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });
  const json = (url: string, payload: unknown) => h.app.inject({ method: 'POST', url, payload: payload as object });

  for (const url of ['/v1/cache/lookup', '/v1/cache/store']) {
    describe(url, () => {
      it('invalid JSON -> 400', async () => {
        await expectError(await raw(url, '{"prompt": "unterminated'), 400, 'invalid_json');
        await expectError(await raw(url, ''), 400);
      });
      it('no body or a non-object body -> 400', async () => {
        await expectError(await h.app.inject({ method: 'POST', url }), 400);
        await expectError(await raw(url, '"just a string"'), 400);
        await expectError(await raw(url, '[1,2]'), 400);
        await expectError(await raw(url, 'null'), 400);
        await expectError(await raw(url, 'prompt=hi', 'text/plain'), 400);
      });
      it('missing or empty prompt -> 400', async () => {
        const extra = url.endsWith('store') ? { response: 'x' } : {};
        await expectError(await json(url, { ...extra }), 400, 'missing_prompt');
        await expectError(await json(url, { prompt: '', ...extra }), 400);
        await expectError(await json(url, { prompt: ' \n\t ', ...extra }), 400, 'missing_prompt');
        await expectError(await json(url, { messages: [], ...extra }), 400);
        await expectError(await json(url, { messages: [{ role: 'system', content: 'hi' }], ...extra }), 400, 'missing_prompt');
        await expectError(await json(url, { prompt: 'a', messages: [{ role: 'user', content: 'a' }], ...extra }), 400);
      });
      it('wrong types -> 400', async () => {
        const extra = url.endsWith('store') ? { response: 'x' } : {};
        await expectError(await json(url, { prompt: 42, ...extra }), 400, 'invalid_request');
        await expectError(await json(url, { prompt: 'hi', namespace: 7, ...extra }), 400);
        await expectError(await json(url, { prompt: 'hi', namespace: '', ...extra }), 400);
        await expectError(await json(url, { prompt: 'hi', model: ['x'], ...extra }), 400);
        await expectError(await json(url, { messages: [{ content: 'no role' }], ...extra }), 400);
        await expectError(await json(url, { messages: 'hello', ...extra }), 400);
        await expectError(await json(url, { prompt: 'hi', unknown_field: true, ...extra }), 400);
      });
      it('prompt over 32768 characters -> 400', async () => {
        const extra = url.endsWith('store') ? { response: 'x' } : {};
        await expectError(await json(url, { prompt: 'a'.repeat(32_769), ...extra }), 400);
        await expectError(await json(url, { messages: [{ role: 'user', content: 'a'.repeat(32_769) }], ...extra }), 400);
      });
      it('body over the limit -> 413', async () => {
        await expectError(await json(url, { prompt: 'x', response: 'y'.repeat(70 * 1024) }), 413, 'body_too_large');
      });
    });
  }

  it('threshold out of range or mistyped -> 400', async () => {
    for (const threshold of [0, -0.1, 1.01, 2, '0.9', null]) {
      await expectError(await json('/v1/cache/lookup', { prompt: 'hi', threshold }), 400, 'invalid_request');
    }
    expect((await json('/v1/cache/lookup', { prompt: 'hi', threshold: 1 })).statusCode).toBe(200);
  });

  it('bad max_age_seconds / ttl_seconds / response / metadata -> 400', async () => {
    await expectError(await json('/v1/cache/lookup', { prompt: 'hi', max_age_seconds: -1 }), 400);
    await expectError(await json('/v1/cache/lookup', { prompt: 'hi', max_age_seconds: 1.5 }), 400);
    await expectError(await json('/v1/cache/store', { prompt: 'hi', response: 'x', ttl_seconds: -5 }), 400);
    await expectError(await json('/v1/cache/store', { prompt: 'hi', response: 'x', ttl_seconds: 'soon' }), 400);
    await expectError(await json('/v1/cache/store', { prompt: 'hi' }), 400);
    await expectError(await json('/v1/cache/store', { prompt: 'hi', response: '' }), 400);
    await expectError(await json('/v1/cache/store', { prompt: 'hi', response: 12 }), 400);
    await expectError(await json('/v1/cache/store', { prompt: 'hi', response: 'x', metadata: 'tag' }), 400);
  });

  it('unknown entries and routes -> 404', async () => {
    await expectError(await h.app.inject({ url: '/v1/cache/entries/nope' }), 404, 'not_found');
    await expectError(await h.app.inject({ method: 'DELETE', url: '/v1/cache/entries/nope' }), 404, 'not_found');
    await expectError(await h.app.inject({ url: '/v1/nothing-here' }), 404, 'not_found');
  });

  it('unsupported content type -> 415', async () => {
    await expectError(await raw('/v1/cache/lookup', '<xml/>', 'application/xml'), 415, 'unsupported_media_type');
  });

  it('kept the stored entry through all of it', async () => {
    const res = await post(h.app, '/v1/cache/lookup', { prompt: 'How do I reverse a list in Python?' });
    expect(res.body).toMatchObject({ status: 'hit', entry: { id, response: 'reversed()' } });
    expect(h.service.store.count()).toBe(1);
  });
});
