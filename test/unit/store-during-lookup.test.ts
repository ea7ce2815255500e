// A lookup whose exact tier ran before a concurrent store of the same prompt committed can still
// find that entry through the index (the store lands while the lookup embeds). It is the same
// normalised prompt, so the outcome is an exact 'hit', never a 'semantic-hit' at similarity 1.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Embedder } from '../../src/core/ports.js';
import { requestKey, sha256Hex } from '../../src/core/request-key.js';
import { SemanticCache } from '../../src/core/semantic-cache.js';
import { ShardedHnswIndex } from '../../src/index/hnsw-index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FakeClock, tempDir } from '../helpers.js';
import { unitVec } from './fixtures.js';

const DIMS = 16;
let tmp: ReturnType<typeof tempDir>;
let store: SqliteStore;
let cache: SemanticCache;
/** Runs once, inside the next embed call: a store racing the lookup. */
let duringEmbed: (() => Promise<unknown>) | null = null;

const embedder: Embedder = {
  modelId: 'synthetic/test-embedder:fp32',
  dims: DIMS,
  fits: () => true,
  embed: async (text) => {
    const race = duringEmbed;
    duringEmbed = null;
    if (race !== null) await race();
    return unitVec(Number.parseInt(sha256Hex(text).slice(0, 8), 16), DIMS);
  },
};

beforeEach(() => {
  tmp = tempDir('dejavu-race-');
  store = new SqliteStore(join(tmp.dir, 'db.sqlite'));
  const index = new ShardedHnswIndex({ dims: DIMS, m: 8, efConstruction: 50, ef: 20 });
  cache = new SemanticCache({ store, index, embedder, clock: new FakeClock(), candidates: 4 });
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

it('an entry stored while the lookup embedded is served as an exact hit', async () => {
  const key = requestKey({ namespace: 'ns', prompt: 'Why is the sky blue?' });
  let storedId = '';
  duringEmbed = async () => {
    storedId = (await cache.store(key, { response: 'Rayleigh scattering', ttlSeconds: 0, metadata: null })).id;
  };
  const out = await cache.lookup(key, { threshold: 0.9 });
  expect(storedId).not.toBe('');
  expect(out).toMatchObject({ status: 'hit', similarity: 1, entry: { id: storedId } });
  expect(cache.stats().hitRate).toBe(1);
});
