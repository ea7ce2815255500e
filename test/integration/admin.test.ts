import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { requestKey } from '../../src/core/request-key.js';
import type { SemanticCache } from '../../src/core/semantic-cache.js';
import { Ready } from '../../src/ready.js';
import { testConfig } from '../helpers.js';
import { post, startHarness, type Harness } from './harness.js';

type Json = Record<string, any>;

async function store(h: Harness, body: Json): Promise<string> {
  const res = await post(h.app, '/v1/cache/store', { response: 'an answer', ...body });
  expect(res.status).toBe(201);
  return res.body?.id as string;
}

async function list(h: Harness, query: string): Promise<{ status: number; body: Json }> {
  const res = await h.app.inject({ method: 'GET', url: `/v1/admin/entries${query}` });
  return { status: res.statusCode, body: res.json() as Json };
}

async function purge(h: Harness, query: string): Promise<{ status: number; body: Json }> {
  const res = await h.app.inject({ method: 'DELETE', url: `/v1/admin/entries${query}` });
  return { status: res.statusCode, body: res.json() as Json };
}

/** Lookup status and the id of the entry served (null on a miss). */
async function lookup(h: Harness, body: Json): Promise<{ status: string; id: string | null }> {
  const res = await post(h.app, '/v1/cache/lookup', body);
  expect(res.status).toBe(200);
  return { status: res.body?.status as string, id: (res.body?.entry?.id as string | undefined) ?? null };
}

async function indexSize(h: Harness): Promise<number> {
  const res = await h.app.inject({ url: '/v1/cache/stats' });
  return res.json().index.size as number;
}

/** Follows next_cursor until it is null; returns the pages. */
async function allPages(h: Harness, query: string): Promise<Json[][]> {
  const pages: Json[][] = [];
  let cursor: string | null = null;
  do {
    const res = await list(h, `${query}${cursor === null ? '' : `&cursor=${cursor}`}`);
    expect(res.status).toBe(200);
    pages.push(res.body.entries as Json[]);
    cursor = res.body.next_cursor as string | null;
    expect(pages.length).toBeLessThan(50);
  } while (cursor !== null);
  return pages;
}

