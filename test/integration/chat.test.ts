import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { startHarness, type Harness } from './harness.js';

const MODEL = 'gpt-4o-mini';
const Q1 = 'How do I reverse a list in Python?';
const Q1_PARA = "What's the way to reverse a Python list?";

describe('/v1/chat/completions through the openai SDK', () => {
  let fake: FakeOpenAI;
  let h: Harness;
  let client: OpenAI;
  const sleeps: number[] = [];

  beforeAll(async () => {
    fake = await startFakeOpenAI({ model: MODEL });
    h = await startHarness(
      { providers: [{ name: 'fake', base_url: fake.url, timeout_ms: 5000 }], upstream: { max_attempts: 3, backoff_base_ms: 10, backoff_max_ms: 100, max_retry_after_ms: 5000, breaker_failures: 100, breaker_cooldown_ms: 1000, max_queue_wait_ms: 1000 } },
      undefined,
      { listen: true, upstream: { sleep: async (ms: number) => void sleeps.push(ms) } },
    );
    client = new OpenAI({ baseURL: h.baseUrl, apiKey: 'sk-client', maxRetries: 0 });
  });
  afterAll(async () => {
    await h.cleanup();
    await fake.close();
  });
  beforeEach(() => {
    sleeps.length = 0;
  });

  const ask = (content: string, extra: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> = {}, headers: Record<string, string> = {}) =>
    client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content }], ...extra }, { headers }).withResponse();

  it('answers a miss from upstream, then an exact repeat (HIT) and a paraphrase (SEMANTIC-HIT) with no upstream call', async () => {
    const before = fake.chatCalls().length;
    const miss = await ask(Q1);
    expect(miss.response.headers.get('x-cache-status')).toBe('MISS');
    expect(miss.data.choices[0]?.message.content).toMatch(/^Answer #\d+ to: How do I reverse/);
    expect(fake.chatCalls()).toHaveLength(before + 1);
    expect(fake.chatCalls().at(-1)?.headers.authorization).toBe('Bearer sk-client'); // no key in config: forwarded

    h.clock.advance(30);
    const exact = await ask(Q1);
    expect(exact.response.headers.get('x-cache-status')).toBe('HIT');
    expect(exact.response.headers.get('age')).toBe('30');
    expect(exact.data.choices[0]?.message.content).toBe(miss.data.choices[0]?.message.content);
    expect(exact.data.id).not.toBe(miss.data.id);

    const para = await ask(Q1_PARA);
    expect(para.response.headers.get('x-cache-status')).toBe('SEMANTIC-HIT');
    expect(Number(para.response.headers.get('x-cache-similarity'))).toBeGreaterThan(0.9);
    expect(para.response.headers.get('x-cache-entry')).toBe(exact.response.headers.get('x-cache-entry'));
    expect(para.data.choices[0]?.message.content).toBe(miss.data.choices[0]?.message.content);
    expect(para.data.usage?.total_tokens).toBe(miss.data.usage?.total_tokens);
    expect(fake.chatCalls()).toHaveLength(before + 1);
  });

  it('misses on a different system prompt, model or history', async () => {
    const before = fake.chatCalls().length;
    const sys = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: 'Reply in French.' }, { role: 'user', content: Q1 }] }).withResponse();
    expect(sys.response.headers.get('x-cache-status')).toBe('MISS');
    const model = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: Q1 }] }).withResponse();
    expect(model.response.headers.get('x-cache-status')).toBe('MISS');
    const history = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'I use Python 2.' }, { role: 'assistant', content: 'Noted.' }, { role: 'user', content: Q1 }] })
      .withResponse();
    expect(history.response.headers.get('x-cache-status')).toBe('MISS');
    const params = await ask(Q1, { max_tokens: 5 });
    expect(params.response.headers.get('x-cache-status')).toBe('MISS');
    expect(fake.chatCalls()).toHaveLength(before + 4);
  });

  it('bypasses the cache above the temperature limit and for n > 1', async () => {
    const q = 'Write a haiku about caching.';
    const hot = await ask(q, { temperature: 1.5 });
    expect(hot.response.headers.get('x-cache-status')).toBe('BYPASS');
    const several = await ask(q, { n: 2 });
    expect(several.response.headers.get('x-cache-status')).toBe('BYPASS');
    expect((await ask(q)).response.headers.get('x-cache-status')).toBe('MISS'); // nothing was stored
  });

  it('streams a miss chunk by chunk, then replays the hit as SSE the SDK parses to the same text', async () => {
    const q = 'Explain what a semantic cache does in one sentence.';
    fake.gateStream(true);
    const { data: stream, response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: q }], stream: true }).withResponse();
    expect(response.headers.get('x-cache-status')).toBe('MISS');
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).value?.choices[0]?.delta.role).toBe('assistant');
    const written = fake.chunksWritten;
    let text = '';
    for (let i = 0; i < 3; i++) {
      fake.release(1);
      const chunk = await it.next();
      text += chunk.value?.choices[0]?.delta.content ?? '';
      expect(fake.chunksWritten).toBe(written + i + 1); // the client has chunk i before upstream wrote i+1
    }
    fake.gateStream(false);
    fake.release(1000);
    for (let r = await it.next(); r.done !== true; r = await it.next()) {
      expect(r.value.choices).not.toHaveLength(0); // the usage chunk dejavu asked for stays hidden
      text += r.value.choices[0]?.delta.content ?? '';
    }
    expect(text).toMatch(/^Answer #\d+ to: Explain what a semantic cache/);
    expect(fake.chatCalls().at(-1)?.body.stream_options).toEqual({ include_usage: true });

    const calls = fake.chatCalls().length;
    const { data: hit, response: hitRes } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: q }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    expect(hitRes.headers.get('x-cache-status')).toBe('HIT');
    let replayed = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of hit) {
      replayed += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(replayed).toBe(text);
    expect(finish).toBe('stop');
    expect(usage?.total_tokens).toBeGreaterThan(0);
    const plain = await ask(q);
    expect(plain.response.headers.get('x-cache-status')).toBe('HIT');
    expect(plain.data.choices[0]?.message.content).toBe(text);
    expect(fake.chatCalls()).toHaveLength(calls);
  });

  it('retries a 429 after its Retry-After and returns one success', async () => {
    fake.enqueue({ kind: 'status', status: 429, retryAfter: '2' });
    const before = fake.chatCalls().length;
    const res = await ask('What is the boiling point of water at sea level?');
    expect(res.response.status).toBe(200);
    expect(fake.chatCalls()).toHaveLength(before + 2);
    expect(sleeps).toEqual([2000]);
  });

  it('never caches a 500 or a stream broken before [DONE]', async () => {
    fake.enqueue({ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    const q = 'Which planet has the most moons?';
    await expect(ask(q)).rejects.toMatchObject({ status: 500 });
    expect((await ask(q)).response.headers.get('x-cache-status')).toBe('MISS');

    const s = 'Name three sorting algorithms.';
    fake.enqueue({ kind: 'drop-mid-stream', afterChunks: 2 });
    const broken = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: s }], stream: true });
    await expect(async () => {
      for await (const _chunk of broken) void _chunk;
    }).rejects.toThrow();
    expect((await ask(s)).response.headers.get('x-cache-status')).toBe('MISS');
  });

  it('Cache-Control no-cache refreshes (REFRESH) and no-store does not store', async () => {
    const q = 'What is the tallest mountain on Earth?';
    const first = await ask(q);
    const refreshed = await ask(q, {}, { 'cache-control': 'no-cache' });
    expect(refreshed.response.headers.get('x-cache-status')).toBe('REFRESH');
    expect(refreshed.data.choices[0]?.message.content).not.toBe(first.data.choices[0]?.message.content);
    const hit = await ask(q);
    expect(hit.response.headers.get('x-cache-status')).toBe('HIT');
    expect(hit.data.choices[0]?.message.content).toBe(refreshed.data.choices[0]?.message.content);

    const n = 'What is the speed of light in vacuum?';
    expect((await ask(n, {}, { 'cache-control': 'no-store' })).response.headers.get('x-cache-status')).toBe('MISS');
    expect((await ask(n)).response.headers.get('x-cache-status')).toBe('MISS');
    h.clock.advance(100);
    expect((await ask(n, {}, { 'cache-control': 'max-age=50' })).response.headers.get('x-cache-status')).toBe('MISS');
    expect((await ask(n, {}, { 'cache-control': 'max-age=50' })).response.headers.get('x-cache-status')).toBe('HIT');
  });

  it('keeps namespaces apart and honours X-Cache-Threshold and X-Cache-TTL', async () => {
    const q = 'How many bones are in the adult human body?';
    await ask(q, {}, { 'x-cache-namespace': 'team-a', 'x-cache-ttl': '60' });
    expect((await ask(q, {}, { 'x-cache-namespace': 'team-b' })).response.headers.get('x-cache-status')).toBe('MISS');
    expect((await ask(q, {}, { 'x-cache-namespace': 'team-a' })).response.headers.get('x-cache-status')).toBe('HIT');
    const para = 'How many bones does a grown-up human body have?';
    // no-store: the paraphrase's own answer must not be cached, or (where this machine's embeddings put
    // it at cosine >= 0.9) it would serve q below once q's entry has expired.
    expect((await ask(para, {}, { 'x-cache-namespace': 'team-a', 'x-cache-threshold': '0.999', 'cache-control': 'no-store' })).response.headers.get('x-cache-status')).toBe('MISS');
    h.clock.advance(61);
    expect((await ask(q, {}, { 'x-cache-namespace': 'team-a' })).response.headers.get('x-cache-status')).toBe('MISS');
    await expect(ask(q, {}, { 'x-cache-threshold': '7' })).rejects.toMatchObject({ status: 400 });
    // This service decides by cosine (no verifier loaded): an error rate cannot be honoured.
    await expect(ask(q, {}, { 'x-cache-max-false-hit-rate': '0.05' })).rejects.toMatchObject({ status: 400, error: { code: 'verifier_unavailable' } });
  });

  it('makes exactly one upstream call for 20 concurrent identical misses', async () => {
    const q = 'What causes the seasons on Earth?';
    fake.gateStream(false);
    const before = fake.chatCalls().length;
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask(q)));
    expect(fake.chatCalls()).toHaveLength(before + 1);
    const texts = new Set(answers.map((a) => a.data.choices[0]?.message.content));
    expect(texts.size).toBe(1);
    expect(answers.filter((a) => a.response.headers.get('x-cache-coalesced') === 'true').length).toBeGreaterThan(0);
  });

  it('proxies /v1/models and counts money', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain(MODEL);
    const stats = (await h.app.inject({ url: '/v1/cache/stats' })).json();
    expect(stats.money.total.hits).toBeGreaterThan(0);
    expect(stats.money.total.tokens_saved).toBeGreaterThan(0);
    expect(stats.money.total.dollars_saved).toBeGreaterThan(0);
    expect(stats.money.total.upstream_cost_usd).toBeGreaterThan(0);
    expect(stats.money.by_namespace['team-a'].upstream_requests).toBe(3);
    const metrics = (await h.app.inject({ url: '/metrics' })).body;
    for (const name of ['dejavu_chat_requests_total', 'dejavu_tokens_saved_total', 'dejavu_upstream_requests_total', 'dejavu_coalesced_requests_total', 'dejavu_embedding_duration_seconds', 'dejavu_upstream_retries_total']) {
      expect(metrics).toContain(name);
    }
  });
});
