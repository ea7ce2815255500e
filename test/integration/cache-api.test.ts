import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startHarness, type Harness } from './harness.js';

const STORED = 'How do I reverse a list in Python?';
const PARAPHRASE = "What's the way to reverse a Python list?";
const UNRELATED = 'How do I bake sourdough bread?';

describe('lookup/store REST API with the real model', () => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    h = await startHarness();
    const res = await post(h.app, '/v1/cache/store', { prompt: STORED, response: 'Use reversed(xs) or xs.reverse().', metadata: { source: 'test' } });
    expect(res.status).toBe(201);
    id = res.body?.id as string;
  });
  afterAll(async () => h.cleanup());

  it('serves a paraphrase as a semantic-hit with its similarity', async () => {
    const res = await post(h.app, '/v1/cache/lookup', { prompt: PARAPHRASE });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ hit: true, status: 'semantic-hit', candidate: null });
    expect(res.body?.similarity).toBeGreaterThan(0.9);
    expect(res.body?.similarity).toBeLessThan(1);
    expect(res.body?.entry).toMatchObject({ id, prompt: STORED, response: 'Use reversed(xs) or xs.reverse().', namespace: 'default', metadata: { source: 'test' } });
    expect(typeof res.body?.took_ms).toBe('number');
  });

  it('reports an unrelated question as a miss with the rejected candidate', async () => {
    const res = await post(h.app, '/v1/cache/lookup', { prompt: UNRELATED });
    expect(res.body).toMatchObject({ hit: false, status: 'miss', similarity: null, entry: null });
    expect(res.body?.candidate).toMatchObject({ id, reason: 'below_threshold' });
    expect(res.body?.candidate.similarity).toBeLessThan(0.5);
  });

  it('answers an exact repeat from the exact tier without calling the embedder', async () => {
    const before = h.embedder.calls;
    const res = await post(h.app, '/v1/cache/lookup', { prompt: `  How do I   reverse a list in Python?\n` });
    expect(res.body).toMatchObject({ hit: true, status: 'hit', similarity: 1 });
    expect(res.body?.entry.id).toBe(id);
    expect(h.embedder.calls).toBe(before);
  });

  it('counts hits on the entry', async () => {
    const before = (await h.app.inject({ url: `/v1/cache/entries/${id}` })).json().hit_count as number;
    h.clock.advance(5);
    await post(h.app, '/v1/cache/lookup', { prompt: STORED });
    const entry = (await h.app.inject({ url: `/v1/cache/entries/${id}` })).json();
    expect(entry.hit_count).toBe(before + 1);
    expect(entry.last_hit_at).toBe(new Date(h.clock.now()).toISOString());
  });

  it('treats a bare prompt and a single user message alike, and messages with context as another partition', async () => {
    const same = await post(h.app, '/v1/cache/lookup', { messages: [{ role: 'user', content: STORED }] });
    expect(same.body?.status).toBe('hit');
    const withSystem = await post(h.app, '/v1/cache/lookup', {
      messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: STORED }],
    });
    expect(withSystem.body).toMatchObject({ status: 'miss', candidate: null });
    const otherModel = await post(h.app, '/v1/cache/lookup', { prompt: STORED, model: 'gpt-4o' });
    expect(otherModel.body).toMatchObject({ status: 'miss', candidate: null });
  });

  it('replaces the answer of the same normalised prompt and keeps the id', async () => {
    const res = await post(h.app, '/v1/cache/store', { prompt: `${STORED} `, response: { text: 'xs[::-1]' } });
    expect(res.status).toBe(201);
    expect(res.body?.id).toBe(id);
    const hit = await post(h.app, '/v1/cache/lookup', { prompt: PARAPHRASE });
    expect(hit.body?.entry).toMatchObject({ id, response: { text: 'xs[::-1]' } });
  });

  it('honours a per-request threshold and max_age_seconds', async () => {
    const strict = await post(h.app, '/v1/cache/lookup', { prompt: PARAPHRASE, threshold: 0.999 });
    expect(strict.body).toMatchObject({ status: 'miss', candidate: { id, reason: 'below_threshold' } });
    h.clock.advance(120);
    const old = await post(h.app, '/v1/cache/lookup', { prompt: STORED, max_age_seconds: 60 });
    expect(old.body).toMatchObject({ status: 'miss', candidate: { id, reason: 'too_old' } });
    const fresh = await post(h.app, '/v1/cache/lookup', { prompt: STORED, max_age_seconds: 3600 });
    expect(fresh.body?.status).toBe('hit');
  });

  it('expires entries after their TTL (injected clock)', async () => {
    const stored = await post(h.app, '/v1/cache/store', { prompt: 'What is the capital of France?', response: 'Paris', ttl_seconds: 60 });
    const entry = (await h.app.inject({ url: `/v1/cache/entries/${stored.body?.id}` })).json();
    expect(entry.expires_at).toBe(new Date(h.clock.now() + 60_000).toISOString());
    h.clock.advance(59);
    expect((await post(h.app, '/v1/cache/lookup', { prompt: 'What is the capital of France?' })).body?.status).toBe('hit');
    h.clock.advance(1);
    const expired = await post(h.app, '/v1/cache/lookup', { prompt: 'What is the capital of France?' });
    expect(expired.body).toMatchObject({ status: 'miss', candidate: { id: stored.body?.id, reason: 'expired' } });
    const para = await post(h.app, '/v1/cache/lookup', { prompt: "What's France's capital city?" });
    expect(para.body).toMatchObject({ status: 'miss', candidate: { id: stored.body?.id, reason: 'expired' } });
  });

  it('gets, deletes and purges entries', async () => {
    const a = await post(h.app, '/v1/cache/store', { prompt: 'temp question one', response: 'a', namespace: 'scratch' });
    await post(h.app, '/v1/cache/store', { prompt: 'temp question two', response: 'b', namespace: 'scratch' });
    expect((await h.app.inject({ url: `/v1/cache/entries/${a.body?.id}` })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/cache/entries/${a.body?.id}` })).statusCode).toBe(204);
    expect((await h.app.inject({ url: `/v1/cache/entries/${a.body?.id}` })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/cache/entries/${a.body?.id}` })).statusCode).toBe(404);
    expect((await post(h.app, '/v1/cache/lookup', { prompt: 'temp question one', namespace: 'scratch' })).body?.entry?.id).not.toBe(a.body?.id);
    const purge = await h.app.inject({ method: 'DELETE', url: '/v1/cache/namespaces/scratch' });
    expect(purge.json()).toEqual({ deleted: 1 });
    expect((await post(h.app, '/v1/cache/lookup', { prompt: 'temp question two', namespace: 'scratch' })).body).toMatchObject({ status: 'miss', candidate: null });
  });

  it('purges a namespace of the longest allowed name, however it percent-encodes', async () => {
    // 256 UTF-16 units; '€' takes 9 characters in the URL (%E2%82%AC), so the path segment is 2,304 long.
    for (const ns of ['n'.repeat(256), '€'.repeat(256), '😀'.repeat(128)]) {
      expect((await post(h.app, '/v1/cache/store', { prompt: 'long namespace question', response: 'a', namespace: ns })).status).toBe(201);
      const purge = await h.app.inject({ method: 'DELETE', url: `/v1/cache/namespaces/${encodeURIComponent(ns)}` });
      expect(purge.statusCode, ns.slice(0, 4)).toBe(200);
      expect(purge.json()).toEqual({ deleted: 1 });
    }
    const tooLong = await h.app.inject({ method: 'DELETE', url: `/v1/cache/namespaces/${'n'.repeat(257)}` });
    expect(tooLong.statusCode).toBe(400);
  });

  it('never matches prompts longer than the model window semantically (their tail would be cut off)', async () => {
    const doc = 'The quarterly report lists revenue, costs and headcount for every region. '.repeat(60);
    const indexed = h.service.index.stats().size;
    const stored = await post(h.app, '/v1/cache/store', { prompt: `${doc}\nQuestion: what was the revenue?`, response: 'revenue answer' });
    expect(stored.status).toBe(201);
    expect(h.service.index.stats().size).toBe(indexed); // stored, but not embedded
    const same = await post(h.app, '/v1/cache/lookup', { prompt: `${doc}\nQuestion: what was the revenue?` });
    expect(same.body).toMatchObject({ status: 'hit', entry: { id: stored.body?.id } });
    const before = h.embedder.calls;
    const other = await post(h.app, '/v1/cache/lookup', { prompt: `${doc}\nQuestion: what was the headcount?` });
    expect(other.body).toMatchObject({ status: 'miss', candidate: null, semantic_skipped: 'prompt_exceeds_model_window' });
    expect(h.embedder.calls).toBe(before);
  });

  it('reports stats', async () => {
    const res = await h.app.inject({ url: '/v1/cache/stats' });
    const s = res.json();
    expect(s.entries).toBeGreaterThanOrEqual(2);
    expect(s.lookups.hit).toBeGreaterThan(0);
    expect(s.lookups['semantic-hit']).toBeGreaterThan(0);
    expect(s.lookups.miss).toBeGreaterThan(0);
    expect(s.hit_rate).toBeGreaterThan(0);
    expect(s.hit_rate).toBeLessThan(1);
    expect(s.index.size).toBe(s.entries - 1); // the over-long prompt is stored but not indexed
    expect(s.index.capacity).toBeGreaterThanOrEqual(s.index.size);
    expect(s.model).toEqual({ id: 'onnx-community/all-MiniLM-L6-v2-ONNX@q4', dims: 384 });
    const metrics = await h.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/dejavu_lookups_total\{status="semantic-hit"\} \d+/);
  });

  it('answers health and readiness', async () => {
    expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const ready = await h.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().ready).toBe(true);
  });
});