describe('GET /v1/admin/entries', () => {
  let h: Harness;
  const pagesIds: string[] = [];
  const otherIds: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    // 25 entries in "pages", 7 in "other", interleaved; the clock moves so creation order is visible.
    for (let i = 0; i < 25; i++) {
      pagesIds.push(await store(h, { namespace: 'pages', prompt: `What is ${i} squared?`, response: `${i * i}` }));
      if (i % 4 === 0) otherIds.push(await store(h, { namespace: 'other', prompt: `What is ${i} cubed?`, response: `${i ** 3}` }));
      h.clock.advance(1);
    }
  });
  afterAll(async () => h.cleanup());

  it('pages one namespace with limit 10: 3 pages, every entry once in insertion order, null cursor at the end', async () => {
    const pages = await allPages(h, '?namespace=pages&limit=10');
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    const entries = pages.flat();
    expect(entries.map((e) => e.id)).toEqual(pagesIds);
    expect(entries.every((e) => e.namespace === 'pages')).toBe(true);
    const first = entries[0] as Json;
    expect(first).toMatchObject({ prompt: 'What is 0 squared?', response: '0', namespace: 'pages', model: null, hit_count: 0, last_hit_at: null, metadata: null, expires_at: null });
    expect(first.created_at).toBe(new Date(Date.UTC(2026, 0, 1)).toISOString());
    expect(Object.keys(first).sort()).toEqual(['created_at', 'expires_at', 'hit_count', 'id', 'last_hit_at', 'metadata', 'model', 'namespace', 'prompt', 'response']);
  });

  it('shows a hit in hit_count at once, though hit counts are written in batches', async () => {
    expect((await lookup(h, { namespace: 'other', prompt: 'What is 0 cubed?' })).status).toBe('hit');
    const entry = ((await list(h, '?namespace=other&limit=1')).body.entries as Json[])[0] as Json;
    expect(entry).toMatchObject({ prompt: 'What is 0 cubed?', hit_count: 1 });
    expect(entry.last_hit_at).not.toBeNull();
  });

  it('lists every namespace without a filter, with the default limit of 100', async () => {
    const res = await list(h, '');
    expect(res.status).toBe(200);
    expect(res.body.next_cursor).toBeNull();
    const ids = (res.body.entries as Json[]).map((e) => e.id);
    expect(ids).toHaveLength(32);
    expect(new Set(ids)).toEqual(new Set([...pagesIds, ...otherIds]));
    // Pagination over everything yields the same sequence.
    const paged = (await allPages(h, '?limit=10')).flat().map((e) => e.id);
    expect(paged).toEqual(ids);
  });

  it('says next_cursor null on a final full page', async () => {
    const res = await list(h, '?namespace=other&limit=7');
    expect(res.body.entries.map((e: Json) => e.id)).toEqual(otherIds);
    expect(res.body.next_cursor).toBeNull();
    const short = await list(h, '?namespace=other&limit=6');
    expect(short.body.entries).toHaveLength(6);
    const rest = await list(h, `?namespace=other&limit=6&cursor=${short.body.next_cursor}`);
    expect(rest.body.entries.map((e: Json) => e.id)).toEqual(otherIds.slice(6));
    expect(rest.body.next_cursor).toBeNull();
  });

  it('keeps a cursor valid after the entries around it are deleted', async () => {
    const first = await list(h, '?namespace=pages&limit=3');
    // Delete the last entry of that page (the cursor's own position) and the next one.
    const [, , third] = first.body.entries as Json[];
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/cache/entries/${third?.id}` })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/cache/entries/${pagesIds[3]}` })).statusCode).toBe(204);
    const next = await list(h, `?namespace=pages&limit=3&cursor=${first.body.next_cursor}`);
    expect(next.body.entries.map((e: Json) => e.id)).toEqual(pagesIds.slice(4, 7));
  });

  it('answers 400 JSON for a bad limit, cursor or unknown parameter', async () => {
    const bad = [
      '?limit=0',
      '?limit=1001',
      '?limit=abc',
      '?limit=-1',
      '?limit=1.5',
      '?limit=',
      '?limit=10&limit=20',
      '?cursor=',
      '?cursor=!!!',
      '?cursor=YWJj', // base64url of "abc"
      '?cursor=MA', // "0"
      '?cursor=LTE', // "-1"
      '?cursor=MDE', // "01": not canonical
      '?namespace=',
      '?nmespace=pages',
    ];
    for (const q of bad) {
      const res = await list(h, q);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code, q).toBe('invalid_request');
    }
    expect((await list(h, '?cursor=!!!')).body.error.message).toMatch(/cursor/);
    expect((await list(h, '?limit=1001')).body.error.message).toMatch(/limit/);
    expect((await list(h, '?limit=1000')).status).toBe(200);
  });

  it('answers an empty last page for a cursor past the end', async () => {
    const res = await list(h, `?cursor=${Buffer.from('999999').toString('base64url')}`);
    expect(res).toEqual({ status: 200, body: { entries: [], next_cursor: null } });
  });
});

