// Leakage property through the REST API with the real model and the verifier: entries are
// stored under random (namespace, model, system prompt, earlier turn) partitions, each answer
// naming its own partition; then random lookups (the same questions, paraphrases and near
// misses under random partitions) must only ever be served an answer of their own partition.
import { expect, it } from 'vitest';
import { pick, seededRandom } from '../../src/util/random.js';
import { startHarness } from './harness.js';

const QUESTIONS = [
  ['How do I reverse a list in Python?', "What's the way to reverse a Python list?"],
  ['What is the capital of Australia?', 'Which city is the capital of Australia?'],
  ['How long should I boil an egg?', 'For how many minutes do I boil an egg?'],
  ['Convert 5 miles to kilometres', 'How many kilometres are 5 miles?'],
] as const;
const NAMESPACES = ['tenant-a', 'tenant-b'];
const MODELS = [undefined, 'gpt-4o', 'gpt-4o-mini'];
const SYSTEMS = [undefined, 'You are a pirate.', 'Answer in French.'];
const EARLIER = [undefined, 'Hi, I have a question.'];

interface Partition { namespace: string; model?: string; system?: string; earlier?: string }

function body(p: Partition, question: string): Record<string, unknown> {
  const messages = [
    ...(p.system === undefined ? [] : [{ role: 'system', content: p.system }]),
    ...(p.earlier === undefined ? [] : [{ role: 'user', content: p.earlier }, { role: 'assistant', content: 'Sure.' }]),
    { role: 'user', content: question },
  ];
  return { namespace: p.namespace, messages, ...(p.model === undefined ? {} : { model: p.model }) };
}
const label = (p: Partition): string => JSON.stringify([p.namespace, p.model ?? null, p.system ?? null, p.earlier ?? null]);

it('serves no answer across namespace, model, system prompt or conversation', async () => {
  const h = await startHarness({ cache: { decision: 'verifier', verifier_path: 'models/verifier/weights.json' } });
  try {
    const rnd = seededRandom(3);
    const partition = (): Partition => ({ namespace: pick(NAMESPACES, rnd), model: pick(MODELS, rnd), system: pick(SYSTEMS, rnd), earlier: pick(EARLIER, rnd) });
    for (let i = 0; i < 40; i++) {
      const p = partition();
      const q = pick(QUESTIONS, rnd)[0];
      const res = await h.app.inject({ method: 'POST', url: '/v1/cache/store', payload: { ...body(p, q), response: `${label(p)} ${q}` } });
      expect(res.statusCode).toBe(201);
    }
    const served = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const p = partition();
      const q = pick(pick(QUESTIONS, rnd), rnd);
      const out = (await h.app.inject({ method: 'POST', url: '/v1/cache/lookup', payload: body(p, q) })).json();
      served.set(out.status as string, (served.get(out.status as string) ?? 0) + 1);
      if (out.status === 'miss') continue;
      expect(String(out.entry.response).startsWith(`${label(p)} `), `${label(p)} ${q} got ${String(out.entry.response)}`).toBe(true);
    }
    // Both tiers were exercised, and so were misses.
    expect(served.get('hit') ?? 0).toBeGreaterThan(20);
    expect(served.get('semantic-hit') ?? 0).toBeGreaterThan(5);
    expect(served.get('miss') ?? 0).toBeGreaterThan(20);
  } finally {
    await h.cleanup();
  }
}, 120_000);
