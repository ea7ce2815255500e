import { afterEach, describe, expect, it, vi } from 'vitest';
import { post, startHarness, type Harness } from './harness.js';

describe('batched hit statistics over HTTP', () => {
  let h: Harness;
  afterEach(async () => {
    vi.useRealTimers();
    await h.cleanup();
  });

  const hitCountInSqlite = (id: string) =>
    (h.service.store.db.prepare('SELECT hit_count FROM entries WHERE uid = ?').get(id) as { hit_count: number }).hit_count;

  it('a graceful restart writes every pending hit', async () => {
    h = await startHarness();
    const id = (await post(h.app, '/v1/cache/store', { prompt: 'How many legs does a spider have?', response: 'Eight.' })).body!.id as string;
    for (let i = 1; i <= 3; i++) {
      const r = await post(h.app, '/v1/cache/lookup', { prompt: 'How many legs does a spider have?' });
      expect(r.body).toMatchObject({ status: 'hit', entry: { id, hit_count: i } });
    }
    expect(hitCountInSqlite(id)).toBe(0);
    h = await h.restart(); // service.close() flushes before closing SQLite
    expect(hitCountInSqlite(id)).toBe(3);
    expect((await h.app.inject({ url: `/v1/cache/entries/${id}` })).json()).toMatchObject({ hit_count: 3 });
  });

  it('the service timer flushes pending hits while no lookups arrive', async () => {
    h = await startHarness();
    const id = (await post(h.app, '/v1/cache/store', { prompt: 'What colour is the sky?', response: 'Blue.' })).body!.id as string;
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    h.service.startTimers();
    await post(h.app, '/v1/cache/lookup', { prompt: 'What colour is the sky?' });
    expect(hitCountInSqlite(id)).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(hitCountInSqlite(id)).toBe(1);
  });

  it('remembered lookup keys never mix namespaces or models', async () => {
    h = await startHarness();
    await post(h.app, '/v1/cache/store', { namespace: 'a', model: 'm', prompt: 'x y', response: 'r' });
    const lookup = async (body: Record<string, unknown>) => (await post(h.app, '/v1/cache/lookup', body)).body!.status as string;
    expect(await lookup({ namespace: 'a', model: 'm', prompt: 'x y' })).toBe('hit');
    expect(await lookup({ namespace: 'a', model: 'm', prompt: 'x y' })).toBe('hit');
    expect(await lookup({ namespace: 'a', prompt: 'x y' })).toBe('miss');
    expect(await lookup({ namespace: 'a', model: 'mx', prompt: ' y' })).toBe('miss');
    expect(await lookup({ namespace: 'am', prompt: 'x y' })).toBe('miss');
    expect(await lookup({ namespace: 'a', model: 'm', messages: [{ role: 'user', content: 'x y' }] })).toBe('hit');
  });
});