describe('DELETE /v1/admin/entries', () => {
  let h: Harness;
  const ids: Record<string, string> = {};

  const PY = 'How do I reverse a list in Python?';
  const PY_PARAPHRASE = "What's the way to reverse a Python list?";
  const DICT = 'How can I sort a dictionary by its values in Python?';
  const DICT_PARAPHRASE = "What's the way to sort a dictionary by value in Python?";
  const BREAD = 'How do I bake sourdough bread at home?';
  const BREAD_PARAPHRASE = 'How can I bake my own sourdough bread at home?';
  const PARIS = 'What is the capital of France?';

  beforeEach(async () => {
    h = await startHarness();
    // t0: tagged python entries (default + other namespace), an entry whose tags is a string.
    ids.py = await store(h, { prompt: PY, metadata: { tags: ['a', 'b'] } });
    ids.pyOther = await store(h, { namespace: 'other', prompt: PY, metadata: { tags: ['a'] } });
    ids.scalar = await store(h, { prompt: 'Which planet is the largest?', metadata: { tags: 'a' } });
    h.clock.advance(100);
    // t0 + 100 s
    ids.dict = await store(h, { prompt: DICT, metadata: { tags: ['b', 'c'] } });
    ids.bread = await store(h, { prompt: BREAD, metadata: { tags: ['c', 1] } });
    ids.breadOther = await store(h, { namespace: 'other', prompt: BREAD, metadata: { source: 'x' } });
    h.clock.advance(100);
    // t0 + 200 s
    ids.paris = await store(h, { prompt: PARIS });
    ids.parisOther = await store(h, { namespace: 'other', prompt: PARIS, metadata: { tags: ['a', 'z'] } });
    h.clock.advance(10);
    // now = t0 + 210 s
  });
  afterEach(async () => h.cleanup());

  async function remaining(): Promise<string[]> {
    const res = await list(h, '?limit=1000');
    const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
    return (res.body.entries as Json[]).map((e) => byId.get(e.id) as string).sort();
  }

  it('purges by tag: tagged entries are gone from exact and semantic lookups, the others still hit', async () => {
    // Before: both tiers find the python entry.
    expect(await lookup(h, { prompt: PY })).toEqual({ status: 'hit', id: ids.py });
    expect(await lookup(h, { prompt: PY_PARAPHRASE })).toEqual({ status: 'semantic-hit', id: ids.py });
    expect(await indexSize(h)).toBe(8);

    const res = await purge(h, '?tag=a');
    expect(res).toEqual({ status: 200, body: { deleted: 3 } }); // py, pyOther, parisOther; not the string tags
    expect(await remaining()).toEqual(['bread', 'breadOther', 'dict', 'paris', 'scalar']);
    expect(await indexSize(h)).toBe(5);

    expect((await lookup(h, { prompt: PY })).status).toBe('miss');
    expect((await lookup(h, { prompt: PY_PARAPHRASE })).status).toBe('miss');
    expect((await lookup(h, { namespace: 'other', prompt: PY })).status).toBe('miss');
    expect((await lookup(h, { namespace: 'other', prompt: PARIS })).status).toBe('miss');
    expect((await h.app.inject({ url: `/v1/cache/entries/${ids.py}` })).statusCode).toBe(404);

    expect(await lookup(h, { prompt: DICT })).toEqual({ status: 'hit', id: ids.dict });
    expect(await lookup(h, { prompt: DICT_PARAPHRASE })).toEqual({ status: 'semantic-hit', id: ids.dict });
    expect(await lookup(h, { prompt: BREAD_PARAPHRASE })).toEqual({ status: 'semantic-hit', id: ids.bread });
    expect(await lookup(h, { prompt: PARIS })).toEqual({ status: 'hit', id: ids.paris });

    // Only string elements of a tags array match: the number 1 is not the tag "1".
    expect((await purge(h, '?tag=1')).body).toEqual({ deleted: 0 });
    expect((await purge(h, '?tag=c')).body).toEqual({ deleted: 2 });
    expect(await remaining()).toEqual(['breadOther', 'paris', 'scalar']);
    expect((await lookup(h, { prompt: DICT_PARAPHRASE })).status).toBe('miss');
  });

  it('purges by age with the injected clock (created strictly before now - older_than)', async () => {
    expect((await purge(h, '?older_than=150')).body).toEqual({ deleted: 3 }); // created at t0
    expect(await remaining()).toEqual(['bread', 'breadOther', 'dict', 'paris', 'parisOther']);
    // now - 110 s = t0 + 100 s exactly: entries created then are not older, so nothing goes.
    expect((await purge(h, '?older_than=110')).body).toEqual({ deleted: 0 });
    h.clock.advance(1);
    expect((await purge(h, '?older_than=110')).body).toEqual({ deleted: 3 });
    expect(await remaining()).toEqual(['paris', 'parisOther']);
    expect((await lookup(h, { prompt: BREAD_PARAPHRASE })).status).toBe('miss');
    expect(await lookup(h, { prompt: PARIS })).toEqual({ status: 'hit', id: ids.paris });
    expect(await indexSize(h)).toBe(2);
    expect((await purge(h, '?older_than=0')).body).toEqual({ deleted: 2 });
    expect(await indexSize(h)).toBe(0);
  });

  it('purges a namespace', async () => {
    expect((await purge(h, '?namespace=other')).body).toEqual({ deleted: 3 });
    expect(await remaining()).toEqual(['bread', 'dict', 'paris', 'py', 'scalar']);
    expect(await indexSize(h)).toBe(5);
    expect((await lookup(h, { namespace: 'other', prompt: BREAD_PARAPHRASE })).status).toBe('miss');
    expect(await lookup(h, { prompt: BREAD_PARAPHRASE })).toEqual({ status: 'semantic-hit', id: ids.bread });
    expect((await purge(h, '?namespace=nobody')).body).toEqual({ deleted: 0 });
  });

  it('combines filters with AND', async () => {
    expect((await purge(h, '?namespace=other&tag=a&older_than=100')).body).toEqual({ deleted: 1 }); // pyOther only
    expect(await remaining()).toEqual(['bread', 'breadOther', 'dict', 'paris', 'parisOther', 'py', 'scalar']);
    expect((await purge(h, '?tag=b&older_than=150')).body).toEqual({ deleted: 1 }); // py, not dict (newer)
    expect((await purge(h, '?namespace=default&tag=c')).body).toEqual({ deleted: 2 }); // dict, bread
    expect(await remaining()).toEqual(['breadOther', 'paris', 'parisOther', 'scalar']);
    expect(await indexSize(h)).toBe(4);
    // all=true does not override given filters.
    expect((await purge(h, '?all=true&namespace=other')).body).toEqual({ deleted: 2 });
    expect(await remaining()).toEqual(['paris', 'scalar']);
  });

  it('refuses a purge without any filter unless all=true, which empties the cache', async () => {
    for (const q of ['', '?all=false']) {
      const res = await purge(h, q);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe('missing_filter');
    }
    expect(await remaining()).toHaveLength(8);
    const all = await purge(h, '?all=true');
    expect(all).toEqual({ status: 200, body: { deleted: 8 } });
    expect(await remaining()).toEqual([]);
    const stats = (await h.app.inject({ url: '/v1/cache/stats' })).json();
    expect(stats.entries).toBe(0);
    expect(stats.index.size).toBe(0);
    expect((await lookup(h, { prompt: PY_PARAPHRASE })).status).toBe('miss');
    // The cache works normally afterwards.
    const id = await store(h, { prompt: PY });
    expect(await lookup(h, { prompt: PY_PARAPHRASE })).toEqual({ status: 'semantic-hit', id });
  });

  it('answers 400 JSON for bad filters and unknown parameters, deleting nothing', async () => {
    for (const q of ['?older_than=-5', '?older_than=abc', '?older_than=1.5', '?tag=', '?namespace=', '?all=yes', '?tags=a', '?namespace=other&tags=a', '?tag=a&tag=b']) {
      const res = await purge(h, q);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code, q).toBe('invalid_request');
    }
    expect(await remaining()).toHaveLength(8);
  });
});

