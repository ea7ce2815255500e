// REST writes racing each other through the real service: 800 stores, lookups, deletes and
// purges in bursts of 20 in flight over 8 prompts x 2 namespaces. After every burst SQLite and
// the index must hold as many entries, at the end (and after a restart) the same ones, and every
// entry left must be served to its own prompt as an exact hit.
import { expect, it } from 'vitest';
import { seededRandom } from '../../src/util/random.js';
import { startHarness, type Harness } from './harness.js';

const PROMPTS = ['How do tides work?', 'Why is the sky blue?', 'What is a mutex?', 'How do I bake bread?', 'Capital of Mongolia?', 'Explain TCP handshakes', 'Best way to learn piano', 'What is inflation?'];
const NAMESPACES = ['a', 'b'];

type Op = { method: 'POST' | 'DELETE'; url: string; payload?: object; ok: number[] };

function randomOp(rnd: () => number, ids: readonly string[]): Op | null {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const body = { prompt: pick(PROMPTS), namespace: pick(NAMESPACES) };
  const r = rnd();
  if (r < 0.35) return { method: 'POST', url: '/v1/cache/store', payload: { ...body, response: `answer ${rnd()}` }, ok: [201] };
  if (r < 0.75) return { method: 'POST', url: '/v1/cache/lookup', payload: body, ok: [200] };
  if (r < 0.9) return ids.length === 0 ? null : { method: 'DELETE', url: `/v1/cache/entries/${pick(ids)}`, ok: [204, 404] };
  if (r < 0.95) return { method: 'DELETE', url: `/v1/cache/namespaces/${pick(NAMESPACES)}`, ok: [200] };
  return { method: 'DELETE', url: `/v1/admin/entries?namespace=${pick(NAMESPACES)}`, ok: [200] };
}

const indexSize = async (h: Harness): Promise<number> => (await h.app.inject({ url: '/v1/cache/stats' })).json().index.size as number;

it('keeps SQLite and the index in step under concurrent stores, lookups, deletes and purges', async () => {
  let h = await startHarness({ cache: { decision: 'verifier', verifier_path: 'models/verifier/weights.json' } });
  try {
    const rnd = seededRandom(1);
    const ids: string[] = [];
    const failures: string[] = [];
    for (let burst = 0; burst < 40; burst++) {
      const ops = Array.from({ length: 20 }, () => randomOp(rnd, ids)).filter((op): op is Op => op !== null);
      await Promise.all(
        ops.map(async (op) => {
          const res = await h.app.inject({ method: op.method, url: op.url, ...(op.payload === undefined ? {} : { payload: op.payload }) });
          if (!op.ok.includes(res.statusCode)) failures.push(`${op.method} ${op.url} -> ${res.statusCode} ${res.body}`);
          if (op.url === '/v1/cache/store' && res.statusCode === 201) ids.push(res.json().id as string);
        }),
      );
      // Between bursts nothing is in flight: SQLite's count and the index's must agree.
      const stats = (await h.app.inject({ url: '/v1/cache/stats' })).json();
      expect(stats.index.size, `after burst ${burst}`).toBe(stats.entries);
    }
    expect(failures).toEqual([]);
    const left = (await h.app.inject({ url: '/v1/admin/entries?limit=1000' })).json().entries as Array<{ id: string; prompt: string; namespace: string }>;
    expect(left.length).toBeGreaterThan(0);
    expect((await h.app.inject({ url: '/v1/cache/stats' })).json().entries).toBe(left.length);
    expect(await indexSize(h)).toBe(left.length);
    for (const e of left) {
      const out = (await h.app.inject({ method: 'POST', url: '/v1/cache/lookup', payload: { prompt: e.prompt, namespace: e.namespace } })).json();
      expect(out, e.prompt).toMatchObject({ status: 'hit', entry: { id: e.id } });
    }
    h = await h.restart();
    expect(await indexSize(h)).toBe(left.length);
  } finally {
    await h.cleanup();
  }
}, 120_000);
