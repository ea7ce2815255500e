// Honest metrics: after a mixed workload over the REST API and the chat sidecar (sequential
// requests and bursts of identical concurrent ones; streamed and not; some upstream 500s), every
// counter in /metrics must equal what the clients and the fake upstream saw.
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pick, seededRandom } from '../../src/util/random.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { startHarness, type Harness } from './harness.js';

const MODEL = 'gpt-4o-mini';
const QUESTIONS = ['How do I reverse a list in Python?', "What's the way to reverse a Python list?", 'What is the capital of Australia?', 'Which city is the capital of Australia?', 'How long should I boil an egg?', 'Why is the sky blue?'];

let fake: FakeOpenAI;
let h: Harness;
let client: OpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ model: MODEL });
  h = await startHarness(
    { cache: { decision: 'verifier', verifier_path: 'models/verifier/weights.json' }, providers: [{ name: 'fake', base_url: fake.url, timeout_ms: 5000 }], upstream: { max_attempts: 1 } },
    undefined,
    { listen: true, upstream: { sleep: async () => {} } },
  );
  client = new OpenAI({ baseURL: h.baseUrl, apiKey: 'sk-client', maxRetries: 0 });
});
afterAll(async () => {
  await h.cleanup();
  await fake.close();
});

/** Sum of a counter's samples whose labels include `labels` (all samples when none given). */
function counter(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`).exec(line);
    if (m === null) continue;
    const have = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[2]);
  }
  return sum;
}

const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);

it('counts exactly what clients and the upstream saw', async () => {
  const rnd = seededRandom(4);
  const chat = new Map<string, number>(); // X-Cache-Status -> count
  const rest = new Map<string, number>(); // REST lookup status -> count
  let restStores = 0;
  let coalesced = 0;
  const askChat = async (q: string, stream: boolean): Promise<void> => {
    try {
      const res = stream
        ? await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: q }], stream: true }).withResponse()
        : await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: q }] }).withResponse();
      if (stream) for await (const _ of res.data as AsyncIterable<unknown>);
      bump(chat, String(res.response.headers.get('x-cache-status')));
      if (res.response.headers.get('x-cache-coalesced') === 'true') coalesced += 1;
    } catch (err) {
      bump(chat, String((err as { headers?: Headers }).headers?.get('x-cache-status')));
    }
  };
  for (let round = 0; round < 40; round++) {
    const r = rnd();
    if (r < 0.3) {
      const res = await h.app.inject({ method: 'POST', url: '/v1/cache/lookup', payload: { prompt: pick(QUESTIONS, rnd), model: MODEL } });
      bump(rest, res.json().status as string);
    } else if (r < 0.4) {
      expect((await h.app.inject({ method: 'POST', url: '/v1/cache/store', payload: { prompt: `REST-only question ${round}?`, response: 'r' } })).statusCode).toBe(201);
      restStores += 1;
    } else if (r < 0.8) {
      if (rnd() < 0.2) fake.enqueue({ kind: 'status', status: 500 });
      await askChat(pick(QUESTIONS, rnd), rnd() < 0.5);
    } else {
      // A burst of identical new questions: one upstream call, the rest coalesced.
      fake.gateStream(true);
      const q = `Name a prime number larger than ${round * 100}.`;
      const burst = Array.from({ length: 4 }, () => askChat(q, true));
      await fake.waitForCalls(fake.calls.length + 1);
      fake.gateStream(false);
      await Promise.all(burst);
    }
  }
  const text = (await h.app.inject({ url: '/metrics' })).body;
  for (const status of ['MISS', 'HIT', 'SEMANTIC-HIT']) expect(counter(text, 'dejavu_chat_requests_total', { status: status.toLowerCase() }), status).toBe(chat.get(status) ?? 0);
  expect(counter(text, 'dejavu_chat_requests_total')).toBe([...chat.values()].reduce((a, b) => a + b, 0));
  expect(counter(text, 'dejavu_coalesced_requests_total')).toBe(coalesced);
  expect(counter(text, 'dejavu_upstream_requests_total')).toBe(fake.chatCalls().length);
  // Every REST lookup and every chat request that looked the cache up counts once by outcome.
  for (const [status, chatStatus] of [['hit', 'HIT'], ['semantic-hit', 'SEMANTIC-HIT'], ['miss', 'MISS']] as const) {
    expect(counter(text, 'dejavu_lookups_total', { status }), status).toBe((rest.get(status) ?? 0) + (chat.get(chatStatus) ?? 0));
  }
  // Stores: the REST ones plus one per complete chat answer from upstream (followers are served, not stored).
  const upstreamOk = counter(text, 'dejavu_upstream_requests_total', { status: '200' });
  expect(counter(text, 'dejavu_stores_total')).toBe(restStores + upstreamOk);
  // The money ledger books a saving for every answer served without an upstream call: cache hits
  // and requests that waited for an identical one in flight (README, Money).
  const money = (await h.app.inject({ url: '/v1/cache/stats' })).json().money.total;
  expect(money.hits).toBe((chat.get('HIT') ?? 0) + (chat.get('SEMANTIC-HIT') ?? 0) + coalesced);
  expect(money.upstream_requests).toBe(upstreamOk);
  expect(money.tokens_saved).toBe(counter(text, 'dejavu_tokens_saved_total'));
  expect(chat.get('MISS') ?? 0).toBeGreaterThan(5);
  expect(coalesced).toBeGreaterThan(3);
}, 120_000);
