// Seeded, structure-aware fuzzing of the HTTP API against the real service (real model, real
// SQLite, a loopback fake upstream). bad-input.test.ts pins named cases; this sweeps their
// combinations: valid requests with one or more fields bent (edge numbers, odd Unicode, huge
// strings, unusual message shapes, cache headers), plus arbitrary JSON values. The contract: no
// 5xx, every 4xx is a JSON {"error":{"code","message"}}, and acknowledged entries stay readable.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../../src/util/random.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { startHarness, type Harness } from './harness.js';

const WEIGHTS = 'models/verifier/weights.json';
// Per decision mode (~3 s with the real model). FUZZ_REQUESTS / FUZZ_SEED widen a local run; CI uses
// the fixed defaults, so a failure there reproduces.
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 1200);
const SEED_OFFSET = Number(process.env.FUZZ_SEED ?? 0);

type Rnd = () => number;

const PROMPTS = [
  'How do I reverse a list in Python?', "What's the way to reverse a Python list?", 'convert USD to EUR', 'convert EUR to USD',
  'a', '   spaced   out   ', '😀 emoji only 😀', 'ｆｕｌｌｗｉｄｔｈ text', 'RTL \u202e text', 'nul \u0000 inside', 'tab\tand\nnewline',
  'x'.repeat(32_768), 'x'.repeat(32_769), '"quoted" <html> & stuff', 'Ünïcödé façade naïve', '\ud800 lone surrogate', '', ' ', '__proto__',
];
const NAMESPACES = ['default', 'ns1', 'tenant/a', 'ü', 'x'.repeat(256), 'x'.repeat(257), '..', '%00', ' ', ''];
const NUMBERS = [0, 1, 0.5, 1e-300, 0.999999, 2 ** 31, 2 ** 53, 1e308, -1, -0, 0.01, 0.001, 0.0005, 1.5];
const HEADERS = ['x-cache-namespace', 'x-cache-threshold', 'x-cache-max-false-hit-rate', 'x-cache-ttl', 'cache-control', 'x-cache-bypass', 'x-cache-max-age'];
const HEADER_VALUES = ['0', '1', '0.5', '0.01', 'no-cache', 'no-store', 'max-age=0', 'abc', '', '1e9', '-5', 'true', 'ns1', 'ü'];
const KEYS = ['prompt', 'messages', 'namespace', 'response', 'threshold', 'max_false_hit_rate', 'max_age_seconds', 'ttl_seconds', 'metadata', 'model', 'stream', 'n', 'temperature', '__proto__', 'constructor'];

function anyValue(rnd: Rnd, depth = 0): unknown {
  const r = rnd();
  if (depth > 2 || r < 0.5) return pick([pick(PROMPTS, rnd), pick(NUMBERS, rnd), null, true, false], rnd);
  if (r < 0.75) return Array.from({ length: Math.floor(rnd() * 4) }, () => anyValue(rnd, depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [pick(KEYS, rnd), anyValue(rnd, depth + 1)]));
}

function message(rnd: Rnd): unknown {
  const text = pick(PROMPTS, rnd);
  return pick([
    { role: 'user', content: text },
    { role: 'system', content: text },
    { role: 'developer', content: text },
    { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    { role: 'tool', content: 'r', tool_call_id: 't' },
    { role: 'user', content: [{ type: 'text', text }, { type: pick(['image_url', 'text', 'input_audio'], rnd), image_url: { url: 'data:,' }, text }] },
    { role: 'user', content: [] },
    { role: '', content: text },
  ], rnd);
}

const maybe = (rnd: Rnd, p: number, o: Record<string, unknown>): Record<string, unknown> => (rnd() < p ? o : {});

function cacheBody(rnd: Rnd, store: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    prompt: pick(PROMPTS, rnd),
    namespace: pick(NAMESPACES, rnd),
    ...maybe(rnd, 0.2, { model: pick(['m', 'gpt-4o', '', 'x'.repeat(257)], rnd) }),
    ...(store
      ? { response: pick(['answer', '', { choices: [{ message: { content: 'x' } }] }, { a: [1, { b: null }] }, 'z'.repeat(200_000), 7], rnd), ...maybe(rnd, 0.3, { ttl_seconds: pick(NUMBERS, rnd) }), ...maybe(rnd, 0.3, { metadata: { k: pick(PROMPTS, rnd), n: pick(NUMBERS, rnd) } }) }
      : { ...maybe(rnd, 0.3, { threshold: pick(NUMBERS, rnd) }), ...maybe(rnd, 0.3, { max_false_hit_rate: pick(NUMBERS, rnd) }), ...maybe(rnd, 0.2, { max_age_seconds: pick(NUMBERS, rnd) }) }),
  };
  if (rnd() < 0.3) {
    delete body.prompt;
    body.messages = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => message(rnd));
  }
  return body;
}

