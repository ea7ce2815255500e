// Chat sidecar under churn, over real sockets: 180 requests in bursts of 30 over 12 prompts,
// streaming and not, while clients hang up at random points and the fake upstream drops streams
// mid-answer, drops connections or answers 500. Whatever the interleaving, the cache may only
// ever hold complete answers, and the service must stay up and ready.
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pick, seededRandom } from '../../src/util/random.js';
import { startFakeOpenAI, type Behavior, type FakeOpenAI } from '../support/fake-openai.js';
import { startHarness, type Harness } from './harness.js';

const MODEL = 'm';
const PROMPTS = [
  'How do tides work?', 'Write a haiku about autumn leaves', 'What is a mutex in concurrent programming?', 'Give me a recipe for banana bread',
  'Explain the Monty Hall problem', 'How do I center a div with CSS grid?', 'What causes the northern lights?', 'Translate good morning into Japanese',
  'Why is the sky blue?', 'List three uses of baking soda', 'What is the capital of Mongolia?', 'How does compound interest work?',
];
const NO_RETRY = { max_attempts: 1, backoff_base_ms: 1, backoff_max_ms: 5, max_retry_after_ms: 1000, breaker_failures: 100_000, breaker_cooldown_ms: 1000, max_queue_wait_ms: 1000 };

let fake: FakeOpenAI;
let h: Harness;
beforeAll(async () => {
  fake = await startFakeOpenAI({ model: MODEL });
  h = await startHarness(
    { cache: { decision: 'verifier', verifier_path: 'models/verifier/weights.json' }, providers: [{ name: 'f', base_url: fake.url, timeout_ms: 5000 }], upstream: NO_RETRY },
    undefined,
    { listen: true, upstream: { sleep: async () => {} } },
  );
});
afterAll(async () => {
  await h.cleanup();
  await fake.close();
});

/** One request; the client hangs up after `hangUpAfter` response chunks when given. */
function ask(prompt: string, stream: boolean, hangUpAfter: number | null): Promise<string> {
  return new Promise((resolve) => {
    const req = http.request(`${h.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => resolve('client error'));
    req.on('response', (res) => {
      let chunks = 0;
      res.on('data', () => {
        chunks += 1;
        if (hangUpAfter !== null && chunks >= hangUpAfter) {
          req.destroy();
          resolve('hung up');
        }
      });
      res.on('end', () => resolve(`${res.statusCode} ${String(res.headers['x-cache-status'])}`));
      res.on('error', () => resolve('broken'));
    });
    req.end(JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: prompt }], stream }));
  });
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

it('stores only complete answers and stays ready whatever breaks', async () => {
  const rnd = seededRandom(5);
  const outcomes = new Map<string, number>();
  for (let burst = 0; burst < 6; burst++) {
    for (let i = 0; i < 15; i++) {
      if (rnd() >= 0.4) continue;
      const r = rnd();
      const b: Behavior = r < 0.5 ? { kind: 'drop-mid-stream', afterChunks: Math.floor(rnd() * 6) } : r < 0.75 ? { kind: 'drop-connection' } : { kind: 'status', status: 500 };
      fake.enqueue(b);
    }
    const requests = Array.from({ length: 30 }, () => ask(pick(PROMPTS, rnd), rnd() < 0.7, rnd() < 0.4 ? 1 + Math.floor(rnd() * 8) : null));
    for (const o of await Promise.all(requests)) outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
  }
  // The churn happened: answers from upstream and from the cache, and clients that hung up.
  expect(outcomes.get('200 MISS') ?? 0).toBeGreaterThan(0);
  expect(outcomes.get('200 HIT') ?? 0).toBeGreaterThan(0);
  expect(outcomes.get('hung up') ?? 0).toBeGreaterThan(0);
  const entries = (await h.app.inject({ url: '/v1/admin/entries?limit=1000' })).json().entries as Array<{ prompt: string; response: { choices?: Array<{ message?: { content?: string } }> } }>;
  expect(entries.length).toBeGreaterThan(0);
  for (const e of entries) {
    // The fake answers "Answer #<n> to: <prompt>", one word per chunk: a cut answer is a prefix.
    expect(e.response.choices?.[0]?.message?.content, e.prompt).toMatch(new RegExp(`^Answer #\\d+ to: ${escape(e.prompt)}$`));
  }
  expect((await h.app.inject({ url: '/readyz' })).statusCode).toBe(200);
}, 60_000);
