import { existsSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/core/ports.js';
import { post, startHarness, type Harness } from './harness.js';

const PAIRS: Array<[stored: string, paraphrase: string]> = [
  ['How do I reverse a list in Python?', "What's the way to reverse a Python list?"],
  ['What is the capital of Australia?', "Which city is Australia's capital?"],
];

async function seed(h: Harness): Promise<string[]> {
  const ids: string[] = [];
  for (const [prompt] of PAIRS) ids.push((await post(h.app, '/v1/cache/store', { prompt, response: `answer: ${prompt}`, namespace: 'ns1' })).body?.id as string);
  await post(h.app, '/v1/cache/store', { prompt: 'Unrelated entry elsewhere', response: 'x', namespace: 'ns2' });
  return ids;
}

async function expectAllFound(h: Harness, ids: string[]): Promise<void> {
  for (const [i, [stored, para]] of PAIRS.entries()) {
    expect((await post(h.app, '/v1/cache/lookup', { prompt: stored, namespace: 'ns1' })).body).toMatchObject({ status: 'hit', entry: { id: ids[i] } });
    expect((await post(h.app, '/v1/cache/lookup', { prompt: para, namespace: 'ns1' })).body).toMatchObject({ status: 'semantic-hit', entry: { id: ids[i] } });
  }
}

const shardFiles = (dir: string) => readdirSync(join(dir, 'index')).filter((f) => f.endsWith('.hnsw'));

describe('index recovery at startup', () => {
  let h: Harness;
  let ids: string[];
  beforeEach(async () => {
    h = await startHarness();
    ids = await seed(h);
  });
  afterEach(async () => h.cleanup());

  it('loads the saved index after a clean shutdown (no rebuild)', async () => {
    h = await h.restart();
    expect(h.service.indexLoad).toMatchObject({ loadedShards: 2, rebuiltShards: 0 });
    await expectAllFound(h, ids);
  });

  it('rebuilds from SQLite when the index directory is deleted', async () => {
    await h.close();
    rmSync(join(h.dataDir, 'index'), { recursive: true, force: true });
    h = await h.restart();
    expect(h.service.indexLoad).toMatchObject({ loadedShards: 0, rebuiltShards: 2, rebuiltVectors: 3 });
    await expectAllFound(h, ids);
    expect(existsSync(join(h.dataDir, 'index', 'manifest.json'))).toBe(true); // saved again right away
  });

  it('rebuilds shards whose files are truncated', async () => {
    await h.close();
    for (const f of shardFiles(h.dataDir)) {
      const p = join(h.dataDir, 'index', f);
      truncateSync(p, Math.floor(statSync(p).size / 2));
    }
    h = await h.restart();
    expect(h.service.indexLoad.rebuiltShards).toBe(2);
    expect(h.service.indexLoad.reasons.join(' ')).toMatch(/truncated/);
    await expectAllFound(h, ids);
  });

  it('rebuilds when the manifest is garbage or a shard file is corrupted in place', async () => {
    await h.close();
    writeFileSync(join(h.dataDir, 'index', 'manifest.json'), '{"format":1,"shar');
    h = await h.restart();
    expect(h.service.indexLoad.rebuiltShards).toBe(2);
    await expectAllFound(h, ids);
    await h.close();
    const [first] = shardFiles(h.dataDir);
    const p = join(h.dataDir, 'index', first as string);
    writeFileSync(p, Buffer.alloc(statSync(p).size, 7));
    h = await h.restart();
    expect(h.service.indexLoad).toMatchObject({ loadedShards: 1, rebuiltShards: 1 });
    await expectAllFound(h, ids);
  });

  it('rebuilds a shard that changed after the last save (crash before shutdown)', async () => {
    h.service.saveIndex();
    const extra = (await post(h.app, '/v1/cache/store', { prompt: 'How many legs does a spider have?', response: 'eight', namespace: 'ns1' })).body?.id;
    h = await h.restart({ crash: true });
    expect(h.service.indexLoad).toMatchObject({ loadedShards: 1, rebuiltShards: 1 });
    expect((await post(h.app, '/v1/cache/lookup', { prompt: 'How many legs do spiders have?', namespace: 'ns1' })).body).toMatchObject({ status: 'semantic-hit', entry: { id: extra } });
    await expectAllFound(h, ids);
  });

  // Startup opens the index saved for the configured model while the embedder loads; the embedder
  // then has the last word (service.ts, earlyIndex).
  it('drops the index opened for the configured model when the embedder reports another one', async () => {
    await h.close();
    const renamed = (real: Embedder): Embedder => Object.create(real, { modelId: { value: 'other-model@q4' } }) as Embedder;
    const other = await startHarness({}, { dir: h.dataDir, cleanup: () => undefined }, { embedder: renamed });
    try {
      // Nothing in the saved index or in SQLite belongs to that model: no shard is installed.
      expect(other.service.indexLoad).toMatchObject({ loadedShards: 0, rebuiltShards: 0 });
      expect(other.service.semanticDisabled).toMatch(/other-model@q4/);
      expect((await post(other.app, '/v1/cache/lookup', { prompt: PAIRS[0]?.[0], namespace: 'ns1' })).body).toMatchObject({ status: 'hit', entry: { id: ids[0] } });
      expect((await post(other.app, '/v1/cache/lookup', { prompt: PAIRS[0]?.[1], namespace: 'ns1' })).body).toMatchObject({ status: 'miss' });
    } finally {
      await other.close();
    }
    h = await h.restart();
    await expectAllFound(h, ids);
  });
});
