// REST writes racing each other, the sweeper and index rebuilds through the real service: 800
// operations in bursts of 20 in flight over 8 prompts x 2 namespaces (stores, some with a TTL;
// lookups; deletes; purges; sweeps that expire, evict down to max_entries and compact shards;
// rebuilds from SQLite or by re-embedding; clock steps). After every burst SQLite and the index
// must hold as many entries and the cap must hold; at the end (and after a restart) every entry
// left is an exact hit for its own prompt.
import { expect, it } from 'vitest';
import { pick, seededRandom } from '../../src/util/random.js';
import { startHarness, type Harness } from './harness.js';

const PROMPTS = ['How do tides work?', 'Why is the sky blue?', 'What is a mutex?', 'How do I bake bread?', 'Capital of Mongolia?', 'Explain TCP handshakes', 'Best way to learn piano', 'What is inflation?'];
const NAMESPACES = ['a', 'b'];
const MAX_ENTRIES = 6;

type Op = { kind: 'http'; method: 'POST' | 'DELETE'; url: string; payload?: object; ok: number[] } | { kind: 'sweep' } | { kind: 'tick'; ms: number };

// A rebuild may already be running (409): one job at a time.
const REBUILD_OK = [202, 409];

function randomOp(rnd: () => number, ids: readonly string[]): Op | null {
  const body = { prompt: pick(PROMPTS, rnd), namespace: pick(NAMESPACES, rnd) };
  const r = rnd();
  if (r < 0.3) return { kind: 'http', method: 'POST', url: '/v1/cache/store', payload: { ...body, response: `answer ${rnd()}`, ...(rnd() < 0.5 ? { ttl_seconds: 1 + Math.floor(rnd() * 3) } : {}) }, ok: [201] };
  if (r < 0.65) return { kind: 'http', method: 'POST', url: '/v1/cache/lookup', payload: body, ok: [200] };
  if (r < 0.75) return ids.length === 0 ? null : { kind: 'http', method: 'DELETE', url: `/v1/cache/entries/${pick(ids, rnd)}`, ok: [204, 404] };
  if (r < 0.8) return { kind: 'http', method: 'DELETE', url: `/v1/cache/namespaces/${pick(NAMESPACES, rnd)}`, ok: [200] };
  if (r < 0.83) return { kind: 'http', method: 'DELETE', url: `/v1/admin/entries?namespace=${pick(NAMESPACES, rnd)}`, ok: [200] };
  if (r < 0.93) return { kind: 'sweep' };
  if (r < 0.95) return { kind: 'http', method: 'POST', url: '/v1/admin/index/rebuild', payload: { reembed: rnd() < 0.5, batch: 2 }, ok: REBUILD_OK };
  return { kind: 'tick', ms: 1000 * (1 + Math.floor(rnd() * 2)) };
}

const stats = async (h: Harness): Promise<{ entries: number; index: { size: number } }> => (await h.app.inject({ url: '/v1/cache/stats' })).json();

it('keeps SQLite and the index in step under concurrent writes, purges, sweeps and rebuilds', async () => {
  let h = await startHarness({ cache: { decision: 'verifier', verifier_path: 'models/verifier/weights.json', max_entries: MAX_ENTRIES, sweep_interval_seconds: 0 }, index: { compact_deleted_fraction: 0.1 } });
  try {
    const rnd = seededRandom(1);
    const ids: string[] = [];
    const failures: string[] = [];
    for (let burst = 0; burst < 40; burst++) {
      const ops = Array.from({ length: 20 }, () => randomOp(rnd, ids)).filter((op): op is Op => op !== null);
      await Promise.all(
        ops.map(async (op, i) => {
          // Stagger the start so sweeps and clock steps land between other requests' awaits.
          for (let k = i % 3; k > 0; k--) await new Promise((r) => setImmediate(r));
          if (op.kind === 'sweep') return void h.service.sweep();
          if (op.kind === 'tick') return h.clock.advance(op.ms);
          const res = await h.app.inject({ method: op.method, url: op.url, ...(op.payload === undefined ? {} : { payload: op.payload }) });
          if (!op.ok.includes(res.statusCode)) failures.push(`${op.method} ${op.url} -> ${res.statusCode} ${res.body}`);
          if (op.url === '/v1/cache/store' && res.statusCode === 201) ids.push(res.json().id as string);
        }),
      );
      // Between bursts nothing is in flight (a rebuild job finishes first): after a sweep,
      // SQLite's count and the index's agree and the cap holds.
      await h.service.jobs.whenIdle();
      h.service.sweep();
      const s = await stats(h);
      expect(s.index.size, `after burst ${burst}`).toBe(s.entries);
      expect(s.entries).toBeLessThanOrEqual(MAX_ENTRIES);
    }
    expect(failures).toEqual([]);
    const left = (await h.app.inject({ url: '/v1/admin/entries?limit=1000' })).json().entries as Array<{ id: string; prompt: string; namespace: string }>;
    expect(left.length).toBeGreaterThan(0);
    expect((await stats(h)).entries).toBe(left.length);
    for (const e of left) {
      const out = (await h.app.inject({ method: 'POST', url: '/v1/cache/lookup', payload: { prompt: e.prompt, namespace: e.namespace } })).json();
      expect(out, e.prompt).toMatchObject({ status: 'hit', entry: { id: e.id } });
    }
    h = await h.restart();
    expect((await stats(h)).index.size).toBe(left.length);
  } finally {
    await h.cleanup();
  }
}, 120_000);
