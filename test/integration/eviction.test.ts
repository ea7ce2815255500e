import { afterEach, describe, expect, it } from 'vitest';
import { post, startHarness, type Harness } from './harness.js';

const TOPICS = [
  'chess', 'coffee', 'the violin', 'volcanoes', 'the printing press', 'penicillin', 'the bicycle', 'jazz', 'origami', 'the telescope',
  'sushi', 'the Olympic Games', 'paper money', 'the compass', 'vaccines', 'the steam engine', 'ballet', 'chocolate', 'the internet', 'glass',
  'the piano', 'cheese', 'the wheel', 'tea', 'photography', 'the railway', 'silk', 'surfing', 'the calendar', 'beer',
  'the camera obscura', 'yoga', 'the guitar', 'porcelain', 'the lighthouse', 'tennis', 'the microscope', 'pasta', 'the alphabet', 'skiing',
];
const question = (t: string) => `What is the history of ${t}?`;
const paraphrase = (t: string) => `Tell me about the history of ${t}.`;

describe('eviction', () => {
  let h: Harness;
  afterEach(async () => h.cleanup());

  const store = async (t: string, extra: Record<string, unknown> = {}) =>
    (await post(h.app, '/v1/cache/store', { prompt: question(t), response: `about ${t}`, ...extra })).body?.id as string;
  const lookup = async (prompt: string) => (await post(h.app, '/v1/cache/lookup', { prompt })).body!;

  it('sweeps expired entries out of SQLite and the index (injected clock)', async () => {
    h = await startHarness();
    for (const t of TOPICS.slice(0, 3)) await store(t, { ttl_seconds: 60 });
    const keeper = await store(TOPICS[3]!);
    h.clock.advance(59);
    expect(h.service.sweep().expired).toBe(0);
    h.clock.advance(1);
    expect(h.service.sweep()).toMatchObject({ expired: 3, evicted: 0 });
    expect(h.service.store.count()).toBe(1);
    expect(h.service.index.stats().size).toBe(1);
    expect(await lookup(question(TOPICS[0]!))).toMatchObject({ status: 'miss', candidate: { id: keeper, reason: 'below_threshold' } });
    expect(await lookup(paraphrase(TOPICS[3]!))).toMatchObject({ status: 'semantic-hit', entry: { id: keeper } });
  });

  it('caps max_entries by evicting the least recently used', async () => {
    h = await startHarness({ cache: { max_entries: 5 } });
    const ids: string[] = [];
    for (const t of TOPICS.slice(0, 8)) {
      ids.push(await store(t));
      h.clock.advance(1);
    }
    await lookup(question(TOPICS[0]!)); // hits make the two oldest the most recently used
    h.clock.advance(1);
    await lookup(paraphrase(TOPICS[1]!));
    expect(h.service.sweep()).toMatchObject({ expired: 0, evicted: 3 });
    expect(h.service.store.count()).toBe(5);
    const alive = (id: string) => h.app.inject({ url: `/v1/cache/entries/${id}` }).then((r) => r.statusCode === 200);
    expect(await Promise.all(ids.map(alive))).toEqual([true, true, false, false, false, true, true, true]);
  });

  it('compacts a shard full of deleted slots and keeps every live entry findable', async () => {
    h = await startHarness();
    const ids: string[] = [];
    for (const t of TOPICS) ids.push(await store(t));
    for (const id of ids.slice(0, 30)) await h.app.inject({ method: 'DELETE', url: `/v1/cache/entries/${id}` });
    expect(h.service.index.stats()).toMatchObject({ size: 10, deleted: 30 });
    expect(h.service.sweep()).toMatchObject({ compactedShards: 1 });
    const after = h.service.index.stats();
    expect(after).toMatchObject({ size: 10, deleted: 0, shards: 1 });
    expect(after.capacity).toBeLessThan(40);
    for (const [i, t] of TOPICS.slice(30).entries()) {
      expect(await lookup(question(t))).toMatchObject({ status: 'hit', entry: { id: ids[30 + i] } });
      expect(await lookup(paraphrase(t))).toMatchObject({ status: 'semantic-hit', entry: { id: ids[30 + i] } });
    }
    // The compacted shard survives a restart without a rebuild.
    h = await h.restart();
    expect(h.service.indexLoad).toMatchObject({ loadedShards: 1, rebuiltShards: 0 });
  });

  it('drops a shard whose last entry is gone', async () => {
    h = await startHarness();
    const id = await store(TOPICS[0]!);
    await h.app.inject({ method: 'DELETE', url: `/v1/cache/entries/${id}` });
    expect(h.service.sweep()).toMatchObject({ droppedShards: 1 });
    expect(h.service.index.stats().shards).toBe(0);
  });
});
