import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestKey } from '../../src/core/request-key.js';
import { post, startHarness, type Harness } from './harness.js';

const TARGET = 'How do I reverse a list in Python?';
const QUERY = "What's the way to reverse a Python list?";

/** 1,000 vectors closer to the query than the target's own entry live in other namespaces;
 * the lookup must still find the best match inside its own namespace and never leak theirs. */
describe('namespace isolation', () => {
  let h: Harness;
  let targetId: string;

  beforeAll(async () => {
    h = await startHarness();
    targetId = (await post(h.app, '/v1/cache/store', { prompt: TARGET, response: 'target answer', namespace: 'tenant-a' })).body?.id as string;
    const variants = ['', ' please', ' quickly', ' in Python 3', ' (beginner)'];
    const store = (namespace: string, prompt: string) =>
      h.service.cache.store(requestKey({ namespace, prompt }), { response: `answer of ${namespace}`, ttlSeconds: 0, metadata: null });
    // 500 namespaces each holding the query itself (similarity 1)...
    for (let i = 0; i < 500; i++) await store(`tenant-${i}-other`, QUERY);
    // ...and 500 near-copies of the query crowded into one namespace.
    for (let i = 0; i < 500; i++) await store('crowd', `${QUERY}${variants[i % variants.length]} #${i}`);
  });
  afterAll(async () => h.cleanup());

  it('finds the target inside its namespace despite 1,000 closer vectors elsewhere', async () => {
    const res = await post(h.app, '/v1/cache/lookup', { prompt: QUERY, namespace: 'tenant-a' });
    expect(res.body).toMatchObject({ status: 'semantic-hit', entry: { id: targetId, namespace: 'tenant-a', response: 'target answer' } });
    expect(res.body?.similarity).toBeLessThan(0.99);
  });

  it('never serves another namespace, even for an exact copy', async () => {
    const empty = await post(h.app, '/v1/cache/lookup', { prompt: QUERY, namespace: 'tenant-b' });
    expect(empty.body).toMatchObject({ status: 'miss', entry: null, candidate: null });
    const own = await post(h.app, '/v1/cache/lookup', { prompt: QUERY, namespace: 'tenant-7-other' });
    expect(own.body).toMatchObject({ status: 'hit', entry: { namespace: 'tenant-7-other' } });
  });

  it('keeps partitions (model) apart inside a namespace', async () => {
    await post(h.app, '/v1/cache/store', { prompt: TARGET, response: 'from model x', namespace: 'tenant-a', model: 'model-x' });
    const res = await post(h.app, '/v1/cache/lookup', { prompt: QUERY, namespace: 'tenant-a', model: 'model-x' });
    expect(res.body).toMatchObject({ status: 'semantic-hit', entry: { response: 'from model x', model: 'model-x' } });
    const noModel = await post(h.app, '/v1/cache/lookup', { prompt: QUERY, namespace: 'tenant-a' });
    expect(noModel.body?.entry).toMatchObject({ id: targetId });
  });

  it('deleting a namespace leaves the others intact', async () => {
    const res = await h.app.inject({ method: 'DELETE', url: '/v1/cache/namespaces/crowd' });
    expect(res.json()).toEqual({ deleted: 500 });
    expect((await post(h.app, '/v1/cache/lookup', { prompt: QUERY, namespace: 'tenant-a' })).body?.entry?.id).toBe(targetId);
    expect((await post(h.app, '/v1/cache/lookup', { prompt: `${QUERY} please #1`, namespace: 'crowd' })).body).toMatchObject({ status: 'miss', candidate: null });
  });
});