describe('DELETE /v1/admin/entries in batches', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.cleanup());

  it('deletes more entries than one batch holds, rows and vectors alike', async () => {
    const cache = h.service.cache;
    for (let i = 0; i < 1201; i++) {
      const key = requestKey({ namespace: i % 2 === 0 ? 'bulk' : 'keep', prompt: `bulk question ${i}` });
      await cache.store(key, { response: `answer ${i}`, ttlSeconds: 0, metadata: { tags: ['bulk'] } });
    }
    expect(await indexSize(h)).toBe(1201);
    expect((await purge(h, '?namespace=bulk&tag=bulk')).body).toEqual({ deleted: 601 });
    expect(await indexSize(h)).toBe(600);
    expect((await list(h, '?namespace=bulk')).body).toEqual({ entries: [], next_cursor: null });
    const keep = (await allPages(h, '?namespace=keep&limit=1000')).flat();
    expect(keep).toHaveLength(600);
    expect(new Set(keep.map((e) => e.id)).size).toBe(600);
    expect((await purge(h, '?all=true')).body).toEqual({ deleted: 600 });
    expect(await indexSize(h)).toBe(0);
  });
});

describe('other /v1/admin paths', () => {
  it('are 404 and never proxied upstream, even with providers configured', async () => {
    const h = await startHarness({ providers: [{ name: 'p', base_url: 'http://127.0.0.1:9/v1' }] });
    try {
      for (const [method, url] of [['GET', '/v1/admin/nope'], ['POST', '/v1/admin/entries'], ['GET', '/v1/admin/entries/x']] as const) {
        const res = await h.app.inject({ method, url });
        expect(res.statusCode, url).toBe(404);
        expect(res.json().error.code).toBe('not_found');
      }
      expect((await h.app.inject({ url: '/v1/admin/entries' })).statusCode).toBe(200);
    } finally {
      await h.cleanup();
    }
  });
});

describe('admin routes before the cache is ready', () => {
  it('answer 503 not_ready', async () => {
    const app = buildApp({ config: testConfig('/nonexistent'), cache: new Ready<SemanticCache>() });
    for (const [method, url] of [['GET', '/v1/admin/entries'], ['DELETE', '/v1/admin/entries?all=true']] as const) {
      const res = await app.inject({ method, url });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('not_ready');
    }
    await app.close();
  });
});
