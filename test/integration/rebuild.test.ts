import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { post, startHarness, type Harness } from './harness.js';

const TOPICS = ['chess', 'coffee', 'volcanoes', 'jazz', 'origami', 'penicillin', 'the bicycle', 'the telescope', 'sushi', 'tea', 'glass', 'silk'];
const question = (t: string) => `What is the history of ${t}?`;
const paraphrase = (t: string) => `Tell me about the history of ${t}.`;

/** Rewrites the data dir as if another model had embedded everything. */
function pretendLegacyModel(dataDir: string): void {
  const db = new Database(join(dataDir, 'dejavu.sqlite'));
  db.prepare(`UPDATE entries SET embedder = 'legacy-model@q4'`).run();
  db.prepare(`UPDATE meta SET value = 'legacy-model@q4' WHERE key = 'embedder'`).run();
  db.close();
}

describe('index rebuild and re-embedding', () => {
  let h: Harness;
  afterEach(async () => h.cleanup());

  async function seed(): Promise<string[]> {
    const ids: string[] = [];
    for (const t of TOPICS) ids.push((await post(h.app, '/v1/cache/store', { prompt: question(t), response: `about ${t}` })).body?.id as string);
    return ids;
  }
  const lookups = async () => {
    const out: unknown[] = [];
    for (const t of TOPICS) {
      const r = (await post(h.app, '/v1/cache/lookup', { prompt: paraphrase(t) })).body!;
      out.push({ status: r.status, id: r.entry?.id ?? r.candidate?.id, similarity: (r.similarity ?? r.candidate?.similarity)?.toFixed(5) });
    }
    return out;
  };

  it('deletes the index, rebuilds it from SQLite and answers identically', async () => {
    h = await startHarness();
    await seed();
    const before = await lookups();
    rmSync(join(h.dataDir, 'index'), { recursive: true, force: true });
    const { done } = h.service.jobs.start(false);
    expect(await done).toMatchObject({ phase: 'done', total: 1, error: null });
    expect(await lookups()).toEqual(before);
    h = await h.restart();
    expect(h.service.indexLoad).toMatchObject({ loadedShards: 1, rebuiltShards: 0 });
    expect(await lookups()).toEqual(before);
  });

  it('runs over the admin API and keeps serving writes made during the rebuild', async () => {
    h = await startHarness();
    await seed();
    await h.close();
    pretendLegacyModel(h.dataDir);
    h = await h.restart();
    const res = await h.app.inject({ method: 'POST', url: '/v1/admin/index/rebuild', payload: { reembed: true, batch: 1 } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ reembed: true, phase: 'reembed' });
    expect((await h.app.inject({ method: 'POST', url: '/v1/admin/index/rebuild', payload: {} })).statusCode).toBe(409);
    const late = (await post(h.app, '/v1/cache/store', { prompt: question('the harpsichord'), response: 'late' })).body?.id;
    await h.service.jobs.whenIdle();
    expect((await h.app.inject({ url: '/v1/admin/index/rebuild' })).json()).toMatchObject({ phase: 'done' });
    expect((await post(h.app, '/v1/cache/lookup', { prompt: paraphrase('the harpsichord') })).body).toMatchObject({ status: 'semantic-hit', entry: { id: late } });
    expect(h.service.index.stats().size).toBe(TOPICS.length + 1);
  });

  it('disables semantic lookups after a model change until --reembed, never mixing vectors', async () => {
    h = await startHarness();
    const ids = await seed();
    await h.close();
    pretendLegacyModel(h.dataDir);
    h = await h.restart();
    expect(h.service.semanticDisabled).toMatch(/legacy-model@q4.*npm run rebuild-index -- --reembed/);
    expect(h.service.index.stats().size).toBe(0);
    const exact = (await post(h.app, '/v1/cache/lookup', { prompt: question(TOPICS[0]!) })).body;
    expect(exact).toMatchObject({ status: 'hit', entry: { id: ids[0] } });
    const para = (await post(h.app, '/v1/cache/lookup', { prompt: paraphrase(TOPICS[0]!) })).body;
    expect(para).toMatchObject({ status: 'miss', semantic_skipped: 'semantic_disabled' });

    const result = await h.service.jobs.start(true, 5).done;
    expect(result).toMatchObject({ phase: 'done', reembed: true, error: null });
    expect(h.service.semanticDisabled).toBeNull();
    expect((await post(h.app, '/v1/cache/lookup', { prompt: paraphrase(TOPICS[0]!) })).body).toMatchObject({ status: 'semantic-hit', entry: { id: ids[0] } });
    h = await h.restart();
    expect(h.service.semanticDisabled).toBeNull();
    expect(h.service.indexLoad.rebuiltShards).toBe(0);
  });

  it('re-embeds in the background when embedder.on_model_change is "reembed"', async () => {
    h = await startHarness();
    const ids = await seed();
    await h.close();
    pretendLegacyModel(h.dataDir);
    h = await startHarness({ embedder: { models_dir: join(import.meta.dirname, '../../models'), model: 'onnx-community/all-MiniLM-L6-v2-ONNX', dtype: 'q4', threads: 1, on_model_change: 'reembed' } }, { dir: h.dataDir, cleanup: () => rmSync(h.dataDir, { recursive: true, force: true }) });
    expect(await h.service.jobs.whenIdle()).toMatchObject({ phase: 'done' });
    expect((await post(h.app, '/v1/cache/lookup', { prompt: paraphrase(TOPICS[3]!) })).body).toMatchObject({ status: 'semantic-hit', entry: { id: ids[3] } });
  });
});