function chatBody(rnd: Rnd): Record<string, unknown> {
  return {
    model: pick(['m', 'm', 'gpt-4o', ''], rnd),
    messages: Array.from({ length: Math.floor(rnd() * 5) }, () => message(rnd)),
    ...maybe(rnd, 0.4, { stream: pick([true, false], rnd) }),
    ...maybe(rnd, 0.2, { stream_options: { include_usage: pick([true, false], rnd) } }),
    ...maybe(rnd, 0.3, { temperature: pick([0, 0.7, 2, 5, -1], rnd) }),
    ...maybe(rnd, 0.2, { n: pick([1, 2, 0], rnd) }),
    ...maybe(rnd, 0.2, { tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }),
    ...maybe(rnd, 0.1, { response_format: { type: pick(['json_object', 'text', 'json_schema'], rnd) } }),
  };
}

/** One request: mostly valid-shaped bodies with bent fields, sometimes extra keys or any JSON at all. */
function request(rnd: Rnd): { method: 'GET' | 'POST' | 'DELETE'; url: string; body?: unknown; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  for (let k = Math.floor(rnd() * 3); k > 0; k--) headers[pick(HEADERS, rnd)] = pick(HEADER_VALUES, rnd);
  const r = rnd();
  if (r < 0.9) {
    const [url, body] = r < 0.3 ? ['/v1/cache/lookup', cacheBody(rnd, false)] : r < 0.55 ? ['/v1/cache/store', cacheBody(rnd, true)] : ['/v1/chat/completions', chatBody(rnd)];
    if (rnd() < 0.1) body[pick(KEYS, rnd)] = anyValue(rnd);
    return { method: 'POST', url, body: rnd() < 0.05 ? anyValue(rnd) : body, headers };
  }
  if (r < 0.95) return { method: 'DELETE', url: `/v1/cache/namespaces/${encodeURIComponent(pick(NAMESPACES.slice(1), rnd))}`, headers };
  return { method: 'GET', url: `/v1/admin/entries?namespace=${encodeURIComponent(pick(NAMESPACES, rnd))}&limit=${pick(['1', '1000', '0', 'x', '-1'], rnd)}`, headers };
}

/** Sends REQUESTS seeded requests; returns every contract breach and the ids acknowledged by a 201
 * (minus those of namespaces deleted later, and of entries last stored with a TTL). */
async function run(app: FastifyInstance, seed: number): Promise<{ breaches: string[]; kept: Map<string, string>; statuses: Map<number, number> }> {
  const rnd = seededRandom(seed);
  const breaches: string[] = [];
  const kept = new Map<string, string>(); // id -> namespace
  const statuses = new Map<number, number>(); // status -> count
  for (let i = 0; i < REQUESTS; i++) {
    const req = request(rnd);
    const res = await app.inject({
      method: req.method,
      url: req.url,
      headers: { ...req.headers, ...(req.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(req.body === undefined ? {} : { payload: JSON.stringify(req.body) ?? 'null' }),
    });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    let ok = res.statusCode < 500;
    if (res.statusCode >= 400) {
      try {
        const err = (JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } }).error;
        ok &&= typeof err?.code === 'string' && typeof err.message === 'string';
      } catch {
        ok = false;
      }
    }
    if (!ok) breaches.push(`#${i} ${res.statusCode} ${req.method} ${req.url} ${JSON.stringify(req.headers)} ${JSON.stringify(req.body)?.slice(0, 300)} -> ${res.body.slice(0, 200)}`);
    const body = req.body as Record<string, unknown> | undefined;
    if (req.url === '/v1/cache/store' && res.statusCode === 201) {
      // A store of the same key keeps the entry's id; one with a TTL may have expired it since.
      const { id } = JSON.parse(res.body) as { id: string };
      if (body?.ttl_seconds === undefined) kept.set(id, (body?.namespace as string | undefined) ?? 'default');
      else kept.delete(id);
    }
    if (req.method === 'DELETE' && res.statusCode === 200) {
      const ns = decodeURIComponent(req.url.slice('/v1/cache/namespaces/'.length));
      for (const [id, n] of kept) if (n === ns) kept.delete(id);
    }
  }
  return { breaches, kept, statuses };
}

describe.each([
  ['cosine', {}, 11],
  ['verifier', { cache: { decision: 'verifier', verifier_path: WEIGHTS } }, 12],
] as const)('fuzzed API requests (%s decisions)', (_name, overrides, seed) => {
  let fake: FakeOpenAI;
  let h: Harness;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ model: 'm' });
    h = await startHarness({ ...overrides, providers: [{ name: 'fake', base_url: fake.url, timeout_ms: 5000 }] }, undefined, { upstream: { sleep: async () => {} } });
  });
  afterAll(async () => {
    await h.cleanup();
    await fake.close();
  });

  it('never answers 5xx, answers every 4xx as a JSON error, and keeps what it acknowledged', async () => {
    const { breaches, kept, statuses } = await run(h.app, seed + SEED_OFFSET);
    expect(breaches).toEqual([]);
    // The sweep reached past validation: stores, lookups and chat answers all succeeded sometimes.
    expect(statuses.get(200), '200s').toBeGreaterThan(30);
    expect(statuses.get(201), '201s').toBeGreaterThan(30);
    expect(statuses.get(400), '400s').toBeGreaterThan(30);
    expect(kept.size).toBeGreaterThan(0);
    for (const id of kept.keys()) {
      const res = await h.app.inject({ method: 'GET', url: `/v1/cache/entries/${id}` });
      expect(res.statusCode, id).toBe(200);
    }
  }, 120_000);
});
