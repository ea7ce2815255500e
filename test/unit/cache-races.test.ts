// What may happen while a lookup or a store awaits its embedding: another request stores the
// same prompt, or an index rebuild swaps a new index in. Each race is staged inside the
// embed call, so the tests are deterministic.
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
let index: ShardedHnswIndex;
const newIndex = (): ShardedHnswIndex => new ShardedHnswIndex({ dims: DIMS, m: 8, efConstruction: 50, ef: 20 });
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
  index = newIndex();
  cache = new SemanticCache({ store, index, embedder, clock: new FakeClock(), candidates: 4 });
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

// A lookup whose exact tier ran before a concurrent store of the same prompt committed can still
// find that entry through the index. It is the same normalised prompt, so the outcome is an
// exact 'hit', never a 'semantic-hit' at similarity 1.
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

// A rebuild builds its index from SQLite and swaps it in; a store that was embedding meanwhile
// commits after the swap, so its vector must go into the new index, not the one swapped out.
it('a store that embedded while an index rebuild swapped in a new index lands in the new one', async () => {
  const key = requestKey({ namespace: 'ns', prompt: 'How do tides work?' });
  const rebuilt = newIndex();
  duringEmbed = async () => cache.swapIndex(rebuilt);
  const entry = await cache.store(key, { response: 'the moon', ttlSeconds: 0, metadata: null });
  expect(rebuilt.stats().size).toBe(1);
  expect(index.stats().size).toBe(0);
  expect(await cache.explain(key, { threshold: 0.9 })).toMatchObject([{ entry: { id: entry.id }, similarity: expect.closeTo(1, 5) }]);
});

it('a lookup that embedded while a new index was swapped in searches the new one', async () => {
  const key = requestKey({ namespace: 'ns', prompt: 'What is a mutex?' });
  const entry = await cache.store(key, { response: 'a lock', ttlSeconds: 0, metadata: null });
  const rebuilt = newIndex();
  const v = await embedder.embed(key.text);
  rebuilt.add(key, entry.label, v, entry.seq);
  duringEmbed = async () => cache.swapIndex(rebuilt);
  index.remove(key, entry.label); // the swapped-out index no longer has it
  expect(await cache.explain(key, { threshold: 0.9 })).toMatchObject([{ entry: { id: entry.id } }]);
});
