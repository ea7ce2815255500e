// Leakage property through the chat sidecar (real model, verifier, loopback fake upstream): each
// upstream answer names the request's model, system prompt and answer-shaping parameters; random
// requests (questions, paraphrases and near misses; streamed or not) under random models, system
// prompts, temperatures, tools and response formats must only ever be served an answer made
// for their own combination, whether it came from upstream or from the cache.
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pick, seededRandom } from '../../src/util/random.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { startHarness, type Harness } from './harness.js';

const QUESTIONS = [
  ['How do I reverse a list in Python?', "What's the way to reverse a Python list?"],
  ['What is the capital of Australia?', 'Which city is the capital of Australia?'],
  ['How long should I boil an egg?', 'How long do I boil an egg for?'],
] as const;
const MODELS = ['gpt-4o', 'gpt-4o-mini'];
const SYSTEMS = [undefined, 'You are a pirate.', 'Answer in French.'];
const TEMPERATURES = [undefined, 0, 0.7];
const TOOLS = [undefined, [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }]];
const FORMATS = [undefined, { type: 'json_object' as const }];

/** What an answer must have been made for: everything but the question. */
function shape(body: { model?: unknown; messages?: Array<{ role?: unknown; content?: unknown }>; temperature?: unknown; tools?: unknown; response_format?: unknown }): string {
  const system = body.messages?.find((m) => m.role === 'system')?.content ?? null;
  return JSON.stringify([body.model, system, body.temperature ?? null, body.tools === undefined ? null : 'tools', body.response_format ?? null]);
}

let fake: FakeOpenAI;
let h: Harness;
let client: OpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ contentOf: (body, n) => `${shape(body)} #${n}` });
  h = await startHarness(
    { cache: { decision: 'verifier', verifier_path: 'models/verifier/weights.json' }, providers: [{ name: 'fake', base_url: fake.url, timeout_ms: 5000 }] },
    undefined,
    { listen: true },
  );
  client = new OpenAI({ baseURL: h.baseUrl, apiKey: 'sk-client', maxRetries: 0 });
});
afterAll(async () => {
  await h.cleanup();
  await fake.close();
});

it('serves no answer across model, system prompt, temperature, tools or response format', async () => {
  const rnd = seededRandom(9);
  const statuses = new Map<string, number>();
  for (let i = 0; i < 200; i++) {
    const system = pick(SYSTEMS, rnd);
    const temperature = pick(TEMPERATURES, rnd);
    const tools = pick(TOOLS, rnd);
    const format = pick(FORMATS, rnd);
    const body = {
      model: pick(MODELS, rnd),
      messages: [...(system === undefined ? [] : [{ role: 'system' as const, content: system }]), { role: 'user' as const, content: pick(pick(QUESTIONS, rnd), rnd) }],
      ...(temperature === undefined ? {} : { temperature }),
      ...(tools === undefined ? {} : { tools }),
      ...(format === undefined ? {} : { response_format: format }),
    };
    let content = '';
    let status: string | null;
    if (rnd() < 0.5) {
      const res = await client.chat.completions.create({ ...body, stream: false }).withResponse();
      content = res.data.choices[0]?.message.content ?? '';
      status = res.response.headers.get('x-cache-status');
    } else {
      const res = await client.chat.completions.create({ ...body, stream: true }).withResponse();
      for await (const chunk of res.data) content += chunk.choices[0]?.delta.content ?? '';
      status = res.response.headers.get('x-cache-status');
    }
    statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
    expect(content.startsWith(`${shape(body)} #`), `${shape(body)} ${body.messages.at(-1)?.content} got ${content}`).toBe(true);
  }
  // Both tiers served, and misses reached upstream.
  expect(statuses.get('HIT') ?? 0).toBeGreaterThan(10);
  expect(statuses.get('SEMANTIC-HIT') ?? 0).toBeGreaterThan(3);
  expect(statuses.get('MISS') ?? 0).toBeGreaterThan(10);
}, 120_000);
